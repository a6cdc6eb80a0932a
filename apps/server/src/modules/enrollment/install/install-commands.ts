import type { InstallCommands } from '../enrollment.schemas.js';

/** A value inside single quotes for POSIX sh: the only thing to escape is the quote itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A value inside single quotes for PowerShell, which also reads the typographic quotes as quotes. */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** Agents talk plain HTTP only to a server on this machine, and then only with --dev (security.md 22). */
export function isLoopbackHttp(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export type EnrollWith = { siteCode: string } | { token: string };

/**
 * The one-line commands a technician pastes on an endpoint. A site code is part
 * of its scripts' URLs; a token is handed to the generic scripts as an argument,
 * so the install link of the site may be disabled while tokens still work.
 */
export function installCommands(publicUrl: string, using: EnrollWith): InstallCommands {
  if ('siteCode' in using) {
    const base = `${publicUrl}/install/${using.siteCode}`;
    return {
      linux: `curl -fsSL ${shQuote(`${base}/linux.sh`)} | sudo sh`,
      macos: `curl -fsSL ${shQuote(`${base}/macos.sh`)} | sudo sh`,
      // A script block, not `irm | iex`: the script then runs in its own scope and leaves the session as it was.
      windows: `& ([scriptblock]::Create((irm ${psQuote(`${base}/windows.ps1`)})))`,
    };
  }
  const base = `${publicUrl}/install`;
  return {
    linux: `curl -fsSL ${shQuote(`${base}/linux.sh`)} | sudo sh -s -- --token ${shQuote(using.token)}`,
    macos: `curl -fsSL ${shQuote(`${base}/macos.sh`)} | sudo sh -s -- --token ${shQuote(using.token)}`,
    windows: `& ([scriptblock]::Create((irm ${psQuote(`${base}/windows.ps1`)}))) -Token ${psQuote(using.token)}`,
  };
}

export const installUrl = (publicUrl: string, siteCode: string) => `${publicUrl}/install/${siteCode}`;
