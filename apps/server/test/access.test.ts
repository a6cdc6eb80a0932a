// IAM4, IAM5; security.md 5-6: roles, scoped assignments, no escalation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture; // its user is the partner's Owner
let orgX: string;
let orgY: string;
let siteX1: string;
let siteX2: string;
let siteY1: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  orgX = (await t.tenancy.createOrganization(acme.partnerId, { name: 'X Corp' }, SYSTEM_ACTOR)).id;
  orgY = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Y Corp' }, SYSTEM_ACTOR)).id;
  siteX1 = (await t.tenancy.createSite(acme.partnerId, orgX, { name: 'X One' }, SYSTEM_ACTOR)).id;
  siteX2 = (await t.tenancy.createSite(acme.partnerId, orgX, { name: 'X Two' }, SYSTEM_ACTOR)).id;
  siteY1 = (await t.tenancy.createSite(acme.partnerId, orgY, { name: 'Y One' }, SYSTEM_ACTOR)).id;
});
afterAll(() => t.close());

const P = () => `/api/v1/partners/${acme.partnerId}`;
const roleId = async (key: string) =>
  (await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [key]))[0]!.id;

/** A user of Acme holding `roleKey` at the given scope (and nothing else). */
async function userWith(
  roleKey: SystemRoleKey | { roleId: string },
  scope: { organization_id?: string; site_id?: string } = {},
): Promise<Session & { id: string }> {
  const email = `u-${Math.random().toString(36).slice(2, 10)}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'U',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey: 'readonly',
  });
  const owner = acme.session;
  const readonly = (await t.call(owner, 'GET', `${P()}/role-assignments?user_id=${id}`)).json().items[0];
  const rid = typeof roleKey === 'string' ? await roleId(roleKey) : roleKey.roleId;
  const scope_type = scope.site_id ? 'site' : scope.organization_id ? 'organization' : 'partner';
  if (!(typeof roleKey === 'string' && roleKey === 'readonly' && scope_type === 'partner')) {
    const res = await t.call(owner, 'POST', `${P()}/role-assignments`, { user_id: id, role_id: rid, scope_type, ...scope });
    expect(res.statusCode, res.body).toBe(201);
    expect((await t.call(owner, 'DELETE', `${P()}/role-assignments/${readonly.id}`)).statusCode).toBe(204);
  }
  return { ...(await t.login(email)), id };
}

describe('catalog and system roles', () => {
  it('the permission catalog in the database is the one the modules declare', async () => {
    const rows = await t.database.ownerQuery<{ name: string; module: string; scope: string }>(
      'select name, module, scope from permissions order by name',
    );
    const declared = [...t.app.ctx.catalog]
      .map(([name, i]) => ({ name, module: i.module, scope: i.scope }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(rows).toEqual(declared);
    const api = (await t.call(acme.session, 'GET', '/api/v1/permissions')).json();
    expect(api.items.map((p: { name: string }) => p.name).sort()).toEqual(declared.map((d) => d.name));
  });

  it('system roles: Technician cannot manage users or roles, ReadOnly only reads, Client contact sees organizations, sites and devices', async () => {
    const roles = (await t.call(acme.session, 'GET', `${P()}/roles`)).json().items as {
      key: string;
      permissions: string[];
      is_system: boolean;
    }[];
    const perms = (key: string) => roles.find((r) => r.key === key)!.permissions;
    expect(
      roles
        .filter((r) => r.is_system)
        .map((r) => r.key)
        .sort(),
    ).toEqual(['administrator', 'client_contact', 'owner', 'readonly', 'technician']);
    expect(perms('technician')).not.toContain('users.manage');
    expect(perms('technician')).not.toContain('roles.manage');
    expect(perms('readonly').every((p) => p.endsWith('.view'))).toBe(true);
    expect(perms('client_contact').sort()).toEqual(['devices.view', 'organizations.view', 'sites.view']);
    expect(perms('owner')).toEqual(expect.arrayContaining([...t.app.ctx.catalog.keys()]));
  });

  it('a role × action matrix holds through the API', async () => {
    const cases: [SystemRoleKey, string, string, unknown, number][] = [
      ['readonly', 'GET', `${P()}/organizations`, undefined, 200],
      ['readonly', 'POST', `${P()}/organizations`, { name: 'RO Org' }, 403],
      ['technician', 'POST', `${P()}/organizations`, { name: 'Tech Org' }, 201],
      ['technician', 'POST', `${P()}/roles`, { name: 'Tech Role', permissions: [] }, 403],
      ['technician', 'GET', `${P()}/audit-events`, undefined, 403],
      ['administrator', 'GET', `${P()}/audit-events`, undefined, 200],
      ['administrator', 'POST', `${P()}/roles`, { name: 'Admin Role', permissions: ['sites.view'] }, 201],
      ['owner', 'PATCH', P(), { name: 'Acme Renamed', version: 1 }, 403], // platform permission: never inside a partner
      ['client_contact', 'GET', `${P()}/organizations`, undefined, 200],
      ['client_contact', 'POST', `${P()}/organizations/${orgX}/sites`, { name: 'CC Site' }, 403],
    ];
    for (const [role, method, url, body, status] of cases) {
      const s = await userWith(role);
      const res = await t.call(s, method as 'GET', url, body);
      expect(res.statusCode, `${role} ${method} ${url}: ${res.body}`).toBe(status);
    }
  });
});

describe('scoped assignments', () => {
  it('a technician of organization X gets 404 for anything of organization Y, on every route', async () => {
    const tech = await userWith('technician', { organization_id: orgX });
    const routes = t.app.routeTable.filter((r) => r.url.includes(':organizationId') && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(5);
    for (const r of routes) {
      const url = r.url.replace(':partnerId', acme.partnerId).replace(':organizationId', orgY).replace(':siteId', siteY1);
      const res = await t.call(
        tech,
        r.method as 'GET',
        url,
        r.method === 'PATCH' ? { name: 'Probe', version: 1 } : r.method === 'POST' ? { name: 'Probe' } : undefined,
      );
      expect(res.statusCode, `${r.method} ${url}`).toBe(404);
    }
    const orgs = (await t.call(tech, 'GET', `${P()}/organizations?include_deleted=true`))
      .json()
      .items.map((o: { id: string }) => o.id);
    expect(orgs).toEqual([orgX]);
    expect((await t.call(tech, 'GET', `${P()}/organizations/${orgX}/sites`)).json().items).toHaveLength(2);
    expect((await t.call(tech, 'POST', `${P()}/organizations/${orgX}/sites`, { name: 'X Three' })).statusCode).toBe(201);
    expect((await t.call(tech, 'POST', `${P()}/organizations`, { name: 'Not mine to make' })).statusCode).toBe(403);
  });

  it('a client contact of one site sees its organization and that site only', async () => {
    const contact = await userWith('client_contact', { site_id: siteX1 });
    expect((await t.call(contact, 'GET', `${P()}/organizations`)).json().items.map((o: { id: string }) => o.id)).toEqual([orgX]);
    expect((await t.call(contact, 'GET', `${P()}/organizations/${orgX}`)).statusCode).toBe(200);
    expect(
      (await t.call(contact, 'GET', `${P()}/organizations/${orgX}/sites`)).json().items.map((s: { id: string }) => s.id),
    ).toEqual([siteX1]);
    expect((await t.call(contact, 'GET', `${P()}/organizations/${orgX}/sites/${siteX2}`)).statusCode).toBe(404);
    expect((await t.call(contact, 'GET', `${P()}/organizations/${orgY}`)).statusCode).toBe(404);
    expect((await t.call(contact, 'PATCH', `${P()}/organizations/${orgX}`, { name: 'Mine now', version: 1 })).statusCode).toBe(
      403,
    );
  });

  it('taking a role away takes effect on the next request', async () => {
    const tech = await userWith('technician', { organization_id: orgX });
    expect((await t.call(tech, 'GET', `${P()}/organizations/${orgX}`)).statusCode).toBe(200);
    const [a] = (await t.call(acme.session, 'GET', `${P()}/role-assignments?user_id=${tech.id}`)).json().items;
    expect((await t.call(acme.session, 'DELETE', `${P()}/role-assignments/${a.id}`)).statusCode).toBe(204);
    expect((await t.call(tech, 'GET', `${P()}/organizations/${orgX}`)).statusCode).toBe(404);
  });
});

describe('no escalation by delegation', () => {
  it('nobody creates a role with permissions they do not hold, or platform permissions', async () => {
    const custom = (
      await t.call(acme.session, 'POST', `${P()}/roles`, {
        name: 'Role Smith',
        permissions: ['roles.view', 'roles.manage', 'sites.view'],
      })
    ).json();
    const smith = await userWith({ roleId: custom.id });
    const up = await t.call(smith, 'POST', `${P()}/roles`, {
      name: 'Bigger',
      permissions: ['sites.view', 'organizations.manage'],
    });
    expect(up.statusCode).toBe(403);
    expect(up.json().error.message).toContain('organizations.manage');
    expect((await t.call(smith, 'POST', `${P()}/roles`, { name: 'Smaller', permissions: ['sites.view'] })).statusCode).toBe(201);
    const edit = await t.call(smith, 'PATCH', `${P()}/roles/${custom.id}`, {
      permissions: ['roles.manage', 'users.manage'],
      version: custom.version,
    });
    expect(edit.statusCode).toBe(403);
    const platform = await t.call(acme.session, 'POST', `${P()}/roles`, { name: 'Sneaky', permissions: ['partners.manage'] });
    expect(platform.statusCode).toBe(400);
    expect(
      (await t.call(acme.session, 'POST', `${P()}/roles`, { name: 'Typo', permissions: ['organisations.view'] })).statusCode,
    ).toBe(400);
  });

  it('nobody assigns a role they do not hold, or beyond their scope', async () => {
    const custom = (
      await t.call(acme.session, 'POST', `${P()}/roles`, {
        name: 'User Admin',
        permissions: ['users.view', 'users.manage', 'sites.view'],
      })
    ).json();
    const admin = await userWith({ roleId: custom.id });
    const victim = await userWith('readonly');
    const toOwner = await t.call(admin, 'POST', `${P()}/role-assignments`, {
      user_id: victim.id,
      role_id: await roleId('owner'),
      scope_type: 'partner',
    });
    expect(toOwner.statusCode).toBe(403);
    const selfOwner = await t.call(admin, 'POST', `${P()}/role-assignments`, {
      user_id: admin.id,
      role_id: await roleId('owner'),
      scope_type: 'partner',
    });
    expect(selfOwner.statusCode).toBe(403);
    const fine = await t.call(admin, 'POST', `${P()}/role-assignments`, {
      user_id: victim.id,
      role_id: custom.id,
      scope_type: 'site',
      site_id: siteY1,
    });
    expect(fine.statusCode).toBe(201);

    const orgAdmin = await userWith('administrator', { organization_id: orgX });
    const wider = await t.call(orgAdmin, 'POST', `${P()}/role-assignments`, {
      user_id: victim.id,
      role_id: await roleId('technician'),
      scope_type: 'partner',
    });
    expect(wider.statusCode).toBe(403);
    // and one cannot demote someone above oneself
    const [ownerAssignment] = (await t.call(acme.session, 'GET', `${P()}/role-assignments?user_id=${acme.session.userId}`)).json()
      .items;
    expect((await t.call(admin, 'DELETE', `${P()}/role-assignments/${ownerAssignment.id}`)).statusCode).toBe(403);
  });

  it('the last Owner of a partner cannot be removed; a user of another partner cannot be assigned', async () => {
    const solo = await t.createPartnerWithUser('Solo MSP'); // its user is the only Owner
    const base = `/api/v1/partners/${solo.partnerId}`;
    const [own] = (await t.call(solo.session, 'GET', `${base}/role-assignments?user_id=${solo.session.userId}`)).json().items;
    const res = await t.call(solo.session, 'DELETE', `${base}/role-assignments/${own.id}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('last Owner');
    const other = await t.createPartnerWithUser('Other MSP');
    const cross = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
      user_id: other.session.userId,
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    expect(cross.statusCode).toBe(400);
    expect(cross.json().error.field).toBe('user_id');
  });

  it('system roles cannot be edited or deleted; assigned custom roles cannot be deleted', async () => {
    const tech = await roleId('technician');
    expect((await t.call(acme.session, 'PATCH', `${P()}/roles/${tech}`, { name: 'Hacked', version: 1 })).statusCode).toBe(422);
    expect((await t.call(acme.session, 'DELETE', `${P()}/roles/${tech}`)).statusCode).toBe(422);
    const custom = (await t.call(acme.session, 'POST', `${P()}/roles`, { name: 'In Use', permissions: ['sites.view'] })).json();
    await userWith({ roleId: custom.id });
    expect((await t.call(acme.session, 'DELETE', `${P()}/roles/${custom.id}`)).statusCode).toBe(422);
  });
});
