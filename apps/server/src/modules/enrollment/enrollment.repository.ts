import { sql } from 'kysely';
import { type Tx } from '../../platform/db/database.js';
import { paginateBy, type Page, type SortOrder } from '../../platform/http/pagination.js';
import { TOKEN_PREFIX } from './enrollment-secrets.js';
import type { EnrollmentTokenQuery, EnrollmentTokenRow } from './enrollment.schemas.js';

/**
 * All SQL of enrollment. Inside a partner, RLS shows its codes and tokens; the
 * platform context (used only to find the partner of a presented code or token
 * hash) shows every row of these two tables and nothing else. Token hashes are
 * never selected for output.
 */

export interface SiteCodeRow {
  site_id: string;
  tenant_id: string;
  organization_id: string;
  code: string;
  enabled: boolean;
  rotated_at: string | null;
}

const codeColumns = ['site_id', 'tenant_id', 'organization_id', 'code', 'enabled', 'rotated_at'] as const;

export const siteCodesRepo = {
  get: (tx: Tx, siteId: string): Promise<SiteCodeRow | undefined> =>
    tx.selectFrom('site_enrollment_codes').select(codeColumns).where('site_id', '=', siteId).executeTakeFirst(),

  /** Platform context: which site a presented code belongs to. */
  findByCode: (tx: Tx, code: string): Promise<SiteCodeRow | undefined> =>
    tx.selectFrom('site_enrollment_codes').select(codeColumns).where('code', '=', code).executeTakeFirst(),

  /** Two first reads at once both end with the same code: the second insert does nothing. */
  insertIfMissing: (tx: Tx, values: { site_id: string; tenant_id: string; organization_id: string; code: string }) =>
    tx
      .insertInto('site_enrollment_codes')
      .values(values)
      .onConflict((oc) => oc.column('site_id').doNothing())
      .execute(),

  setCode: (tx: Tx, siteId: string, code: string) =>
    tx
      .updateTable('site_enrollment_codes')
      .set({ code, rotated_at: sql`now()` })
      .where('site_id', '=', siteId)
      .returning(codeColumns)
      .executeTakeFirstOrThrow(),

  setEnabled: (tx: Tx, siteId: string, enabled: boolean) =>
    tx
      .updateTable('site_enrollment_codes')
      .set({ enabled })
      .where('site_id', '=', siteId)
      .returning(codeColumns)
      .executeTakeFirstOrThrow(),
};

// Newest first; created_at in milliseconds, as the cursor carries it.
const newestFirst: SortOrder<{ created_at: string }> = {
  expr: sql`date_trunc('milliseconds', t.created_at)`,
  type: 'timestamptz',
  valueOf: (r) => r.created_at,
  descending: true,
};
const statusOf = sql<EnrollmentTokenRow['status']>`case
  when t.revoked_at is not null then 'revoked'
  when t.use_count >= t.max_uses then 'exhausted'
  when t.expires_at <= now() then 'expired'
  else 'active' end`;

const tokenSelect = (tx: Tx) =>
  tx
    .selectFrom('enrollment_tokens as t')
    .select([
      't.id',
      't.name',
      sql<string>`${TOKEN_PREFIX} || t.prefix`.as('prefix'),
      't.max_uses',
      't.use_count',
      't.expires_at',
      't.created_at',
      't.created_by',
      't.last_used_at',
      't.revoked_at',
      statusOf.as('status'),
    ]);

/** What an enrollment needs to know about the token it was handed. */
export interface TokenForUse {
  id: string;
  site_id: string;
  prefix: string;
  max_uses: number;
  use_count: number;
  revoked: boolean;
  expired: boolean;
}

export const tokensRepo = {
  list(tx: Tx, siteId: string, q: EnrollmentTokenQuery): Promise<Page<EnrollmentTokenRow>> {
    let query = tokenSelect(tx).where('t.site_id', '=', siteId);
    if (q.status) query = query.where(statusOf, '=', q.status);
    return paginateBy(query, 't.id', newestFirst, { limit: q.limit, cursor: q.cursor });
  },

  get: (tx: Tx, siteId: string, id: string) =>
    tokenSelect(tx).where('t.site_id', '=', siteId).where('t.id', '=', id).executeTakeFirst(),

  /** null when the random prefix or hash is already taken (the caller draws another). */
  insert: async (
    tx: Tx,
    values: {
      tenant_id: string;
      organization_id: string;
      site_id: string;
      name: string;
      prefix: string;
      token_hash: Buffer;
      max_uses: number;
      expires_in_hours: number;
      created_by: string | null;
    },
  ): Promise<string | null> => {
    const { expires_in_hours, ...rest } = values;
    const row = await tx
      .insertInto('enrollment_tokens')
      .values({ ...rest, expires_at: sql`now() + make_interval(hours => ${expires_in_hours})` })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  },

  revoke: (tx: Tx, id: string, by: string | null) =>
    tx
      .updateTable('enrollment_tokens')
      .set({ revoked_at: sql`now()`, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute(),

  /** Platform context: which partner and site a presented token belongs to. */
  findByHash: (tx: Tx, hash: Buffer) =>
    tx
      .selectFrom('enrollment_tokens')
      .select(['id', 'tenant_id', 'organization_id', 'site_id'])
      .where('token_hash', '=', hash)
      .executeTakeFirst(),

  /** The token's state, read without a lock: refuses a spent, revoked or expired token before any work. */
  stateForUse: (tx: Tx, id: string): Promise<TokenForUse | undefined> =>
    tx
      .selectFrom('enrollment_tokens')
      .select([
        'id',
        'site_id',
        sql<string>`${TOKEN_PREFIX} || prefix`.as('prefix'),
        'max_uses',
        'use_count',
        sql<boolean>`revoked_at is not null`.as('revoked'),
        sql<boolean>`expires_at <= now()`.as('expired'),
      ])
      .where('id', '=', id)
      .executeTakeFirst(),

  /**
   * Spends one use in one statement, if the token is still usable. The row
   * stays locked until the transaction ends, so it is done last: concurrent
   * enrollments with the same token queue only for the end of each other's
   * transaction, and each re-checks the count the previous one left, so
   * max_uses can never be exceeded. Undefined when the token cannot be spent.
   */
  spend: (tx: Tx, id: string): Promise<{ prefix: string; use_count: number; max_uses: number } | undefined> =>
    tx
      .updateTable('enrollment_tokens')
      .set({ use_count: sql`use_count + 1`, last_used_at: sql`now()` })
      .where('id', '=', id)
      .where(sql<boolean>`use_count < max_uses`)
      .where('revoked_at', 'is', null)
      .where(sql<boolean>`expires_at > now()`)
      .returning([sql<string>`${TOKEN_PREFIX} || prefix`.as('prefix'), 'use_count', 'max_uses'])
      .executeTakeFirst(),
};
