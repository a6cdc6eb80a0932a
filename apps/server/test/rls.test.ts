// TEN2, security.md rules 2-3: isolation is enforced by Postgres itself.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/db/database.js';
import { RUNTIME_LOGIN_ROLE } from '../src/platform/db/provision.js';
import { createTestApp, type PartnerFixture, type TestApp } from './support/app.js';

let t: TestApp;
let a: PartnerFixture;
let b: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  a = await t.createPartnerWithUser('Partner A');
  b = await t.createPartnerWithUser('Partner B');
});
afterAll(() => t.close());

describe('row-level security', () => {
  it('every table has RLS enabled and forced', async () => {
    const tables = await t.database.ownerQuery<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations'`,
    );
    expect(tables.length).toBeGreaterThanOrEqual(6);
    const unprotected = tables.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname);
    expect(unprotected).toEqual([]);
    const withTenant = await t.database.ownerQuery<{ table_name: string }>(
      `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id'`,
    );
    expect(withTenant.map((r) => r.table_name)).toEqual(expect.arrayContaining(['organizations', 'sites', 'users', 'sessions']));
  });

  it('the runtime role is neither superuser, BYPASSRLS nor owner of anything', async () => {
    const [role] = await t.database.ownerQuery<{ rolsuper: boolean; rolbypassrls: boolean }>(
      'select rolsuper, rolbypassrls from pg_roles where rolname = $1',
      [RUNTIME_LOGIN_ROLE],
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await t.database.ownerQuery(
      `select c.relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = $1`,
      [RUNTIME_LOGIN_ROLE],
    );
    expect(owned).toEqual([]);
    const current = await sql<{ u: string }>`select current_user as u`.execute(t.database.db.kysely);
    expect(current.rows[0]!.u).toBe(RUNTIME_LOGIN_ROLE);
  });

  it('a query with no tenant set returns no rows', async () => {
    const [count] = await t.database.ownerQuery<{ n: number }>('select count(*)::int as n from organizations');
    expect(count!.n).toBeGreaterThanOrEqual(2);
    const k = t.database.db.kysely;
    for (const table of ['organizations', 'sites', 'partners', 'users', 'sessions', 'auth_throttle'] as const) {
      const rows = await k.selectFrom(table).selectAll().execute();
      expect(rows, table).toEqual([]);
    }
  });

  it('inside withTenant only that partner is visible, and writes for another partner are refused', async () => {
    const seen = await t.database.db.withTenant(a.partnerId, (tx) =>
      tx.selectFrom('organizations').select('tenant_id').execute(),
    );
    expect(new Set(seen.map((r) => r.tenant_id))).toEqual(new Set([a.partnerId]));
    const foreign = await t.database.db.withTenant(a.partnerId, (tx) =>
      tx.selectFrom('sites').selectAll().where('id', '=', b.siteId).execute(),
    );
    expect(foreign).toEqual([]);
    await expect(
      t.database.db.withTenant(a.partnerId, (tx) =>
        tx.insertInto('organizations').values({ tenant_id: b.partnerId, name: 'Planted' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await t.database.db.withTenant(a.partnerId, (tx) =>
      tx.updateTable('organizations').set({ name: 'Hijacked' }).where('id', '=', b.organizationId).executeTakeFirst(),
    );
    expect(Number(updated.numUpdatedRows)).toBe(0);
  });

  it('the tenant does not leak to the next transaction on the same pooled connection', async () => {
    const single = new Database(t.database.appUrl, 1);
    try {
      const inside = await single.withTenant(a.partnerId, (tx) => tx.selectFrom('organizations').select('id').execute());
      expect(inside.length).toBeGreaterThan(0);
      const pid1 = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(single.kysely);
      const after = await single.kysely.selectFrom('organizations').select('id').execute();
      const setting = await sql<{ v: string | null }>`select current_setting('app.tenant_id', true) as v`.execute(single.kysely);
      const pid2 = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(single.kysely);
      expect(pid1.rows[0]!.pid).toBe(pid2.rows[0]!.pid); // really the same connection
      expect(after).toEqual([]);
      expect(setting.rows[0]!.v ?? '').toBe('');
    } finally {
      await single.close();
    }
  });

  it('the runtime role cannot switch RLS off or read the migration table', async () => {
    await expect(sql`alter table organizations disable row level security`.execute(t.database.db.kysely)).rejects.toThrow();
    await expect(sql`select * from schema_migrations`.execute(t.database.db.kysely)).rejects.toThrow(/permission denied/);
  });
});
