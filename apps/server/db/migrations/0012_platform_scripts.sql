-- The platform's script library (AUT6): scripts published by CloudRMM
-- (tenant_id null), read-only to every partner, who can copy them. Each has its
-- first version in script_versions. Parameters reach the scripts as
-- CLOUDRMM_PARAM_<NAME> and as argv, in parameter order; no body is templated.
-- Fixed ids, so a later migration can publish a new version of one.

insert into scripts (id, tenant_id, name, description, category, language, target_os, body, parameters,
                     default_timeout_seconds, run_as) values
  ('c10d5c00-0000-4000-8000-000000000001', null, 'Disk space report',
   'Lists every mounted file system with its size, use and free space, and the ones at or above the threshold. Exits 1 when any is, so a schedule shows which devices need attention.',
   'Storage', 'bash', array['linux', 'darwin'],
   $cloudrmm$#!/usr/bin/env bash
# Disk space report: every mounted file system, and those at or above the threshold.
# Exits 1 when one is, so a schedule's history shows which devices need attention.
set -euo pipefail

threshold="${CLOUDRMM_PARAM_THRESHOLD_PERCENT:-${1:-90}}"
threshold="${threshold%.*}"
if ! [[ "$threshold" =~ ^[0-9]+$ ]] || ((threshold < 1 || threshold > 100)); then
  echo "threshold_percent must be a whole number from 1 to 100, got: $threshold" >&2
  exit 2
fi

# Real file systems only where df can filter (Linux); everything elsewhere (macOS).
fs_list() { df -P -k -x tmpfs -x devtmpfs -x squashfs -x overlay 2>/dev/null || df -P -k; }

echo "== File systems =="
fs_list | awk '
  NR == 1 { printf "%-32s %10s %10s %10s %5s\n", "Mounted on", "Size", "Used", "Free", "Use%"; next }
  { m = $6; for (i = 7; i <= NF; i++) m = m " " $i
    printf "%-32s %9.1fG %9.1fG %9.1fG %5s\n", m, $2 / 1048576, $3 / 1048576, $4 / 1048576, $5 }'

over="$(fs_list | awk -v t="$threshold" '
  NR > 1 { p = $5; sub(/%/, "", p)
    if (p + 0 >= t) { m = $6; for (i = 7; i <= NF; i++) m = m " " $i
      printf "%s is %s%% full (%.1f GiB free)\n", m, p, $4 / 1048576 } }')"

echo
if [ -n "$over" ]; then
  echo "== At or above ${threshold}% =="
  echo "$over"
  exit 1
fi
echo "No file system is ${threshold}% full or more."
$cloudrmm$,
   '[{"name": "threshold_percent", "label": "Warn at (% full)", "type": "number", "required": true, "default": 90, "choices": [], "description": "A file system this full or fuller is reported (1-100)."}]'::jsonb,
   120, 'system'),
  ('c10d5c00-0000-4000-8000-000000000002', null, 'Clear temporary files older than N days',
   'Deletes files in /tmp and /var/tmp not modified for more than the given number of days, and the empty folders left behind; reports how much space was freed. A dry run only lists what would go.',
   'Maintenance', 'bash', array['linux', 'darwin'],
   $cloudrmm$#!/usr/bin/env bash
# Deletes files in /tmp and /var/tmp not modified for more than N days, then the
# empty folders left behind. Stays on each folder's own file system.
set -euo pipefail

days="${CLOUDRMM_PARAM_DAYS:-${1:-7}}"
days="${days%.*}"
dry_run="${CLOUDRMM_PARAM_DRY_RUN:-${2:-false}}"
if ! [[ "$days" =~ ^[0-9]+$ ]] || ((days < 1)); then
  echo "days must be a whole number of at least 1, got: $days" >&2
  exit 2
fi
case "$(printf '%s' "$dry_run" | tr '[:upper:]' '[:lower:]')" in
  true | 1 | yes) dry_run=true ;;
  *) dry_run=false ;;
esac

total_files=0
total_kb=0
for dir in /tmp /var/tmp; do
  [ -d "$dir" ] || continue
  read -r files kb < <(find "$dir" -xdev -mindepth 1 -type f -mtime +"$days" -exec du -k {} + 2>/dev/null |
    awk '{ n++; s += $1 } END { printf "%d %d\n", n, s }')
  if [ "$dry_run" = true ]; then
    echo "$dir: would delete $files file(s), $((kb / 1024)) MiB"
    find "$dir" -xdev -mindepth 1 -type f -mtime +"$days" -print 2>/dev/null | head -n 50 || true
  else
    find "$dir" -xdev -mindepth 1 -type f -mtime +"$days" -delete 2>/dev/null || true
    find "$dir" -xdev -mindepth 1 -type d -empty -mtime +"$days" -delete 2>/dev/null || true
    echo "$dir: deleted $files file(s), $((kb / 1024)) MiB"
  fi
  total_files=$((total_files + files))
  total_kb=$((total_kb + kb))
done

if [ "$dry_run" = true ]; then
  echo "Dry run: $total_files file(s) older than $days day(s), $((total_kb / 1024)) MiB, would be deleted."
else
  echo "Deleted $total_files file(s) older than $days day(s), freeing about $((total_kb / 1024)) MiB."
fi
$cloudrmm$,
   '[{"name": "days", "label": "Older than (days)", "type": "number", "required": true, "default": 7, "choices": [], "description": "Files not modified for more than this many days are deleted."}, {"name": "dry_run", "label": "Dry run", "type": "boolean", "required": false, "default": false, "choices": [], "description": "Only list what would be deleted."}]'::jsonb,
   1800, 'system'),
  ('c10d5c00-0000-4000-8000-000000000003', null, 'List listening ports',
   'The TCP and UDP ports this machine listens on, with the owning process where the operating system tells (ss, lsof or netstat).',
   'Network', 'sh', array['linux', 'darwin'],
   $cloudrmm$#!/bin/sh
# Lists the TCP and UDP sockets this machine listens on, with the owning process where the OS tells.
set -eu

if command -v ss >/dev/null 2>&1; then
  echo "== TCP =="
  ss -ltnp
  echo
  echo "== UDP =="
  ss -lunp
elif [ "$(uname -s)" = Darwin ] && command -v lsof >/dev/null 2>&1; then
  echo "== TCP =="
  lsof -nP -iTCP -sTCP:LISTEN || true
  echo
  echo "== UDP =="
  lsof -nP -iUDP || true
elif command -v netstat >/dev/null 2>&1; then
  netstat -lntup 2>/dev/null || netstat -an | grep -E 'LISTEN|^udp'
else
  echo "none of ss, lsof or netstat is installed" >&2
  exit 1
fi
$cloudrmm$,
   '[]'::jsonb,
   60, 'system'),
  ('c10d5c00-0000-4000-8000-000000000004', null, 'Restart a service',
   'Restarts a service with systemd (or OpenRC / service) on Linux, launchd on macOS, and checks that it is running again.',
   'Services', 'bash', array['linux', 'darwin'],
   $cloudrmm$#!/usr/bin/env bash
# Restarts a service (systemd, SysV service or OpenRC on Linux; launchd on macOS)
# and checks that it came back up.
set -euo pipefail

name="${CLOUDRMM_PARAM_SERVICE_NAME:-${1:-}}"
if [ -z "$name" ]; then
  echo "service_name is required" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[A-Za-z0-9@._:+-]+$ ]] || [[ "$name" == -* ]]; then
  echo "not a service name: $name" >&2
  exit 2
fi

case "$(uname -s)" in
  Linux)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl restart -- "$name"
      sleep 2
      if systemctl is-active --quiet -- "$name"; then
        echo "$name restarted and is active"
        systemctl status --no-pager --lines=10 -- "$name" || true
      else
        echo "$name did not come back up" >&2
        systemctl status --no-pager --lines=20 -- "$name" >&2 || true
        exit 1
      fi
    elif command -v rc-service >/dev/null 2>&1; then
      rc-service "$name" restart
    elif command -v service >/dev/null 2>&1; then
      service "$name" restart
    else
      echo "no service manager found (systemd, OpenRC or service)" >&2
      exit 1
    fi
    ;;
  Darwin)
    launchctl kickstart -k "system/$name"
    echo "$name restarted"
    launchctl print "system/$name" 2>/dev/null | head -n 20 || true
    ;;
  *)
    echo "unsupported operating system: $(uname -s)" >&2
    exit 1
    ;;
esac
$cloudrmm$,
   '[{"name": "service_name", "label": "Service", "type": "string", "required": true, "default": null, "choices": [], "description": "The unit or launchd label, e.g. nginx or com.example.agent."}]'::jsonb,
   180, 'system'),
  ('c10d5c00-0000-4000-8000-000000000005', null, 'System uptime and load',
   'Uptime, load averages against the number of CPUs, memory, and the ten busiest processes.',
   'Diagnostics', 'sh', array['linux', 'darwin'],
   $cloudrmm$#!/bin/sh
# Uptime, load averages against the number of CPUs, memory, and the busiest processes.
set -eu

cpus="$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 1)"
if [ -r /proc/loadavg ]; then
  read -r l1 l5 l15 _rest </proc/loadavg
else
  # macOS: "{ 1.23 1.10 0.98 }"
  set -- $(sysctl -n vm.loadavg | tr -d '{}')
  l1="$1" l5="$2" l15="$3"
fi

echo "Host:     $(hostname)"
echo "Kernel:   $(uname -sr)"
echo "Uptime:   $(uptime | sed 's/^ *//')"
echo "CPUs:     $cpus"
echo "Load:     $l1 (1 min)  $l5 (5 min)  $l15 (15 min)"
awk -v l="$l1" -v c="$cpus" 'BEGIN { printf "Per CPU:  %.2f (1 min)%s\n", l / c, (l / c > 1 ? "  - more work than CPUs" : "") }'
if [ -r /proc/meminfo ]; then
  awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 }
    END { printf "Memory:   %.1f GiB total, %.1f GiB available\n", t / 1048576, a / 1048576 }' /proc/meminfo
fi

echo
echo "== Busiest processes (CPU %) =="
ps -eo pid,pcpu,pmem,comm | {
  IFS= read -r header
  echo "$header"
  sort -k2 -nr | head -n 10
}
$cloudrmm$,
   '[]'::jsonb,
   60, 'system'),
  ('c10d5c00-0000-4000-8000-000000000006', null, 'Python environment report',
   'The Python interpreter the agent runs scripts with: version, platform, virtualenv, search path and installed packages.',
   'Diagnostics', 'python', array['linux', 'darwin', 'win32'],
   $cloudrmm$"""Python environment report: interpreter, platform, search path and installed packages."""
import os
import platform
import sys


def parameter(env_name, index, default):
    """A parameter from its environment variable, else its argv position."""
    value = os.environ.get(env_name)
    if value is None and len(sys.argv) > index:
        value = sys.argv[index]
    return default if value in (None, "") else value


def main():
    print("Python:      %s (%s)" % (platform.python_version(), platform.python_implementation()))
    print("Executable:  %s" % sys.executable)
    print("Platform:    %s" % platform.platform())
    print("Machine:     %s" % platform.machine())
    print("Prefix:      %s" % sys.prefix)
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    print("Virtualenv:  %s" % ("yes" if in_venv else "no"))
    print("Encoding:    %s" % sys.getfilesystemencoding())
    print("Search path:")
    for entry in sys.path:
        if entry:
            print("  " + entry)

    if parameter("CLOUDRMM_PARAM_INCLUDE_PACKAGES", 1, "true").strip().lower() not in ("true", "1", "yes"):
        return 0
    try:
        from importlib import metadata
    except ImportError:
        print("\nThe package list needs Python 3.8 or later.")
        return 0
    packages = sorted(
        {((d.metadata["Name"] or "?"), d.version) for d in metadata.distributions()},
        key=lambda p: p[0].lower(),
    )
    print("\nInstalled packages (%d):" % len(packages))
    for name, version in packages:
        print("  %s==%s" % (name, version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
$cloudrmm$,
   '[{"name": "include_packages", "label": "List installed packages", "type": "boolean", "required": false, "default": true, "choices": [], "description": ""}]'::jsonb,
   120, 'system'),
  ('c10d5c00-0000-4000-8000-000000000007', null, 'Windows: restart a service',
   'Restarts a Windows service, by name or display name, and waits until it is running again.',
   'Services', 'powershell', array['win32'],
   $cloudrmm$# Restarts a Windows service (by name or display name) and waits until it runs again.
$ErrorActionPreference = 'Stop'

$name = $env:CLOUDRMM_PARAM_SERVICE_NAME
if ([string]::IsNullOrWhiteSpace($name) -and $args.Count -gt 0) { $name = [string]$args[0] }
$timeoutText = $env:CLOUDRMM_PARAM_TIMEOUT_SECONDS
if ([string]::IsNullOrWhiteSpace($timeoutText)) { $timeoutText = if ($args.Count -gt 1) { [string]$args[1] } else { '60' } }

if ([string]::IsNullOrWhiteSpace($name)) {
  [Console]::Error.WriteLine('service_name is required')
  exit 2
}
if ($name -match '[*?\[\]]') {
  [Console]::Error.WriteLine("service_name may not contain wildcards: $name")
  exit 2
}
$timeout = 0.0
if (-not [double]::TryParse($timeoutText, [ref]$timeout) -or $timeout -lt 1) {
  [Console]::Error.WriteLine("timeout_seconds must be a number of at least 1, got: $timeoutText")
  exit 2
}

$service = @(Get-Service -Name $name -ErrorAction SilentlyContinue)
if ($service.Count -eq 0) { $service = @(Get-Service -DisplayName $name -ErrorAction SilentlyContinue) }
if ($service.Count -ne 1) {
  [Console]::Error.WriteLine("no service is named '$name'")
  exit 1
}
$service = $service[0]

Write-Output "Restarting $($service.DisplayName) ($($service.Name)); it is $($service.Status)"
try {
  Restart-Service -InputObject $service -Force
  $service.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, [TimeSpan]::FromSeconds($timeout))
} catch {
  $service.Refresh()
  [Console]::Error.WriteLine("$($service.Name) did not come back up within $timeout s (it is $($service.Status)): $($_.Exception.Message)")
  exit 1
}
$service.Refresh()
Write-Output "$($service.Name) is $($service.Status)"
$cloudrmm$,
   '[{"name": "service_name", "label": "Service", "type": "string", "required": true, "default": null, "choices": [], "description": "The service name or display name, e.g. Spooler or \"Print Spooler\"."}, {"name": "timeout_seconds", "label": "Wait up to (seconds)", "type": "number", "required": false, "default": 60, "choices": [], "description": "How long to wait for the service to run again."}]'::jsonb,
   180, 'system'),
  ('c10d5c00-0000-4000-8000-000000000008', null, 'Windows: disk cleanup',
   'Deletes temporary files older than the given number of days from Windows\Temp and every user''s AppData\Local\Temp, optionally empties the recycle bins of the system drive, and reports the space freed. Files in use are left alone.',
   'Maintenance', 'powershell', array['win32'],
   $cloudrmm$# Deletes temporary files older than N days from Windows\Temp and every user's
# AppData\Local\Temp, optionally empties the recycle bins of the system drive,
# and reports the space freed. Files in use are left alone.
$ErrorActionPreference = 'Continue'

$daysText = $env:CLOUDRMM_PARAM_DAYS
if ([string]::IsNullOrWhiteSpace($daysText)) { $daysText = if ($args.Count -gt 0) { [string]$args[0] } else { '7' } }
$recycleText = $env:CLOUDRMM_PARAM_EMPTY_RECYCLE_BIN
if ([string]::IsNullOrWhiteSpace($recycleText)) { $recycleText = if ($args.Count -gt 1) { [string]$args[1] } else { 'false' } }

$days = 0.0
if (-not [double]::TryParse($daysText, [ref]$days) -or $days -lt 1) {
  [Console]::Error.WriteLine("days must be a number of at least 1, got: $daysText")
  exit 2
}
$emptyRecycleBin = $recycleText.Trim() -in @('true', '1', 'yes')
$cutoff = (Get-Date).AddDays(-$days)

function Remove-OldFiles([string]$Folder, [datetime]$Before) {
  $result = [pscustomobject]@{ Files = 0; Bytes = [long]0; Skipped = 0 }
  if (-not (Test-Path -LiteralPath $Folder)) { return $result }
  $old = Get-ChildItem -LiteralPath $Folder -Recurse -Force -File -ErrorAction SilentlyContinue |
    Where-Object { $_.LastWriteTime -lt $Before }
  foreach ($file in $old) {
    try {
      $size = $file.Length
      Remove-Item -LiteralPath $file.FullName -Force -ErrorAction Stop
      $result.Files++
      $result.Bytes += $size
    } catch {
      $result.Skipped++
    }
  }
  # Folders left empty, deepest first.
  Get-ChildItem -LiteralPath $Folder -Recurse -Force -Directory -ErrorAction SilentlyContinue |
    Sort-Object { $_.FullName.Length } -Descending |
    ForEach-Object {
      if (-not (Get-ChildItem -LiteralPath $_.FullName -Force -ErrorAction SilentlyContinue | Select-Object -First 1)) {
        Remove-Item -LiteralPath $_.FullName -Force -ErrorAction SilentlyContinue
      }
    }
  return $result
}

$folders = @(Join-Path $env:SystemRoot 'Temp')
$profiles = Get-CimInstance -ClassName Win32_UserProfile -ErrorAction SilentlyContinue | Where-Object { -not $_.Special -and $_.LocalPath }
foreach ($p in $profiles) { $folders += Join-Path $p.LocalPath 'AppData\Local\Temp' }

$files = 0
$bytes = [long]0
$skipped = 0
foreach ($folder in ($folders | Select-Object -Unique)) {
  $r = Remove-OldFiles -Folder $folder -Before $cutoff
  if ($r.Files -gt 0 -or $r.Skipped -gt 0) {
    Write-Output ('{0}: deleted {1} file(s), {2:N1} MB' -f $folder, $r.Files, ($r.Bytes / 1MB))
  }
  $files += $r.Files
  $bytes += $r.Bytes
  $skipped += $r.Skipped
}

if ($emptyRecycleBin) {
  $bin = Join-Path $env:SystemDrive '$Recycle.Bin'
  $binBytes = [long]0
  foreach ($userBin in (Get-ChildItem -LiteralPath $bin -Force -Directory -ErrorAction SilentlyContinue)) {
    foreach ($item in (Get-ChildItem -LiteralPath $userBin.FullName -Force -ErrorAction SilentlyContinue | Where-Object { $_.Name -ne 'desktop.ini' })) {
      $size = (Get-ChildItem -LiteralPath $item.FullName -Recurse -Force -File -ErrorAction SilentlyContinue | Measure-Object -Property Length -Sum).Sum
      if ($item -is [System.IO.FileInfo]) { $size = $item.Length }
      Remove-Item -LiteralPath $item.FullName -Recurse -Force -ErrorAction SilentlyContinue
      if (-not (Test-Path -LiteralPath $item.FullName)) { $binBytes += [long]$size }
    }
  }
  Write-Output ('Recycle bins of {0}: emptied, {1:N1} MB' -f $env:SystemDrive, ($binBytes / 1MB))
  $bytes += $binBytes
}

Write-Output ('Freed {0:N1} MB: {1} temporary file(s) older than {2} day(s) deleted, {3} in use or protected left alone.' -f ($bytes / 1MB), $files, $days, $skipped)
$drive = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$($env:SystemDrive)'" -ErrorAction SilentlyContinue
if ($drive) {
  Write-Output ('{0} has {1:N1} GB free of {2:N1} GB.' -f $drive.DeviceID, ($drive.FreeSpace / 1GB), ($drive.Size / 1GB))
}
$cloudrmm$,
   '[{"name": "days", "label": "Older than (days)", "type": "number", "required": true, "default": 7, "choices": [], "description": ""}, {"name": "empty_recycle_bin", "label": "Empty the recycle bins", "type": "boolean", "required": false, "default": false, "choices": [], "description": ""}]'::jsonb,
   3600, 'system');

insert into script_versions (script_id, tenant_id, version, name, description, category, language, target_os, body,
                             parameters, default_timeout_seconds, run_as)
select id, tenant_id, version, name, description, category, language, target_os, body, parameters, default_timeout_seconds,
       run_as
  from scripts
 where tenant_id is null and id::text like 'c10d5c00-0000-4000-8000-%';
