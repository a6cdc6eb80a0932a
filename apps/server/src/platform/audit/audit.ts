import type { FastifyRequest } from 'fastify';
import type { Database, Tx } from '../db/database.js';

/** Who did something: a signed-in user, an API key, an agent, or CloudRMM itself. */
export interface Actor {
  type: 'user' | 'api_key' | 'agent' | 'system';
  id: string | null;
  /** A readable name kept with the event (email, key name), so it survives deletions. */
  label: string;
  apiKeyId?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

export interface AuditEntry {
  /** `noun.verb`, e.g. `organization.create`. */
  action: string;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'CloudRMM' };

export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (!p) return { type: 'system', id: null, label: 'anonymous', ip: request.ip, requestId: request.id };
  if (p.kind === 'api_key') {
    // The owner acted through this key: every event names both.
    return {
      type: 'api_key',
      id: p.userId,
      label: `${p.email} (key ${p.apiKeyName})`,
      apiKeyId: p.apiKeyId,
      ip: request.ip,
      requestId: request.id,
    };
  }
  return { type: 'user', id: p.userId, label: p.email, ip: request.ip, requestId: request.id };
}

// Field names that carry secrets; a plain `key` (e.g. a role's key) is not one.
const SECRET_KEY = /pass(word)?|secret|token|hash|private|recovery|totp|seed|(api|master|signing|encryption)_?key/i;

/** Secrets never reach the audit log, whatever object is handed in. */
function scrub(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined || depth > 6) return value ?? null;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) ? '[redacted]' : scrub(v, depth + 1),
      ]),
    );
  }
  return value;
}

/**
 * Appends an event to the tenant's chain (null = the platform chain) in the
 * caller's transaction: if the audit write fails, the action fails with it.
 */
export async function audit(tx: Tx, tenantId: string | null, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_events')
    .values({
      tenant_id: tenantId,
      seq: 0, // set by the chain trigger
      prev_hash: Buffer.alloc(0),
      hash: Buffer.alloc(0),
      actor_type: actor.type,
      actor_id: actor.id,
      actor_label: actor.label,
      api_key_id: actor.apiKeyId ?? null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      before: entry.before === undefined ? null : JSON.stringify(scrub(entry.before)),
      after: entry.after === undefined ? null : JSON.stringify(scrub(entry.after)),
      ip: actor.ip ?? null,
      request_id: actor.requestId ?? null,
    })
    .execute();
}

/** For events that are not part of another write (sign-in, reads of the audit log): its own transaction. */
export function recordAudit(db: Database, tenantId: string | null, actor: Actor, entry: AuditEntry): Promise<void> {
  return tenantId
    ? db.withTenant(tenantId, (tx) => audit(tx, tenantId, actor, entry))
    : db.withPlatform((tx) => audit(tx, null, actor, entry));
}
