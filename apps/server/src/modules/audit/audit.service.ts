import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { toCsv } from '../../platform/http/csv.js';
import { findEvents, verifyChain } from './audit.repository.js';
import type { AuditQuery } from './audit.schemas.js';

const EXPORT_LIMIT = 100_000;

/**
 * Reading, exporting and verifying the audit log (IAM9). Every read is itself
 * an audit event in the same chain, written in the same transaction.
 */
export class AuditService {
  constructor(private readonly db: Database) {}

  list(tenantId: string | null, q: AuditQuery, actor: Actor) {
    return this.inChain(tenantId, async (tx) => {
      const limit = q.limit ?? 50;
      const rows = await findEvents(tx, tenantId, q, limit + 1);
      await audit(tx, tenantId, actor, { action: 'audit.read', targetType: 'audit_log', after: filters(q) });
      const items = rows.slice(0, limit).map(present);
      const last = items[items.length - 1];
      return { items, next_cursor: rows.length > limit && last ? String(last.seq) : null };
    });
  }

  exportCsv(tenantId: string | null, q: AuditQuery, actor: Actor): Promise<string> {
    return this.inChain(tenantId, async (tx) => {
      const rows = await findEvents(tx, tenantId, { ...q, cursor: undefined }, EXPORT_LIMIT);
      await audit(tx, tenantId, actor, {
        action: 'audit.export',
        targetType: 'audit_log',
        after: { ...filters(q), rows: rows.length },
      });
      const header = [
        'seq',
        'occurred_at',
        'actor_type',
        'actor',
        'api_key_id',
        'action',
        'target_type',
        'target_id',
        'before',
        'after',
        'ip',
        'request_id',
        'hash',
      ];
      return toCsv(
        header,
        rows.map((r) => [
          r.seq,
          r.occurred_at,
          r.actor_type,
          r.actor_label,
          r.api_key_id,
          r.action,
          r.target_type,
          r.target_id,
          r.before,
          r.after,
          r.ip,
          r.request_id,
          r.hash.toString('hex'),
        ]),
      );
    });
  }

  verify(tenantId: string | null, actor: Actor) {
    return this.inChain(tenantId, async (tx) => {
      const { total, first_bad } = await verifyChain(tx, tenantId);
      const valid = first_bad === null;
      await audit(tx, tenantId, actor, {
        action: 'audit.verify',
        targetType: 'audit_log',
        after: { valid, events: total, first_invalid_seq: first_bad },
      });
      return {
        valid,
        events: total,
        first_invalid_seq: first_bad === null ? null : Number(first_bad),
        message: valid
          ? `all ${total} events are intact`
          : `the chain is broken at event ${first_bad}: it or the event before it was edited or deleted`,
      };
    });
  }

  private inChain<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return tenantId ? this.db.withTenant(tenantId, fn) : this.db.withPlatform(fn);
  }
}

function filters(q: AuditQuery) {
  const { limit: _l, cursor: _c, ...rest } = q;
  return rest;
}

function present(r: Awaited<ReturnType<typeof findEvents>>[number]) {
  return { ...r, hash: r.hash.toString('hex') };
}
