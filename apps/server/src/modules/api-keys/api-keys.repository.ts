import { sql } from 'kysely';
import { API_KEY_PREFIX } from '../../platform/auth/api-keys.js';
import { type Tx } from '../../platform/db/database.js';
import { paginateBy, type Page, type SortOrder } from '../../platform/http/pagination.js';
import type { ApiKeyQuery, ApiKeyRow } from './api-keys.schemas.js';

/**
 * All SQL of API key management. RLS shows a partner its users' keys; platform
 * context shows every key (organization and site names only inside a partner).
 * The hash is never selected here.
 */

// Newest first; created_at in milliseconds, as the cursor carries it.
const newestFirst: SortOrder<{ created_at: string }> = {
  expr: sql`date_trunc('milliseconds', k.created_at)`,
  type: 'timestamptz',
  valueOf: (r) => r.created_at,
  descending: true,
};

const keySelect = (tx: Tx) =>
  tx
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .leftJoin('partners as p', 'p.id', 'k.partner_id')
    .leftJoin('organizations as o', 'o.id', 'k.organization_id')
    .leftJoin('sites as s', 's.id', 'k.site_id')
    .select([
      'k.id',
      'k.name',
      sql<string>`${API_KEY_PREFIX} || k.prefix`.as('prefix'),
      'k.user_id',
      'u.email as user_email',
      'k.permissions',
      'k.scope_type',
      'k.partner_id',
      'p.name as partner_name',
      'k.organization_id',
      'o.name as organization_name',
      'k.site_id',
      's.name as site_name',
      'k.created_at',
      'k.expires_at',
      'k.last_used_at',
      'k.last_used_ip',
      'k.revoked_at',
      sql<
        ApiKeyRow['status']
      >`case when k.revoked_at is not null then 'revoked' when k.expires_at <= now() then 'expired' else 'active' end`.as(
        'status',
      ),
    ]);

export interface KeyOwnerFilter {
  /** One user's keys. */
  userId?: string;
  /** The keys of a partner's users (null: platform staff keys). */
  tenantId?: string | null;
}

export const apiKeysRepo = {
  list(tx: Tx, owner: KeyOwnerFilter, q: ApiKeyQuery): Promise<Page<ApiKeyRow>> {
    let query = keySelect(tx);
    if (owner.userId !== undefined) query = query.where('k.user_id', '=', owner.userId);
    if (owner.tenantId !== undefined)
      query = owner.tenantId === null ? query.where('k.tenant_id', 'is', null) : query.where('k.tenant_id', '=', owner.tenantId);
    if (q.user_id) query = query.where('k.user_id', '=', q.user_id);
    if (q.status === 'revoked') query = query.where('k.revoked_at', 'is not', null);
    if (q.status === 'expired') query = query.where('k.revoked_at', 'is', null).where(sql<boolean>`k.expires_at <= now()`);
    if (q.status === 'active')
      query = query.where('k.revoked_at', 'is', null).where(sql<boolean>`(k.expires_at is null or k.expires_at > now())`);
    return paginateBy(query, 'k.id', newestFirst, { limit: q.limit, cursor: q.cursor });
  },

  get: (tx: Tx, id: string, owner: KeyOwnerFilter) => {
    let query = keySelect(tx).where('k.id', '=', id);
    if (owner.userId !== undefined) query = query.where('k.user_id', '=', owner.userId);
    if (owner.tenantId !== undefined)
      query = owner.tenantId === null ? query.where('k.tenant_id', 'is', null) : query.where('k.tenant_id', '=', owner.tenantId);
    return query.executeTakeFirst();
  },

  /** null when the random public id is already taken (the caller draws another). */
  insert: async (
    tx: Tx,
    values: {
      tenant_id: string | null;
      user_id: string;
      name: string;
      prefix: string;
      secret_hash: Buffer;
      permissions: string[];
      scope_type: 'platform' | 'partner' | 'organization' | 'site';
      partner_id: string | null;
      organization_id: string | null;
      site_id: string | null;
      expires_at: string | null;
    },
  ): Promise<string | null> =>
    (
      await tx
        .insertInto('api_keys')
        .values(values)
        .onConflict((oc) => oc.column('prefix').doNothing())
        .returning('id')
        .executeTakeFirst()
    )?.id ?? null,

  revoke: (tx: Tx, id: string, by: string) =>
    tx
      .updateTable('api_keys')
      .set({ revoked_at: sql`now()`, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute(),
};

/** What a key's scope may name, read inside the partner's tenant context. */
export const scopeLookups = {
  partner: (tx: Tx, id: string) =>
    tx.selectFrom('partners').select(['id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),
  organization: (tx: Tx, id: string) =>
    tx.selectFrom('organizations').select(['id']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),
  site: (tx: Tx, id: string) =>
    tx
      .selectFrom('sites')
      .select(['id', 'organization_id'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
};
