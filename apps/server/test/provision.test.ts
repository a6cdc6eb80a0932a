// An external PostgreSQL whose owner account is no superuser (DATABASE_URL +
// DATABASE_APP_URL, as an operator would set them up) migrates and runs.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, expect, it, inject } from 'vitest';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { Database } from '../src/platform/db/database.js';
import { provisionDatabase, RUNTIME_GROUP_ROLE } from '../src/platform/db/provision.js';
import { TenancyService } from '../src/modules/tenancy/index.js';

const id = randomBytes(4).toString('hex');
const owner = `owner_${id}`;
const app = `app_${id}`;
const database = `ext_${id}`;
const adminUrl = inject('pgAdminUrl');

async function asSuperuser(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const urlFor = (user: string, password: string) => {
  const u = new URL(adminUrl);
  u.username = user;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
};

afterAll(async () => {
  await asSuperuser(`drop database if exists ${database} with (force)`);
  await asSuperuser(`drop role if exists ${app}`);
  await asSuperuser(`drop role if exists ${owner}`);
});

it('migrates with a non-superuser owner and runs with the operator’s runtime role', async () => {
  await asSuperuser(`create role ${owner} login password 'owner-pw' createrole nosuperuser`);
  await asSuperuser(`create role ${app} login password 'app-pw' nosuperuser`);
  await asSuperuser(`grant ${RUNTIME_GROUP_ROLE} to ${owner} with admin option`);
  await asSuperuser(`create database ${database} owner ${owner}`);

  const { appUrl, applied } = await provisionDatabase({
    ownerUrl: urlFor(owner, 'owner-pw'),
    appUrl: urlFor(app, 'app-pw'),
    log: pino({ level: 'silent' }),
  });
  expect(applied.length).toBeGreaterThanOrEqual(8);

  const check = new pg.Client({ connectionString: urlFor(owner, 'owner-pw') });
  await check.connect();
  try {
    // system roles got every permission their migrations gave them, RLS notwithstanding
    const ownerPerms = await check.query(
      `select count(*)::int as n from role_permissions rp join roles r on r.id = rp.role_id where r.key = 'owner'`,
    );
    const catalog = await check.query(`select count(*)::int as n from permissions`);
    expect(ownerPerms.rows[0].n).toBe(catalog.rows[0].n);
    const unforced = await check.query(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and c.relname <> 'schema_migrations' and not (c.relrowsecurity and c.relforcerowsecurity)`,
    );
    expect(unforced.rows).toEqual([]);
  } finally {
    await check.end();
  }

  const db = new Database(appUrl, 2);
  try {
    const tenancy = new TenancyService(db);
    const partner = await tenancy.createPartner({ name: 'External Co' }, SYSTEM_ACTOR);
    const org = await tenancy.createOrganization(partner.id, { name: 'Org' }, SYSTEM_ACTOR);
    expect(org.partner_id).toBe(partner.id);
    expect(await db.kysely.selectFrom('organizations').selectAll().execute()).toEqual([]); // no tenant: nothing
  } finally {
    await db.close();
  }
});
