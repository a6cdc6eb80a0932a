import { SITE_CODE_PATTERN } from '../enrollment-secrets.js';
import { isLoopbackHttp, psQuote, shQuote } from './install-commands.js';

/**
 * The install scripts (AGT2), rendered per request with the server's URL, the
 * site's code (none for the generic scripts, which need --token) and the
 * SHA-256 of the agent bundle they will download.
 *
 * Every value put into a script is quoted for its shell, and checked first:
 * a site code is letters and digits, a checksum is hex. The templates are
 * String.raw so the scripts read here exactly as they are served; they avoid
 * `${` (shell) and the backtick (PowerShell) for that reason. The Linux and
 * macOS scripts are the same POSIX sh but for their platform's places, service
 * and tools: each is its own template, with the parts they share written once
 * below as sh fragments.
 */
export interface ScriptInput {
  publicUrl: string;
  /** null: the generic script, which enrolls with --token only. */
  siteCode: string | null;
  bundleSha256: string;
}

function checked(input: ScriptInput): ScriptInput {
  if (input.siteCode !== null && !SITE_CODE_PATTERN.test(input.siteCode)) throw new Error('not a site code');
  if (!/^[0-9a-f]{64}$/.test(input.bundleSha256)) throw new Error('not a sha256');
  // The URL also reaches cmd.exe on Windows (through the .cmd wrapper): nothing a shell would read as its own.
  if (!/^https?:\/\/[A-Za-z0-9.:[\]/_~%-]+$/.test(input.publicUrl)) {
    throw new Error(`CLOUDRMM_PUBLIC_URL ${input.publicUrl} holds characters the install scripts cannot carry`);
  }
  return input;
}

// ---- POSIX sh shared by linux.sh and macos.sh -------------------------------

/** The first lines: how to run it, what it does (`about`, comment lines), and the values of this server. */
function shPreamble(os: string, script: string, input: ScriptInput, about: string): string {
  const { publicUrl, siteCode, bundleSha256 } = checked(input);
  const dev = isLoopbackHttp(publicUrl) ? '--dev' : '';
  return String.raw`#!/bin/sh
# CloudRMM agent installer for ${os}.
#
#   curl -fsSL ${publicUrl}/install/<site code>/${script} | sudo sh
#   curl -fsSL ${publicUrl}/install/${script} | sudo sh -s -- --token <token>
#
${about}
set -eu

SERVER_URL=${shQuote(publicUrl)}
SITE_CODE=${shQuote(siteCode ?? '')}
AGENT_SHA256=${shQuote(bundleSha256)}
# Plain HTTP is accepted by the agent only for a server on this machine.
DEV_FLAG=${shQuote(dev)}`;
}

/** say, fail and usage, then the options read into TOKEN, PREFIX, SERVICE and NODE_BIN. */
function shOptions(script: string, defaultPrefix: string, service: string): string {
  return String.raw`say() { printf '%s\n' "cloudrmm-agent: $*"; }
fail() {
  printf '%s\n' "cloudrmm-agent install failed: $*" >&2
  exit 1
}
usage() {
  cat <<'USAGE'
Usage: curl -fsSL <server>/install/<site code>/${script} | sudo sh -s -- [options]

  --token TOKEN   enroll with a one-time enrollment token (cret_...) instead of the site code
  --prefix DIR    install into DIR instead of ${defaultPrefix}; the agent then keeps
                  its identity in DIR/state (or $CLOUDRMM_AGENT_DIR). Needs no root
                  together with --no-service.
  --no-service    do not install ${service}; start "DIR/bin/cloudrmm-agent run" yourself
  --node PATH     the Node.js (20 or later) to run the agent with (default: node on the PATH)
USAGE
}

TOKEN=''
PREFIX=''
SERVICE=yes
NODE_BIN=''
while [ $# -gt 0 ]; do
  case $1 in
    --token)
      [ $# -ge 2 ] || fail '--token needs a value'
      TOKEN=$2
      shift 2
      ;;
    --prefix)
      [ $# -ge 2 ] || fail '--prefix needs a directory'
      PREFIX=$2
      shift 2
      ;;
    --node)
      [ $# -ge 2 ] || fail '--node needs the path of the node program'
      NODE_BIN=$2
      shift 2
      ;;
    --no-service)
      SERVICE=no
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done

if [ -n "$TOKEN" ]; then
  case $TOKEN in
    cret_*) ;;
    *) fail 'an enrollment token starts with cret_; copy it again from the dashboard' ;;
  esac
  case $TOKEN in
    *[!A-Za-z0-9_-]*) fail 'the token holds characters no token has; copy it again from the dashboard' ;;
  esac
elif [ -z "$SITE_CODE" ]; then
  fail 'this script enrolls with a token: add -s -- --token <token> (the dashboard shows the whole command)'
fi`;
}

interface ShPlaces {
  /** Who may install for the whole machine, in the message to the others. */
  admin: string;
  /** Without --prefix: where the agent goes and where it keeps its identity (sh words). */
  defaultPrefix: string;
  defaultStateDir: string;
  /** The paths are written into files of the platform: why they are limited, the characters they may not hold (a case pattern) and in words those they may. */
  pathNote: string;
  pathPattern: string;
  pathChars: string;
}

/** IS_ROOT, then PREFIX and STATE_DIR made absolute and checked. */
function shPlaces(p: ShPlaces): string {
  return String.raw`IS_ROOT=no
if [ "$(id -u)" = 0 ]; then IS_ROOT=yes; fi
if [ -z "$PREFIX" ]; then
  [ "$IS_ROOT" = yes ] || fail 'run this as ${p.admin} (curl ... | sudo sh), or install for yourself with: sh -s -- --prefix DIR --no-service'
  PREFIX=${p.defaultPrefix}
  DEFAULT_STATE_DIR=${p.defaultStateDir}
else
  case $PREFIX in
    /*) ;;
    *) PREFIX=$(pwd)/$PREFIX ;;
  esac
  DEFAULT_STATE_DIR=$PREFIX/state
fi
set +u
STATE_DIR=$CLOUDRMM_AGENT_DIR
set -u
if [ -z "$STATE_DIR" ]; then STATE_DIR=$DEFAULT_STATE_DIR; fi
case $STATE_DIR in
  /*) ;;
  *) fail "CLOUDRMM_AGENT_DIR must be an absolute path (got $STATE_DIR)" ;;
esac
# Both end up in the wrapper and ${p.pathNote}
for dir in "$PREFIX" "$STATE_DIR"; do
  case $dir in
    ${p.pathPattern}) fail "the path $dir may hold only ${p.pathChars} and / . _ + @ -" ;;
  esac
done`;
}

interface ShNode {
  /** Why the usual places of node are tried too, and those places. */
  searchNote: string;
  candidates: string;
  /** The fail message (a sh word) when there is no node at all. */
  notFound: string;
}

/** NODE_BIN: the given node, or the one on the PATH or in the usual places; absolute, and version 20 or later. */
function shNode(n: ShNode): string {
  return String.raw`# Node.js: the agent is one JavaScript file run by node.
if [ -z "$NODE_BIN" ]; then
  NODE_BIN=$(command -v node 2>/dev/null || true)
  # ${n.searchNote}
  for candidate in ${n.candidates}; do
    if [ -z "$NODE_BIN" ] && [ -x "$candidate" ]; then NODE_BIN=$candidate; fi
  done
fi
[ -n "$NODE_BIN" ] || fail ${n.notFound}
case $NODE_BIN in
  /*) ;;
  *) NODE_BIN=$(cd "$(dirname "$NODE_BIN")" && pwd)/$(basename "$NODE_BIN") ;;
esac
[ -x "$NODE_BIN" ] || fail "$NODE_BIN is not a program this user can run"
NODE_VERSION=$("$NODE_BIN" -p 'process.versions.node' 2>/dev/null || true)
NODE_MAJOR=$(printf '%s' "$NODE_VERSION" | cut -d. -f1)
case $NODE_MAJOR in
  '' | *[!0-9]*) fail "$NODE_BIN does not run as Node.js" ;;
esac
[ "$NODE_MAJOR" -ge 20 ] || fail "Node.js $NODE_VERSION at $NODE_BIN is too old: the agent needs version 20 or later (https://nodejs.org)"`;
}

/**
 * The bundle downloaded into TMP and its checksum checked: `fetchAndHash` downloads
 * $BUNDLE_URL to $TMP/cloudrmm-agent.mjs and sets ACTUAL_SHA256, with the platform's tools.
 */
function shDownload(fetchAndHash: string): string {
  return String.raw`# Download into a temporary folder; nothing is installed unless the checksum matches.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
BUNDLE_URL=$SERVER_URL/install/agent/cloudrmm-agent.mjs
say "downloading $BUNDLE_URL"
${fetchAndHash}
[ "$ACTUAL_SHA256" = "$AGENT_SHA256" ] || fail "the downloaded agent does not match its checksum (expected $AGENT_SHA256, got $ACTUAL_SHA256); nothing was installed"`;
}

/**
 * The verified bundle and its wrapper installed, the state folder made, and this
 * computer enrolled unless it is already. `runner` is what runs the agent (in the
 * wrapper's comment), `machine` this computer (in the progress message).
 */
function shInstallAndEnroll(runner: string, machine: string): string {
  return String.raw`umask 022
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
cp "$TMP/cloudrmm-agent.mjs" "$PREFIX/lib/.cloudrmm-agent.mjs.new"
chmod 0644 "$PREFIX/lib/.cloudrmm-agent.mjs.new"
mv -f "$PREFIX/lib/.cloudrmm-agent.mjs.new" "$PREFIX/lib/cloudrmm-agent.mjs"

# The wrapper pins node and the state folder, so ${runner}, the installer and
# a technician running "cloudrmm-agent status" all use the same identity.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
WRAPPER=$PREFIX/bin/cloudrmm-agent
{
  printf '%s\n' '#!/bin/sh'
  printf '%s\n' '# CloudRMM agent. Written by its installer, which rewrites it when run again.'
  printf 'CLOUDRMM_AGENT_DIR=%s\n' "$(q "$STATE_DIR")"
  printf '%s\n' 'export CLOUDRMM_AGENT_DIR'
  printf 'exec %s %s "$@"\n' "$(q "$NODE_BIN")" "$(q "$PREFIX/lib/cloudrmm-agent.mjs")"
} >"$WRAPPER.new"
chmod 0755 "$WRAPPER.new"
mv -f "$WRAPPER.new" "$WRAPPER"

# The identity inside is readable only by the agent's user (security.md 19).
(umask 077 && mkdir -p "$STATE_DIR")
chmod 0700 "$STATE_DIR"

# The agent's own test of "enrolled": its sealed credential is there.
if [ -f "$STATE_DIR/credential.enc" ]; then
  say "already enrolled (identity in $STATE_DIR): keeping it. To enroll again, run $WRAPPER enroll --server $SERVER_URL with --site-code or --token"
else
  if [ -n "$TOKEN" ]; then
    set -- enroll --server "$SERVER_URL" --token "$TOKEN"
  else
    set -- enroll --server "$SERVER_URL" --site-code "$SITE_CODE"
  fi
  if [ -n "$DEV_FLAG" ]; then set -- "$@" "$DEV_FLAG"; fi
  say 'enrolling ${machine}'
  "$WRAPPER" "$@" || fail 'the enrollment was refused (see the message above)'
fi`;
}

/** The last lines: `install` (indented sh) sets up the platform's service, unless --no-service. */
function shService(install: string): string {
  return String.raw`if [ "$SERVICE" = yes ]; then
${install}
else
  say "installed without a service: start the agent with $WRAPPER run"
fi
say "done. Check it with: $WRAPPER status"
`;
}

// ---- the scripts -------------------------------------------------------------

export function linuxScript(input: ScriptInput): string {
  const prefix = '/opt/cloudrmm-agent';
  const service = 'the systemd service';
  return String.raw`${shPreamble(
    'Linux',
    'linux.sh',
    input,
    String.raw`# It checks that Node.js 20 or later is installed, downloads the agent from
# the server and verifies its SHA-256 (below), installs it under the prefix,
# enrolls this machine and runs the agent as the systemd service
# cloudrmm-agent. Running it again updates the agent and keeps the enrollment.`,
  )}

${shOptions('linux.sh', prefix, service)}

${shPlaces({
  admin: 'root',
  defaultPrefix: prefix,
  defaultStateDir: '/var/lib/cloudrmm-agent',
  pathNote: 'the unit file: keep them to characters that need no quoting anywhere.',
  pathPattern: '*[!A-Za-z0-9/._+@-]*',
  pathChars: 'letters, digits',
})}

if [ "$SERVICE" = yes ]; then
  [ "$IS_ROOT" = yes ] || fail 'installing the service needs root: run with sudo, or add --no-service'
  if ! command -v systemctl >/dev/null 2>&1 || [ ! -d /run/systemd/system ]; then
    fail 'systemd is not running on this machine: add --no-service and start "<prefix>/bin/cloudrmm-agent run" from your init system'
  fi
fi

${shNode({
  searchNote: "sudo's PATH often leaves out /usr/local/bin.",
  candidates: '/usr/local/bin/node /usr/bin/node',
  notFound: String.raw`"Node.js 20 or later is needed and was not found. Install it (your distribution's nodejs package, or https://nodejs.org), or pass --node /path/to/node"`,
})}

${shDownload(String.raw`if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$TMP/cloudrmm-agent.mjs" "$BUNDLE_URL" || fail "could not download $BUNDLE_URL"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$TMP/cloudrmm-agent.mjs" "$BUNDLE_URL" || fail "could not download $BUNDLE_URL"
else
  fail 'curl or wget is needed to download the agent'
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    "$NODE_BIN" -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
  fi
}
ACTUAL_SHA256=$(sha256_of "$TMP/cloudrmm-agent.mjs")`)}

${shInstallAndEnroll('the service', 'this machine')}

${shService(String.raw`  RUN_ARGS=run
  if [ -n "$DEV_FLAG" ]; then RUN_ARGS="run $DEV_FLAG"; fi
  UNIT=/etc/systemd/system/cloudrmm-agent.service
  cat >"$UNIT.new" <<UNIT_FILE
[Unit]
Description=CloudRMM agent
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart="$WRAPPER" $RUN_ARGS
Restart=always
RestartSec=10
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT_FILE
  chmod 0644 "$UNIT.new"
  mv -f "$UNIT.new" "$UNIT"
  systemctl daemon-reload
  systemctl enable --quiet cloudrmm-agent.service
  systemctl restart cloudrmm-agent.service
  say 'the cloudrmm-agent service is running (systemctl status cloudrmm-agent)'`)}`;
}

export function macosScript(input: ScriptInput): string {
  const prefix = '/usr/local/cloudrmm-agent';
  const service = 'the launchd daemon';
  return String.raw`${shPreamble(
    'macOS',
    'macos.sh',
    input,
    String.raw`# It checks that Node.js 20 or later is installed, downloads the agent from
# the server and verifies its SHA-256 (below), installs it under
# /usr/local/cloudrmm-agent, enrolls this Mac and runs the agent as the
# launchd daemon com.cloudrmm.agent. Running it again updates the agent and
# keeps the enrollment.`,
  )}
LABEL=com.cloudrmm.agent
PLIST=/Library/LaunchDaemons/com.cloudrmm.agent.plist
LOG_FILE=/Library/Logs/cloudrmm-agent.log

${shOptions('macos.sh', prefix, service)}

${shPlaces({
  admin: 'an administrator',
  defaultPrefix: prefix,
  defaultStateDir: "'/Library/Application Support/CloudRMM/agent'",
  pathNote: 'the property list: no characters that need escaping there.',
  pathPattern: String.raw`*[!A-Za-z0-9/._+@\ -]*`,
  pathChars: 'letters, digits, spaces',
})}

if [ "$SERVICE" = yes ]; then
  [ "$IS_ROOT" = yes ] || fail 'installing ${service} needs root: run with sudo, or add --no-service'
fi

${shNode({
  searchNote: "Homebrew's and the nodejs.org installer's places, which sudo's PATH may leave out.",
  candidates: '/opt/homebrew/bin/node /usr/local/bin/node',
  notFound:
    "'Node.js 20 or later is needed and was not found. Install it (brew install node, or the installer from https://nodejs.org), or pass --node /path/to/node'",
})}

${shDownload(String.raw`curl -fsSL -o "$TMP/cloudrmm-agent.mjs" "$BUNDLE_URL" || fail "could not download $BUNDLE_URL"
ACTUAL_SHA256=$(shasum -a 256 "$TMP/cloudrmm-agent.mjs" | cut -d' ' -f1)`)}

${shInstallAndEnroll('launchd', 'this Mac')}

${shService(String.raw`  DEV_ARGUMENT=''
  if [ -n "$DEV_FLAG" ]; then DEV_ARGUMENT="    <string>$DEV_FLAG</string>"; fi
  cat >"$PLIST.new" <<PLIST_FILE
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>$LABEL</string>
  <key>ProgramArguments</key>
  <array>
    <string>$WRAPPER</string>
    <string>run</string>
$DEV_ARGUMENT
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <true/>
  <key>ThrottleInterval</key>
  <integer>10</integer>
  <key>Umask</key>
  <integer>63</integer>
  <key>StandardOutPath</key>
  <string>$LOG_FILE</string>
  <key>StandardErrorPath</key>
  <string>$LOG_FILE</string>
</dict>
</plist>
PLIST_FILE
  chown root:wheel "$PLIST.new"
  chmod 0644 "$PLIST.new"
  mv -f "$PLIST.new" "$PLIST"
  # Reload: a re-run replaces the running agent with the new one. launchd may still be
  # tearing the old one down when bootout returns, so bootstrap is retried for a few seconds.
  launchctl bootout "system/$LABEL" 2>/dev/null || true
  LOADED=no
  for attempt in 1 2 3 4 5; do
    if launchctl bootstrap system "$PLIST" 2>/dev/null; then
      LOADED=yes
      break
    fi
    sleep "$attempt"
  done
  [ "$LOADED" = yes ] || launchctl bootstrap system "$PLIST" || fail "launchd did not load $PLIST"
  launchctl enable "system/$LABEL"
  launchctl kickstart -k "system/$LABEL"
  say "the agent runs as the launchd daemon $LABEL (log: $LOG_FILE)"`)}`;
}

export function windowsScript(input: ScriptInput): string {
  const { publicUrl, siteCode, bundleSha256 } = checked(input);
  const dev = isLoopbackHttp(publicUrl);
  return String.raw`# CloudRMM agent installer for Windows (PowerShell 5.1 or later, run as Administrator).
#
#   & ([scriptblock]::Create((irm '${publicUrl}/install/<site code>/windows.ps1')))
#   & ([scriptblock]::Create((irm '${publicUrl}/install/windows.ps1'))) -Token '<token>'
#
# It checks that Node.js 20 or later is installed, downloads the agent from
# the server and verifies its SHA-256 (below), installs it under
# "C:\Program Files\CloudRMM Agent", enrolls this computer and runs the agent
# at startup as SYSTEM through the scheduled task "CloudRMM Agent". Running
# it again updates the agent and keeps the enrollment.
param(
  [string]$Token = '',
  [string]$InstallDir = '',
  [switch]$NoService,
  [string]$Node = ''
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ServerUrl = ${psQuote(publicUrl)}
$SiteCode = ${psQuote(siteCode ?? '')}
$AgentSha256 = ${psQuote(bundleSha256)}
# Plain HTTP is accepted by the agent only for a server on this machine.
$DevArgs = @(${dev ? psQuote('--dev') : ''})
$TaskName = 'CloudRMM Agent'

# Errors are thrown, not exit codes: the script runs inside the caller's PowerShell, which exit would close.
function Fail([string]$Message) { throw ('CloudRMM agent install failed: ' + $Message) }
function Say([string]$Message) { Write-Host ('cloudrmm-agent: ' + $Message) }

if ($Token) {
  if ($Token -notmatch '^cret_[A-Za-z0-9_-]+$') { Fail 'an enrollment token starts with cret_; copy it again from the dashboard' }
} elseif (-not $SiteCode) {
  Fail 'this script enrolls with a token: pass -Token <token> (the dashboard shows the whole command)'
}

$identity = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $identity.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Fail 'run PowerShell as Administrator (right-click, Run as administrator) and paste the command again'
}

if (-not $InstallDir) { $InstallDir = Join-Path $env:ProgramFiles 'CloudRMM Agent' }
$StateDir = Join-Path $env:ProgramData 'CloudRMM\agent'
# Both end up in a .cmd file: no characters cmd.exe would read as its own.
foreach ($dir in @($InstallDir, $StateDir)) {
  if ($dir -notmatch '^[A-Za-z]:\\[A-Za-z0-9\\ ._()+@-]*$') { Fail ('the path ' + $dir + ' may hold only letters, digits, spaces and \ . _ ( ) + @ -') }
}

# Node.js: the agent is one JavaScript file run by node.
if (-not $Node) {
  $found = Get-Command node.exe -ErrorAction SilentlyContinue
  if ($found) { $Node = $found.Path }
  elseif (Test-Path (Join-Path $env:ProgramFiles 'nodejs\node.exe')) { $Node = Join-Path $env:ProgramFiles 'nodejs\node.exe' }
}
if (-not $Node -or -not (Test-Path $Node)) {
  Fail 'Node.js 20 or later is needed and was not found. Install the LTS version from https://nodejs.org (or: winget install OpenJS.NodeJS.LTS), open a new PowerShell as Administrator and run the command again'
}
$Node = (Resolve-Path $Node).Path
if ($Node -notmatch '^[A-Za-z]:\\[A-Za-z0-9\\ ._()+@-]*$') { Fail ('the path of node, ' + $Node + ', holds characters a .cmd file cannot carry') }
$nodeVersion = (& $Node -p 'process.versions.node') | Select-Object -First 1
if (-not ($nodeVersion -match '^(\d+)\.') -or [int]$Matches[1] -lt 20) {
  Fail ('Node.js ' + $nodeVersion + ' at ' + $Node + ' is too old: the agent needs version 20 or later (https://nodejs.org)')
}

# Download into a temporary file; nothing is installed unless the checksum matches.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
$bundleUrl = $ServerUrl + '/install/agent/cloudrmm-agent.mjs'
$download = Join-Path ([IO.Path]::GetTempPath()) ('cloudrmm-agent-' + [guid]::NewGuid().ToString('N') + '.mjs')
try {
  Say ('downloading ' + $bundleUrl)
  Invoke-WebRequest -UseBasicParsing -Uri $bundleUrl -OutFile $download
  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $download).Hash.ToLowerInvariant()
  if ($actual -ne $AgentSha256) {
    Fail ('the downloaded agent does not match its checksum (expected ' + $AgentSha256 + ', got ' + $actual + '); nothing was installed')
  }

  $libDir = Join-Path $InstallDir 'lib'
  $binDir = Join-Path $InstallDir 'bin'
  New-Item -ItemType Directory -Force -Path $libDir, $binDir | Out-Null
  # Stop a running agent first, the task and the node it started: a re-run must not leave two agents running.
  if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) { Stop-ScheduledTask -TaskName $TaskName }
  Get-CimInstance Win32_Process -Filter "Name = 'node.exe'" |
    Where-Object { $_.CommandLine -and $_.CommandLine.Contains('cloudrmm-agent.mjs') } |
    ForEach-Object { Stop-Process -Id $_.ProcessId -Force -ErrorAction SilentlyContinue }
  Copy-Item -LiteralPath $download -Destination (Join-Path $libDir 'cloudrmm-agent.mjs') -Force
} finally {
  Remove-Item -LiteralPath $download -Force -ErrorAction SilentlyContinue
}

# The wrapper pins node and the state folder, so the scheduled task, the
# installer and a technician running "cloudrmm-agent status" use the same identity.
$wrapper = Join-Path $binDir 'cloudrmm-agent.cmd'
$lines = @(
  '@echo off',
  'rem CloudRMM agent. Written by its installer, which rewrites it when run again.',
  ('set "CLOUDRMM_AGENT_DIR=' + $StateDir + '"'),
  ('"' + $Node + '" "' + (Join-Path $libDir 'cloudrmm-agent.mjs') + '" %*')
)
Set-Content -LiteralPath $wrapper -Value $lines -Encoding Ascii

# Only SYSTEM and Administrators may read the identity (security.md 19).
New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
& icacls.exe $StateDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { Fail ('could not restrict access to ' + $StateDir) }

# The agent's own test of "enrolled": its sealed credential is there.
if (Test-Path (Join-Path $StateDir 'credential.enc')) {
  Say ('already enrolled (identity in ' + $StateDir + '): keeping it. To enroll again, run "' + $wrapper + '" enroll --server ' + $ServerUrl + ' with --site-code or --token')
} else {
  if ($Token) { $enrollArgs = @('enroll', '--server', $ServerUrl, '--token', $Token) + $DevArgs }
  else { $enrollArgs = @('enroll', '--server', $ServerUrl, '--site-code', $SiteCode) + $DevArgs }
  Say 'enrolling this computer'
  & $wrapper @enrollArgs
  if ($LASTEXITCODE -ne 0) { Fail 'the enrollment was refused (see the message above)' }
}

if (-not $NoService) {
  $runArgs = (@('run') + $DevArgs) -join ' '
  # cmd /c strips the outer quotes: ""C:\...\cloudrmm-agent.cmd" run"
  $action = New-ScheduledTaskAction -Execute (Join-Path $env:SystemRoot 'System32\cmd.exe') -Argument ('/d /c ""' + $wrapper + '" ' + $runArgs + '"')
  # At startup, and every 5 minutes after: if the agent ever exits, the next tick starts it again.
  $triggers = @(
    (New-ScheduledTaskTrigger -AtStartup),
    (New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1) -RepetitionInterval (New-TimeSpan -Minutes 5))
  )
  $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1)
  $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
  Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $triggers -Settings $settings -Principal $principal -Description 'CloudRMM agent' -Force | Out-Null
  Start-ScheduledTask -TaskName $TaskName
  Say ('the agent runs as SYSTEM from the scheduled task "' + $TaskName + '"')
} else {
  Say ('installed without a service: start the agent with "' + $wrapper + '" run')
}
Say ('done. Check it with: "' + $wrapper + '" status')
`;
}
