import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { paginate } from '../../platform/http/pagination.js';
import type { ListQuery } from '../../platform/http/schemas.js';

/** All SQL of partners, organizations and sites. Row-level security does the tenant filtering. */

// Keeps `in (...)` valid when a principal can see none.
const NO_ID = '00000000-0000-0000-0000-000000000000';

const partnerColumns = [
  'id',
  'name',
  'slug',
  'status',
  'organization_count',
  'created_at',
  'updated_at',
  'deleted_at',
  'version',
] as const;

export const partnersRepo = {
  list: (tx: Tx, params: ListQuery) => paginate(tx.selectFrom('partners').select(partnerColumns), 'partners', params),
  get: (tx: Tx, id: string) => tx.selectFrom('partners').select(partnerColumns).where('id', '=', id).executeTakeFirst(),
  slugTaken: async (tx: Tx, slug: string) =>
    (await tx.selectFrom('partners').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined,
  insert: (tx: Tx, values: { name: string; slug: string }) =>
    tx.insertInto('partners').values(values).returning(partnerColumns).executeTakeFirstOrThrow(),
  update: (tx: Tx, id: string, version: number, values: { name?: string }) =>
    tx
      .updateTable('partners')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning(partnerColumns)
      .executeTakeFirst(),
  setDeleted: (tx: Tx, id: string, deleted: boolean) =>
    tx
      .updateTable('partners')
      .set({ deleted_at: deleted ? sql`now()` : null, version: sql`version + 1` })
      .where('id', '=', id)
      .returning(partnerColumns)
      .executeTakeFirst(),
};

const siteCount = sql<number>`(select count(*) from sites s where s.organization_id = organizations.id and s.deleted_at is null)::int`;

const organizationSelect = (tx: Tx) =>
  tx
    .selectFrom('organizations')
    .select([
      'organizations.id',
      'organizations.tenant_id as partner_id',
      'organizations.name',
      'organizations.description',
      'organizations.created_at',
      'organizations.updated_at',
      'organizations.deleted_at',
      'organizations.version',
      siteCount.as('site_count'),
    ]);

export const organizationsRepo = {
  list: (tx: Tx, params: ListQuery, onlyIds: Set<string> | null) => {
    let q = organizationSelect(tx);
    if (onlyIds) q = q.where('organizations.id', 'in', [...onlyIds, NO_ID]);
    return paginate(q, 'organizations', params);
  },
  get: (tx: Tx, id: string) => organizationSelect(tx).where('organizations.id', '=', id).executeTakeFirst(),
  insert: async (tx: Tx, tenantId: string, values: { name: string; description?: string }) => {
    const { id } = await tx
      .insertInto('organizations')
      .values({ tenant_id: tenantId, ...values })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await organizationsRepo.get(tx, id))!;
  },
  update: async (tx: Tx, id: string, version: number, values: { name?: string; description?: string }) => {
    const row = await tx
      .updateTable('organizations')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row ? organizationsRepo.get(tx, id) : undefined;
  },
  setDeleted: async (tx: Tx, id: string, deleted: boolean) => {
    await tx
      .updateTable('organizations')
      .set({ deleted_at: deleted ? sql`now()` : null, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    return organizationsRepo.get(tx, id);
  },
  activeCount: async (tx: Tx) =>
    Number(
      (
        await tx
          .selectFrom('organizations')
          .select(sql<number>`count(*)`.as('n'))
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
      )?.n ?? 0,
    ),
};

const siteColumns = [
  'sites.id',
  'sites.tenant_id as partner_id',
  'sites.organization_id',
  'sites.name',
  'sites.description',
  'sites.timezone',
  'sites.created_at',
  'sites.updated_at',
  'sites.deleted_at',
  'sites.version',
] as const;

export const sitesRepo = {
  list: (tx: Tx, organizationId: string, params: ListQuery, onlyIds: Set<string> | null) => {
    let q = tx.selectFrom('sites').select(siteColumns).where('sites.organization_id', '=', organizationId);
    if (onlyIds) q = q.where('sites.id', 'in', [...onlyIds, NO_ID]);
    return paginate(q, 'sites', params);
  },
  get: (tx: Tx, organizationId: string, id: string) =>
    tx
      .selectFrom('sites')
      .select(siteColumns)
      .where('sites.id', '=', id)
      .where('sites.organization_id', '=', organizationId)
      .executeTakeFirst(),
  insert: (tx: Tx, tenantId: string, organizationId: string, values: { name: string; description?: string; timezone?: string }) =>
    tx
      .insertInto('sites')
      .values({ tenant_id: tenantId, organization_id: organizationId, ...values })
      .returning(siteColumns)
      .executeTakeFirstOrThrow(),
  update: (
    tx: Tx,
    organizationId: string,
    id: string,
    version: number,
    values: { name?: string; description?: string; timezone?: string },
  ) =>
    tx
      .updateTable('sites')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning(siteColumns)
      .executeTakeFirst(),
  setDeleted: (tx: Tx, organizationId: string, id: string, deleted: boolean) =>
    tx
      .updateTable('sites')
      .set({ deleted_at: deleted ? sql`now()` : null, version: sql`version + 1` })
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .returning(siteColumns)
      .executeTakeFirst(),
  activeCount: async (tx: Tx, organizationId: string) =>
    Number(
      (
        await tx
          .selectFrom('sites')
          .select(sql<number>`count(*)`.as('n'))
          .where('organization_id', '=', organizationId)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
      )?.n ?? 0,
    ),
};
