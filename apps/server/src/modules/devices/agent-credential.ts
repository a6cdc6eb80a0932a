import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AGENT_CREDENTIAL_PATTERN } from '@cloudrmm/protocol';

/**
 * An agent's credential is `crma_<agent id, 32 hex>_<secret, 32 random bytes
 * base64url>`. The server keeps the sha256 of the secret only; the prefix
 * keeps it apart from user API keys (`crmm_`), which no agent route accepts
 * and which an agent credential never passes for (security.md 15).
 */
export function newAgentCredential(agentId: string): { credential: string; secretHash: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { credential: `crma_${agentId.replace(/-/g, '')}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented credential into the agent id (a uuid) and its secret; null when it is not one. */
export function parseAgentCredential(credential: string): { agentId: string; secret: string } | null {
  const m = AGENT_CREDENTIAL_PATTERN.exec(credential);
  if (!m) return null;
  const hex = m[1]!;
  const agentId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { agentId, secret: m[2]! };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: Buffer | Uint8Array): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}
