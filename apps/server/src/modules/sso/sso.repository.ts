import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';

/**
 * All SQL of single sign-on. The settings are partner data (withTenant); the
 * domain → partner and slug → partner lookups are the only reads made before a
 * tenant is known (withPlatform).
 */

const settingsColumns = [
  'tenant_id',
  'issuer_url',
  'client_id',
  'client_secret_encrypted',
  'default_role_id',
  'enabled',
  'require_sso',
  'version',
  'updated_at',
] as const;

export type SettingsRow = Awaited<ReturnType<typeof settingsRepo.get>>;

export const settingsRepo = {
  get: (tx: Tx) => tx.selectFrom('sso_settings').select(settingsColumns).executeTakeFirst(),
  /** First save: version 0 means "nothing saved yet"; a row that appeared meanwhile makes it stale. */
  insert: (
    tx: Tx,
    tenantId: string,
    values: {
      issuer_url: string;
      client_id: string;
      client_secret_encrypted: string | null;
      default_role_id: string | null;
      enabled: boolean;
      require_sso: boolean;
    },
  ) =>
    tx
      .insertInto('sso_settings')
      .values({ tenant_id: tenantId, ...values })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .returning(settingsColumns)
      .executeTakeFirst(),
  update: (
    tx: Tx,
    version: number,
    values: {
      issuer_url: string;
      client_id: string;
      client_secret_encrypted: string | null;
      default_role_id: string | null;
      enabled: boolean;
      require_sso: boolean;
    },
  ) =>
    tx
      .updateTable('sso_settings')
      .set({ ...values, version: sql`version + 1` })
      .where('version', '=', version)
      .returning(settingsColumns)
      .executeTakeFirst(),
};

export const domainsRepo = {
  /** The partner's domains (RLS: only its own in tenant context). */
  list: async (tx: Tx, tenantId: string) =>
    (await tx.selectFrom('sso_domains').select('domain').where('tenant_id', '=', tenantId).orderBy('domain').execute()).map(
      (r) => r.domain,
    ),
  replace: async (tx: Tx, tenantId: string, domains: string[]) => {
    await tx.deleteFrom('sso_domains').where('tenant_id', '=', tenantId).execute();
    if (domains.length > 0)
      await tx
        .insertInto('sso_domains')
        .values(domains.map((domain) => ({ domain, tenant_id: tenantId })))
        .execute();
  },
  /** Platform context: which of these domains another partner already claims. */
  claimedElsewhere: async (tx: Tx, tenantId: string, domains: string[]) =>
    domains.length === 0
      ? []
      : (
          await tx
            .selectFrom('sso_domains')
            .select('domain')
            .where('domain', 'in', domains)
            .where('tenant_id', '<>', tenantId)
            .orderBy('domain')
            .execute()
        ).map((r) => r.domain),
  /** Platform context: which partner claims this domain, if any. */
  partnerOf: async (tx: Tx, domain: string) =>
    (await tx.selectFrom('sso_domains').select('tenant_id').where('domain', '=', domain).executeTakeFirst())?.tenant_id ?? null,
};

export const partnersLookup = {
  /** Platform context: a partner that can sign in, by the slug in a start URL. */
  bySlug: (tx: Tx, slug: string) =>
    tx
      .selectFrom('partners')
      .select(['id', 'slug'])
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      .where('status', '=', 'active')
      .executeTakeFirst(),
  /** Platform context: the same, by id (a sign-in in flight whose partner was suspended meanwhile fails). */
  activeById: (tx: Tx, id: string) =>
    tx
      .selectFrom('partners')
      .select(['id', 'slug'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('status', '=', 'active')
      .executeTakeFirst(),
  slug: async (tx: Tx, id: string) =>
    (await tx.selectFrom('partners').select('slug').where('id', '=', id).executeTakeFirst())?.slug ?? null,
};

/** The users and role assignments an SSO sign-in reads and provisions, inside the partner's context. */
export const usersRepo = {
  byEmail: (tx: Tx, tenantId: string, email: string) =>
    tx
      .selectFrom('users')
      .select(['id', 'tenant_id', 'email', 'status'])
      .where('tenant_id', '=', tenantId)
      .where(({ fn }) => fn('lower', ['email']), '=', email)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  /** A user without a password: they sign in through the identity provider only. */
  provision: (tx: Tx, tenantId: string, values: { email: string; name: string }) =>
    tx
      .insertInto('users')
      .values({
        tenant_id: tenantId,
        email: values.email,
        name: values.name,
        password_hash: null,
        status: 'active',
        is_platform_admin: false,
      })
      .returning(['id', 'tenant_id', 'email', 'status'])
      .executeTakeFirstOrThrow(),
  activateInvited: (tx: Tx, userId: string) =>
    tx.updateTable('users').set({ status: 'active' }).where('id', '=', userId).where('status', '=', 'invited').execute(),
  assignPartnerRole: (tx: Tx, tenantId: string, userId: string, roleId: string) =>
    tx
      .insertInto('role_assignments')
      .values({
        tenant_id: tenantId,
        user_id: userId,
        role_id: roleId,
        scope_type: 'partner',
        organization_id: null,
        site_id: null,
        created_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
};
