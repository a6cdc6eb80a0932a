import { isIP } from 'node:net';

export class ServerUrlError extends Error {}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export interface ServerUrl {
  /** The origin only: paths come from the protocol. */
  origin: string;
  plaintext: boolean;
  /** True when --dev with https: certificate checks are off. */
  unverified: boolean;
}

/**
 * The agent speaks only TLS (security.md 22). Plaintext is allowed for a
 * development server on this machine, and only when --dev says so.
 */
export function checkServerUrl(raw: string, dev: boolean): ServerUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ServerUrlError(`"${raw}" is not a URL; expected https://your-server`);
  }
  if (url.username || url.password) throw new ServerUrlError('the server URL must not contain a user name or password');
  if (url.protocol === 'https:') return { origin: url.origin, plaintext: false, unverified: dev };
  if (url.protocol !== 'http:') throw new ServerUrlError(`unsupported scheme "${url.protocol}"; the server URL must be https://`);
  if (!isLoopbackHost(url.hostname)) {
    throw new ServerUrlError(
      `refusing plaintext http:// to ${url.hostname}: the server URL must be https:// (http is allowed only with --dev on this machine's loopback address)`,
    );
  }
  if (!dev) {
    throw new ServerUrlError(
      `refusing plaintext ${url.origin} without --dev: the server URL must be https:// (add --dev for a local development server)`,
    );
  }
  return { origin: url.origin, plaintext: true, unverified: false };
}
