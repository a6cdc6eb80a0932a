import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { AuditQuery } from './audit.schemas.js';

const columns = [
  'id',
  'seq',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_label',
  'api_key_id',
  'action',
  'target_type',
  'target_id',
  'before',
  'after',
  'ip',
  'request_id',
  'hash',
] as const;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** Audit events of one chain (tenantId null = the platform chain), newest first. */
export async function findEvents(tx: Tx, tenantId: string | null, q: AuditQuery, limit: number) {
  let query = tx.selectFrom('audit_events').select(columns);
  query = tenantId ? query.where('tenant_id', '=', tenantId) : query.where('tenant_id', 'is', null);
  if (q.cursor) query = query.where('seq', '<', Number(q.cursor));
  if (q.actor) query = query.where('actor_label', 'ilike', `%${escapeLike(q.actor)}%`);
  if (q.action)
    query = q.action.endsWith('.')
      ? query.where('action', 'like', `${escapeLike(q.action)}%`)
      : query.where('action', '=', q.action);
  if (q.target_type) query = query.where('target_type', '=', q.target_type);
  if (q.target_id) query = query.where('target_id', '=', q.target_id);
  if (q.from) query = query.where('occurred_at', '>=', q.from);
  if (q.to) query = query.where('occurred_at', '<', q.to);
  if (q.q) {
    const like = `%${escapeLike(q.q)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('actor_label', 'ilike', like),
        eb('action', 'ilike', like),
        eb('target_id', 'ilike', like),
        eb('target_type', 'ilike', like),
      ]),
    );
  }
  return query.orderBy('seq', 'desc').limit(limit).execute();
}

/**
 * Recomputes the chain in Postgres with the same function the insert trigger
 * used: an edited event changes its digest, a deleted one breaks the links.
 */
export async function verifyChain(tx: Tx, tenantId: string | null) {
  const r = await sql<{ total: number; first_bad: number | null }>`
    with chain as (
      select a.seq, a.hash, a.prev_hash, audit_event_hash(a) as computed,
             lag(a.hash) over (order by a.seq) as previous,
             row_number() over (order by a.seq) as n
        from audit_events a
       where a.tenant_id is not distinct from ${tenantId}::uuid
    )
    select count(*)::int as total,
           min(seq) filter (where computed <> hash or prev_hash <> coalesce(previous, '\\x'::bytea) or seq <> n) as first_bad
      from chain`.execute(tx);
  return r.rows[0]!;
}
