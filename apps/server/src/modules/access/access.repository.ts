import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { AssignmentQuery } from './access.schemas.js';

/** All SQL of roles and role assignments. RLS shows system roles to everyone, custom roles to their partner. */

const roleSelect = (tx: Tx) =>
  tx
    .selectFrom('roles')
    .select([
      'roles.id',
      'roles.tenant_id as partner_id',
      'roles.key',
      'roles.name',
      'roles.description',
      'roles.is_system',
      'roles.created_at',
      'roles.updated_at',
      'roles.version',
      sql<
        string[]
      >`coalesce((select array_agg(rp.permission order by rp.permission) from role_permissions rp where rp.role_id = roles.id), '{}')`.as(
        'permissions',
      ),
      sql<number>`(select count(*) from role_assignments ra where ra.role_id = roles.id)::int`.as('assignment_count'),
    ])
    .where('roles.deleted_at', 'is', null);

export const rolesRepo = {
  list: (tx: Tx) =>
    roleSelect(tx)
      .orderBy('roles.is_system', 'desc')
      .orderBy(sql`lower(roles.name)`)
      .execute(),
  get: (tx: Tx, id: string) => roleSelect(tx).where('roles.id', '=', id).executeTakeFirst(),
  insert: async (tx: Tx, tenantId: string, values: { name: string; description: string }) =>
    (
      await tx
        .insertInto('roles')
        .values({ tenant_id: tenantId, ...values })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id,
  update: async (tx: Tx, id: string, version: number, values: { name?: string; description?: string }) =>
    (await tx
      .updateTable('roles')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('is_system', '=', false)
      .returning('id')
      .executeTakeFirst()) !== undefined,
  setPermissions: async (tx: Tx, tenantId: string, roleId: string, permissions: string[]) => {
    await tx.deleteFrom('role_permissions').where('role_id', '=', roleId).execute();
    if (permissions.length > 0) {
      await tx
        .insertInto('role_permissions')
        .values(permissions.map((permission) => ({ role_id: roleId, permission, tenant_id: tenantId })))
        .execute();
    }
  },
  softDelete: (tx: Tx, id: string) =>
    tx
      .updateTable('roles')
      .set({ deleted_at: sql`now()`, version: sql`version + 1` })
      .where('id', '=', id)
      .execute(),
};

const assignmentSelect = (tx: Tx) =>
  tx
    .selectFrom('role_assignments as ra')
    .innerJoin('users as u', 'u.id', 'ra.user_id')
    .innerJoin('roles as r', 'r.id', 'ra.role_id')
    .leftJoin('organizations as o', 'o.id', 'ra.organization_id')
    .leftJoin('sites as s', 's.id', 'ra.site_id')
    .select([
      'ra.id',
      'ra.user_id',
      'u.email as user_email',
      'ra.role_id',
      'r.name as role_name',
      'ra.scope_type',
      'ra.organization_id',
      'o.name as organization_name',
      'ra.site_id',
      's.name as site_name',
      'ra.created_at',
    ]);

export const assignmentsRepo = {
  list: (tx: Tx, tenantId: string | null, q: AssignmentQuery) => {
    let query = assignmentSelect(tx);
    query = tenantId ? query.where('ra.tenant_id', '=', tenantId) : query.where('ra.scope_type', '=', 'platform');
    if (q.user_id) query = query.where('ra.user_id', '=', q.user_id);
    if (q.role_id) query = query.where('ra.role_id', '=', q.role_id);
    return query.orderBy('u.email').orderBy('r.name').execute();
  },
  listForUsers: (tx: Tx, tenantId: string, userIds: string[]) =>
    assignmentSelect(tx)
      .where('ra.tenant_id', '=', tenantId)
      .where('ra.user_id', 'in', userIds)
      .orderBy('r.name')
      .orderBy('ra.created_at')
      .execute(),
  get: (tx: Tx, id: string) => assignmentSelect(tx).where('ra.id', '=', id).executeTakeFirst(),
  insert: async (
    tx: Tx,
    values: {
      tenant_id: string | null;
      user_id: string;
      role_id: string;
      scope_type: 'platform' | 'partner' | 'organization' | 'site';
      organization_id: string | null;
      site_id: string | null;
      created_by: string;
    },
  ) => (await tx.insertInto('role_assignments').values(values).returning('id').executeTakeFirstOrThrow()).id,
  delete: (tx: Tx, id: string) => tx.deleteFrom('role_assignments').where('id', '=', id).execute(),
  /** Partner-wide Owner assignments other than this one: a partner never loses its last owner. */
  otherOwners: async (tx: Tx, tenantId: string, exceptId: string) =>
    Number(
      (
        await tx
          .selectFrom('role_assignments as ra')
          .innerJoin('roles as r', 'r.id', 'ra.role_id')
          .select(sql<number>`count(*)`.as('n'))
          .where('ra.tenant_id', '=', tenantId)
          .where('ra.scope_type', '=', 'partner')
          .where('r.key', '=', 'owner')
          .where('ra.id', '!=', exceptId)
          .executeTakeFirst()
      )?.n ?? 0,
    ),
};

export const lookups = {
  user: (tx: Tx, id: string) =>
    tx
      .selectFrom('users')
      .select(['id', 'email', 'tenant_id'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
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
