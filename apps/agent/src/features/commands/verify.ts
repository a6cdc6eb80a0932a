import { verify } from 'node:crypto';
import { commandSigningInput, contentHash, type CommandEnvelope, type RefusalReason } from '@cloudrmm/protocol';
import type { CommandKey } from '../../state/command-key.js';

/** How far the server's clock may be ahead of ours before an envelope counts as expired. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason; message: string };

export interface Self {
  deviceId: string;
  partnerId: string;
  /** Null when the enrollment brought no command key. */
  key: CommandKey | null;
  now: number;
}

const refuse = (reason: RefusalReason, message: string): Verdict => ({ ok: false, reason, message });

/**
 * Everything checked before a command runs (AGT18, security.md 26): a
 * signature by the key stored at enrollment over partner, device, run,
 * payload hash, nonce and expiry; the payload against its hash; this device
 * and partner; the expiry. Replays are the journal's business.
 */
export function verifyEnvelope(envelope: CommandEnvelope, self: Self): Verdict {
  if (!envelope.signature) return refuse('unsigned', 'the command is not signed; it was not run');
  if (!self.key) {
    return refuse(
      'unknown_key',
      'this agent holds no command-signing key (enrolled with a server that sent none); enroll this machine again',
    );
  }
  if (envelope.key_id !== self.key.keyId) {
    return refuse(
      'unknown_key',
      `the command is signed by key ${envelope.key_id}, but this agent trusts only ${self.key.keyId}; ` +
        'if the server key was replaced, enroll this machine again',
    );
  }
  const signature = Buffer.from(envelope.signature, 'base64');
  let valid: boolean;
  try {
    valid = signature.length === 64 && verify(null, commandSigningInput(envelope), self.key.key, signature);
  } catch {
    valid = false;
  }
  if (!valid) return refuse('bad_signature', 'the command signature does not verify with the server key; it was not run');
  if (contentHash(envelope.payload) !== envelope.payload_hash) {
    return refuse('altered', 'the command payload does not match its signed hash: it was altered; it was not run');
  }
  if (envelope.device_id !== self.deviceId) {
    return refuse('wrong_device', `the command is for device ${envelope.device_id}, not this one (${self.deviceId})`);
  }
  if (envelope.partner_id !== self.partnerId) {
    return refuse('wrong_partner', `the command is for partner ${envelope.partner_id}, not this device's partner`);
  }
  return { ok: true };
}

/** Whether the envelope's expiry (with the clock-skew grace) has passed. */
export function isExpired(envelope: Pick<CommandEnvelope, 'expires_at'>, now: number): boolean {
  return now > envelope.expires_at + CLOCK_SKEW_MS;
}
