import type { PinnedServer } from '../state/pinning.js';
import type { ServerUrl } from './server-url.js';

/** The TLS options every HTTPS and WSS connection of the agent uses. */
export interface TlsPolicy {
  /** Trust anchors; undefined means the system's. */
  ca?: string[];
  rejectUnauthorized: boolean;
  /** What the connection must match, for messages and the leaf check. */
  pinned: PinnedServer | null;
}

/** At enrollment: normal verification against the system CAs or --ca-file. */
export function enrollmentTls(server: ServerUrl, caFilePem: string | null): TlsPolicy {
  return { ca: caFilePem ? [caFilePem] : undefined, rejectUnauthorized: !server.unverified, pinned: null };
}

/** After enrollment: only the CA pinned at enrollment is trusted (AGT17). */
export function pinnedTls(server: ServerUrl, pinned: PinnedServer | null): TlsPolicy {
  return { ca: pinned ? [pinned.ca_pem] : undefined, rejectUnauthorized: !server.unverified, pinned };
}

export const DEV_TLS_WARNING =
  '*** WARNING: --dev with https: the server certificate is NOT verified. Anyone on the network path can impersonate the server. Never use --dev in production. ***';
