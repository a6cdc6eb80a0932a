// IAM6; security.md 6, 15, 34, 36: personal API keys are scoped, hashed,
// expiring, revocable, never more than their owner, and every use is audited.
import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture; // its user is the partner's Owner
let orgY: string;
let siteY1: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  orgY = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Y Corp' }, SYSTEM_ACTOR)).id;
  siteY1 = (await t.tenancy.createSite(acme.partnerId, orgY, { name: 'Y One' }, SYSTEM_ACTOR)).id;
});
afterAll(() => t.close());

const P = () => `/api/v1/partners/${acme.partnerId}`;
const KEYS = '/api/v1/me/api-keys';
const roleId = async (key: string) =>
  (await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [key]))[0]!.id;

interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
  permissions: string[];
  status: string;
}

/** A request with `Authorization: Bearer <key>` and nothing else: no cookie, no CSRF token. */
const withKey = (
  key: string,
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, ...headers },
    ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
  });

async function createKey(as: Session, body: Record<string, unknown>): Promise<CreatedKey> {
  const res = await t.call(as, 'POST', KEYS, { name: 'Test key', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<CreatedKey>();
}

/** A user of Acme holding `roleKey` at the given scope (and nothing else). */
async function userWith(roleKey: SystemRoleKey, scope: { organization_id?: string; site_id?: string } = {}) {
  const email = `u-${Math.random().toString(36).slice(2, 10)}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'U',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey: 'readonly',
  });
  const [readonly] = (await t.call(acme.session, 'GET', `${P()}/role-assignments?user_id=${id}`)).json().items;
  const scope_type = scope.site_id ? 'site' : scope.organization_id ? 'organization' : 'partner';
  if (!(roleKey === 'readonly' && scope_type === 'partner')) {
    const res = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
      user_id: id,
      role_id: await roleId(roleKey),
      scope_type,
      ...scope,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((await t.call(acme.session, 'DELETE', `${P()}/role-assignments/${readonly.id}`)).statusCode).toBe(204);
  }
  return { ...(await t.login(email)), id, email };
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in 5 s');
}

describe('making a key', () => {
  it('shows the key once, keeps only its hash, and lists it without the secret', async () => {
    const res = await t.call(acme.session, 'POST', KEYS, {
      name: 'Backup script',
      permissions: ['organizations.view', 'sites.view'],
      scope_type: 'partner',
      expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const key = res.json();
    expect(key.secret).toMatch(/^crmm_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(`${key.prefix}_`)).toBe(true);
    expect(key).toMatchObject({
      name: 'Backup script',
      scope_type: 'partner',
      partner_id: acme.partnerId,
      status: 'active',
      last_used_at: null,
      revoked_at: null,
    });
    expect(key.permissions).toEqual(['organizations.view', 'sites.view']);

    const list = await t.call(acme.session, 'GET', KEYS);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(list.body).not.toContain(key.secret.slice('crmm_12345678_'.length));
    expect(list.json().items[0]).not.toHaveProperty('secret');

    // A dump of the database finds the hash, never the key (security.md 34).
    const [row] = await t.database.ownerQuery<{ secret_hash: Buffer; prefix: string }>(
      'select secret_hash, prefix from api_keys where id = $1',
      [key.id],
    );
    expect(row!.secret_hash.equals(createHash('sha256').update(key.secret).digest())).toBe(true);
    expect(`crmm_${row!.prefix}`).toBe(key.prefix);
    const tables = await t.database.ownerQuery<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables) {
      const dump = await t.database.ownerQuery<{ t: string | null }>(`select string_agg(x::text, ' ') as t from ${table_name} x`);
      expect(dump[0]!.t ?? '', table_name).not.toContain(key.secret.slice('crmm_12345678_'.length));
    }
    const created = await t.database.ownerQuery<{ after: Record<string, unknown> }>(
      `select after from audit_events where action = 'api_key.create' and target_id = $1`,
      [key.id],
    );
    expect(created[0]!.after).toMatchObject({ name: 'Backup script', prefix: key.prefix });
  });

  it('expires at most a year ahead; no expiry means never, and says so', async () => {
    const never = await createKey(acme.session, { permissions: ['sites.view'], scope_type: 'partner' });
    expect(never).toMatchObject({ expires_at: null, status: 'active' });
    const tooLong = await t.call(acme.session, 'POST', KEYS, {
      name: 'x',
      permissions: ['sites.view'],
      scope_type: 'partner',
      expires_at: new Date(Date.now() + 400 * 86_400_000).toISOString(),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.field).toBe('expires_at');
    const past = await t.call(acme.session, 'POST', KEYS, {
      name: 'x',
      permissions: ['sites.view'],
      scope_type: 'partner',
      expires_at: '2020-01-01T00:00:00Z',
    });
    expect(past.statusCode).toBe(400);
  });
});

describe('using a key', () => {
  it('works on real routes without cookie or CSRF token; last use and every request are recorded', async () => {
    const key = await createKey(acme.session, {
      name: 'Deployer',
      permissions: ['organizations.view', 'organizations.manage'],
      scope_type: 'partner',
    });
    const list = await withKey(key.secret, 'GET', `${P()}/organizations`);
    expect(list.statusCode, list.body).toBe(200);
    const created = await withKey(key.secret, 'POST', `${P()}/organizations`, { name: 'Made by a key' });
    expect(created.statusCode, created.body).toBe(201);
    // The owner's sites.view is not the key's.
    expect((await withKey(key.secret, 'GET', `${P()}/organizations/${orgY}/sites`)).statusCode).toBe(403);

    const [used] = await eventually(
      () =>
        t.database.ownerQuery<{ last_used_at: string | null; last_used_ip: string | null }>(
          'select last_used_at, last_used_ip from api_keys where id = $1',
          [key.id],
        ),
      (rows) => rows[0]!.last_used_at !== null,
    );
    expect(used).toMatchObject({ last_used_ip: '127.0.0.1' });
    const listed = (await t.call(acme.session, 'GET', KEYS)).json().items.find((k: { id: string }) => k.id === key.id);
    expect(listed.last_used_at).not.toBeNull();

    const uses = await eventually(
      () =>
        t.database.ownerQuery<{
          actor_type: string;
          actor_id: string;
          actor_label: string;
          api_key_id: string;
          target_id: string;
          after: { method: string; route: string; status: number };
        }>(`select * from audit_events where tenant_id = $1 and action = 'api_key.use' and api_key_id = $2 order by seq`, [
          acme.partnerId,
          key.id,
        ]),
      (rows) => rows.length >= 3,
    );
    // Written after each response, so not necessarily in request order.
    expect(uses).toHaveLength(3);
    expect(uses.map((u) => [u.after.method, u.after.route, u.after.status])).toEqual(
      expect.arrayContaining([
        ['GET', '/api/v1/partners/:partnerId/organizations', 200],
        ['POST', '/api/v1/partners/:partnerId/organizations', 201],
        ['GET', '/api/v1/partners/:partnerId/organizations/:organizationId/sites', 403],
      ]),
    );
    expect(uses[0]).toMatchObject({
      actor_type: 'api_key',
      actor_id: acme.session.userId,
      actor_label: `${acme.email} (key Deployer)`,
      target_id: key.id,
    });

    // What the key did is audited as done through the key.
    const [orgCreate] = await t.database.ownerQuery<{ actor_type: string; api_key_id: string }>(
      `select actor_type, api_key_id from audit_events where action = 'organization.create' and target_id = $1`,
      [created.json().id],
    );
    expect(orgCreate).toEqual({ actor_type: 'api_key', api_key_id: key.id });
  });

  it('a session still needs its CSRF token; a key does not, and a cookie with a key is refused', async () => {
    const key = await createKey(acme.session, { permissions: ['organizations.manage'], scope_type: 'partner' });
    const noCsrf = await t.call({ ...acme.session, csrf: '' }, 'POST', `${P()}/organizations`, { name: 'Cookie without CSRF' });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf_failed');
    expect((await withKey(key.secret, 'POST', `${P()}/organizations`, { name: 'Key without CSRF' })).statusCode).toBe(201);
    const both = await t.call(
      acme.session,
      'POST',
      `${P()}/organizations`,
      { name: 'Both' },
      { authorization: `Bearer ${key.secret}` },
    );
    expect(both.statusCode).toBe(400);
    const bothRead = await t.call(acme.session, 'GET', `${P()}/organizations`, undefined, {
      authorization: `Bearer ${key.secret}`,
    });
    expect(bothRead.statusCode).toBe(400);
  });

  it('unknown, malformed and foreign credentials are 401 (an agent credential is no API key)', async () => {
    const key = await createKey(acme.session, { permissions: ['organizations.view'], scope_type: 'partner' });
    const forged = key.secret.slice(0, -4) + (key.secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const authorization of [
      `Bearer ${forged}`,
      'Bearer crmm_zzzzzzzz_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'Bearer not-a-key',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer agent_0123456789',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: `${P()}/organizations`, headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error.code).toBe('not_authenticated');
    }
  });
});

describe('a key never exceeds its owner', () => {
  it('refuses permissions, scopes and platform powers its owner does not hold, naming them', async () => {
    const orgX = acme.organizationId;
    const tech = await userWith('technician', { organization_id: orgX });
    const more = await t.call(tech, 'POST', KEYS, {
      name: 'k',
      permissions: ['organizations.view', 'users.manage'],
      scope_type: 'organization',
      organization_id: orgX,
    });
    expect(more.statusCode).toBe(403);
    expect(more.json().error.message).toContain('users.manage');
    expect(more.json().error.message).not.toContain('organizations.view');

    const wider = await t.call(tech, 'POST', KEYS, { name: 'k', permissions: ['sites.view'], scope_type: 'partner' });
    expect(wider.statusCode).toBe(403);
    expect(wider.json().error.message).toContain('sites.view');
    const otherOrg = await t.call(tech, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view'],
      scope_type: 'organization',
      organization_id: orgY,
    });
    expect(otherOrg.statusCode).toBe(400); // not visible to them: answered like an unknown id
    const otherSite = await t.call(tech, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view'],
      scope_type: 'site',
      site_id: siteY1,
    });
    expect(otherSite.statusCode).toBe(400);
    const fine = await t.call(tech, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view', 'sites.manage'],
      scope_type: 'site',
      site_id: acme.siteId,
    });
    expect(fine.statusCode, fine.body).toBe(201);

    const platformPermission = await t.call(acme.session, 'POST', KEYS, {
      name: 'k',
      permissions: ['partners.manage'],
      scope_type: 'partner',
    });
    expect(platformPermission.statusCode).toBe(403);
    expect(platformPermission.json().error.message).toContain('partners.manage');
    const platformScope = await t.call(acme.session, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view'],
      scope_type: 'platform',
    });
    expect(platformScope.statusCode).toBe(403);
    const other = await t.createPartnerWithUser('Other MSP');
    const foreign = await t.call(acme.session, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view'],
      scope_type: 'partner',
      partner_id: other.partnerId,
    });
    expect(foreign.statusCode).toBe(400);
    const foreignOrg = await t.call(acme.session, 'POST', KEYS, {
      name: 'k',
      permissions: ['sites.view'],
      scope_type: 'organization',
      organization_id: other.organizationId,
    });
    expect(foreignOrg.statusCode).toBe(400);
    const typo = await t.call(acme.session, 'POST', KEYS, {
      name: 'k',
      permissions: ['organisations.view'],
      scope_type: 'partner',
    });
    expect(typo.statusCode).toBe(400);
    expect(await t.database.ownerQuery(`select 1 from api_keys where user_id = $1 and scope_type <> 'site'`, [tech.id])).toEqual(
      [],
    );
  });

  it('an organization key gets 404 for anything of another organization, on every route', async () => {
    const key = await createKey(acme.session, {
      permissions: ['organizations.view', 'organizations.manage', 'sites.view', 'sites.manage'],
      scope_type: 'organization',
      organization_id: acme.organizationId,
    });
    const routes = t.app.routeTable.filter((r) => r.url.includes(':organizationId') && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(5);
    for (const r of routes) {
      const url = r.url.replace(':partnerId', acme.partnerId).replace(':organizationId', orgY).replace(':siteId', siteY1);
      const res = await withKey(
        key.secret,
        r.method as 'GET',
        url,
        r.method === 'PATCH' ? { name: 'Probe', version: 1 } : r.method === 'POST' ? { name: 'Probe' } : undefined,
      );
      expect(res.statusCode, `${r.method} ${url}`).toBe(404);
    }
    const orgs = (await withKey(key.secret, 'GET', `${P()}/organizations`)).json().items.map((o: { id: string }) => o.id);
    expect(orgs).toEqual([acme.organizationId]);
    expect(
      (await withKey(key.secret, 'POST', `${P()}/organizations/${acme.organizationId}/sites`, { name: 'Key Site' })).statusCode,
    ).toBe(201);
    expect((await withKey(key.secret, 'POST', `${P()}/organizations`, { name: 'Not within the key' })).statusCode).toBe(403);
    const other = await t.createPartnerWithUser('Another MSP');
    expect((await withKey(key.secret, 'GET', `/api/v1/partners/${other.partnerId}/organizations`)).statusCode).toBe(404);
  });

  it('an owner who loses a role loses it for their keys too', async () => {
    const tech = await userWith('technician');
    const key = await createKey(tech, { permissions: ['organizations.view', 'organizations.manage'], scope_type: 'partner' });
    expect((await withKey(key.secret, 'POST', `${P()}/organizations`, { name: 'While a technician' })).statusCode).toBe(201);
    // Demoted to ReadOnly: the key keeps reading, and writes no more.
    const [assignment] = (await t.call(acme.session, 'GET', `${P()}/role-assignments?user_id=${tech.id}`)).json().items;
    expect(
      (
        await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
          user_id: tech.id,
          role_id: await roleId('readonly'),
          scope_type: 'partner',
        })
      ).statusCode,
    ).toBe(201);
    expect((await t.call(acme.session, 'DELETE', `${P()}/role-assignments/${assignment.id}`)).statusCode).toBe(204);
    expect((await withKey(key.secret, 'GET', `${P()}/organizations`)).statusCode).toBe(200);
    expect((await withKey(key.secret, 'POST', `${P()}/organizations`, { name: 'After the demotion' })).statusCode).toBe(403);

    // A suspended user's keys stop working altogether.
    await t.database.ownerQuery(`update users set status = 'suspended' where id = $1`, [tech.id]);
    const suspended = await withKey(key.secret, 'GET', `${P()}/organizations`);
    expect(suspended.statusCode).toBe(401);
    expect(suspended.json().error.message).toMatch(/owner/);
  });

  it('platform staff make platform-wide keys; platform permissions do not work inside a partner key', async () => {
    const { session: staff } = await t.createPlatformAdmin();
    const key = await createKey(staff, { permissions: ['partners.view', 'partners.manage'], scope_type: 'platform' });
    expect((await withKey(key.secret, 'POST', '/api/v1/partners', { name: 'Made by a platform key' })).statusCode).toBe(201);
    const inside = await t.call(staff, 'POST', KEYS, {
      name: 'k',
      permissions: ['partners.manage'],
      scope_type: 'partner',
      partner_id: acme.partnerId,
    });
    expect(inside.statusCode).toBe(400);
    const partnerKey = await createKey(staff, {
      permissions: ['organizations.view'],
      scope_type: 'partner',
      partner_id: acme.partnerId,
    });
    expect((await withKey(partnerKey.secret, 'GET', `${P()}/organizations`)).statusCode).toBe(200);
    const other = await t.createPartnerWithUser('Third MSP');
    expect((await withKey(partnerKey.secret, 'GET', `/api/v1/partners/${other.partnerId}/organizations`)).statusCode).toBe(404);
    // Its uses go to the platform's chain, like everything its owner does.
    await eventually(
      () =>
        t.database.ownerQuery(
          `select 1 from audit_events where tenant_id is null and action = 'api_key.use' and api_key_id = $1`,
          [partnerKey.id],
        ),
      (rows) => rows.length >= 2,
    );
  });
});

describe('revocation and expiry', () => {
  it('revoked and expired keys answer 401 with the reason, and the attempt is audited', async () => {
    const key = await createKey(acme.session, { permissions: ['organizations.view'], scope_type: 'partner' });
    expect((await withKey(key.secret, 'GET', `${P()}/organizations`)).statusCode).toBe(200);
    expect((await t.call(acme.session, 'DELETE', `${KEYS}/${key.id}`)).statusCode).toBe(204);
    const revoked = await withKey(key.secret, 'GET', `${P()}/organizations`);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error).toEqual({ code: 'not_authenticated', message: 'API key revoked' });
    await eventually(
      () =>
        t.database.ownerQuery<{ after: { status: number } }>(
          `select after from audit_events where action = 'api_key.use' and api_key_id = $1 order by seq`,
          [key.id],
        ),
      (rows) => rows.at(-1)?.after.status === 401,
    );
    expect((await t.call(acme.session, 'GET', `${KEYS}?status=revoked`)).json().items.map((k: { id: string }) => k.id)).toContain(
      key.id,
    );

    const old = await createKey(acme.session, {
      permissions: ['organizations.view'],
      scope_type: 'partner',
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await t.database.ownerQuery(`update api_keys set expires_at = now() - interval '1 minute' where id = $1`, [old.id]);
    const expired = await withKey(old.secret, 'GET', `${P()}/organizations`);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error).toEqual({ code: 'not_authenticated', message: 'API key expired' });
    const mine = (await t.call(acme.session, 'GET', KEYS)).json().items.find((k: { id: string }) => k.id === old.id);
    expect(mine.status).toBe('expired');
  });

  it('a key cannot manage keys, nor reach the routes of the signed-in account', async () => {
    const key = await createKey(acme.session, {
      permissions: ['organizations.view', 'api_keys.view', 'api_keys.manage'],
      scope_type: 'partner',
    });
    const attempts: [InjectOptions['method'], string, unknown][] = [
      ['GET', KEYS, undefined],
      ['POST', KEYS, { name: 'Successor', permissions: ['organizations.view'], scope_type: 'partner' }],
      ['DELETE', `${KEYS}/${key.id}`, undefined],
      ['GET', '/api/v1/auth/session', undefined],
      ['POST', '/api/v1/auth/logout', undefined],
    ];
    for (const [method, url, body] of attempts) {
      const res = await withKey(key.secret, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    expect(await t.database.ownerQuery(`select 1 from api_keys where name = 'Successor'`)).toEqual([]);
    expect((await withKey(key.secret, 'GET', `${P()}/organizations`)).statusCode).toBe(200);
  });

  it('administrators list and revoke the keys of their partner’s users; others cannot', async () => {
    const tech = await userWith('technician');
    const techKey = await createKey(tech, { name: 'Tech tool', permissions: ['organizations.view'], scope_type: 'partner' });
    const list = await t.call(acme.session, 'GET', `${P()}/api-keys?user_id=${tech.id}`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: techKey.id, name: 'Tech tool', user_email: tech.email, prefix: techKey.prefix }),
    ]);
    expect(list.body).not.toContain(techKey.secret.slice('crmm_12345678_'.length));

    const readonly = await userWith('readonly');
    expect((await t.call(readonly, 'GET', `${P()}/api-keys`)).statusCode).toBe(200);
    expect((await t.call(readonly, 'DELETE', `${P()}/api-keys/${techKey.id}`)).statusCode).toBe(403);
    expect((await t.call(tech, 'GET', `${P()}/api-keys`)).statusCode).toBe(403);
    // Someone else's key is not yours to revoke through /me.
    expect((await t.call(readonly, 'DELETE', `${KEYS}/${techKey.id}`)).statusCode).toBe(404);

    expect((await t.call(acme.session, 'DELETE', `${P()}/api-keys/${techKey.id}`)).statusCode).toBe(204);
    expect((await withKey(techKey.secret, 'GET', `${P()}/organizations`)).statusCode).toBe(401);
    const [revoke] = await t.database.ownerQuery<{ actor_id: string }>(
      `select actor_id from audit_events where action = 'api_key.revoke' and target_id = $1`,
      [techKey.id],
    );
    expect(revoke!.actor_id).toBe(acme.session.userId);

    const other = await t.createPartnerWithUser('Fourth MSP');
    expect((await t.call(other.session, 'DELETE', `${P()}/api-keys/${techKey.id}`)).statusCode).toBe(404);
    expect((await t.call(other.session, 'DELETE', `/api/v1/partners/${other.partnerId}/api-keys/${techKey.id}`)).statusCode).toBe(
      404,
    );
  });

  it('pages through keys newest first', async () => {
    const user = await userWith('readonly');
    for (const name of ['One', 'Two', 'Three'])
      await createKey(user, { name, permissions: ['organizations.view'], scope_type: 'partner' });
    const first = (await t.call(user, 'GET', `${KEYS}?limit=2`)).json();
    expect(first.items.map((k: { name: string }) => k.name)).toEqual(['Three', 'Two']);
    const second = (await t.call(user, 'GET', `${KEYS}?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second).toMatchObject({ items: [expect.objectContaining({ name: 'One' })], next_cursor: null });
    expect((await t.call(user, 'GET', `${KEYS}?cursor=garbage`)).statusCode).toBe(400);
    expect((await t.call(user, 'GET', `${KEYS}?user_id=${acme.session.userId}`)).statusCode).toBe(400);
  });
});
