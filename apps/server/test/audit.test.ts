// IAM9, security.md 39-40: every privileged action leaves a chained audit event.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandsService } from '../src/modules/commands/index.js';
import { enrollDevice } from '../src/modules/devices/index.js';
import { userTokensRepo } from '../src/modules/users/index.js';
import { audit, SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let admin: Session;
let adminEmail: string;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  ({ email: adminEmail, session: admin } = await t.createPlatformAdmin());
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

/** A fresh user holding a system role partner-wide (or platform-wide), for the route walk. */
async function walkUser(partnerId: string | null, roleKey: SystemRoleKey) {
  const email = `walk-${Math.random().toString(36).slice(2, 10)}@walk.test`;
  const { id: userId } = await createUserWithPassword(t.database.db, {
    email,
    name: 'W',
    password: PASSWORD,
    partnerId,
    roleKey,
  });
  const [a] = await t.database.ownerQuery<{ id: string; role_id: string }>(
    'select id, role_id from role_assignments where user_id = $1',
    [userId],
  );
  return { userId, roleId: a!.role_id, assignmentId: a!.id };
}

const rnd = () => Math.random().toString(36).slice(2, 10);

/** A device enrolled behind the API (enrollment has its own example), for the device routes. */
async function walkDevice(partnerId: string, organizationId: string, siteId: string): Promise<string> {
  const d = await t.database.db.withTenant(partnerId, (tx) =>
    enrollDevice(tx, {
      tenantId: partnerId,
      organizationId,
      siteId,
      via: 'token',
      enrollmentTokenId: null,
      remoteIp: null,
      agent: { hostname: `walk-${rnd()}`, agent_version: '0.1.0', protocol_version: 1, os: 'linux', arch: 'x64' },
    }),
  );
  return d.deviceId;
}

/** A schedule body for the route walk: an inventory refresh, on some devices or the whole partner. */
const walkSchedule = (deviceIds?: string[]) => ({
  name: `Walk ${rnd()}`,
  cron: '0 3 * * *',
  timezone: 'UTC',
  action: { kind: 'inventory_refresh' },
  target: deviceIds ? { type: 'devices', ids: deviceIds } : { type: 'partner', ids: [] },
});

/** A partner script made behind the API (its create route has its own example). */
async function walkScript(partnerId: string): Promise<string> {
  const [row] = await t.database.ownerQuery<{ id: string }>(
    `insert into scripts (tenant_id, name, language, target_os, body) values ($1, 'Walk', 'sh', '{linux}', 'true') returning id`,
    [partnerId],
  );
  return row!.id;
}

/** An organization custom field made behind the API. */
async function walkField(partnerId: string): Promise<string> {
  const [row] = await t.database.ownerQuery<{ id: string }>(
    `insert into custom_field_definitions (tenant_id, entity, name, label, type) values ($1, 'organization', $2, 'Walk', 'text') returning id`,
    [partnerId, `walk_${rnd()}`],
  );
  return row!.id;
}

/** What the command examples run: a reboot, which needs no script. */
const walkTask = (deviceIds: string[]) => ({ kind: 'reboot', target: { type: 'devices', ids: deviceIds } });

/** A task waiting for approval, made by the system (so the walking admin is not its creator). */
async function walkPendingTask(partnerId: string, organizationId: string, siteId: string): Promise<string> {
  const ids = [await walkDevice(partnerId, organizationId, siteId), await walkDevice(partnerId, organizationId, siteId)];
  await t.database.ownerQuery(
    `insert into command_settings (tenant_id, fanout_threshold) values ($1, 1)
       on conflict (tenant_id) do update set fanout_threshold = 1`,
    [partnerId],
  );
  const task = await new CommandsService(t.app.ctx).createTask(
    partnerId,
    walkTask(ids) as never,
    { principal: null, actor: SYSTEM_ACTOR },
    { reason: 'manual' },
  );
  await t.database.ownerQuery('update command_settings set fanout_threshold = 50 where tenant_id = $1', [partnerId]);
  return task.id;
}

/** A queued run, made behind the API. */
async function walkRun(partnerId: string, organizationId: string, siteId: string): Promise<string> {
  const task = await new CommandsService(t.app.ctx).createTask(
    partnerId,
    walkTask([await walkDevice(partnerId, organizationId, siteId)]) as never,
    { principal: null, actor: SYSTEM_ACTOR },
    { reason: 'manual' },
  );
  const [run] = await t.database.ownerQuery<{ id: string }>('select id from command_runs where task_id = $1', [task.id]);
  return run!.id;
}

async function systemRoleId(key: SystemRoleKey) {
  const [r] = await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [key]);
  return r!.id;
}

/** A fresh Acme user, so the 2FA and session examples leave acme.session alone. */
async function freshAcmeUser(): Promise<string> {
  const email = `me-${Math.random().toString(36).slice(2, 10)}@walk.test`;
  await createUserWithPassword(t.database.db, {
    email,
    name: 'M',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey: 'owner',
  });
  return email;
}

/** A fresh Acme user with two-factor sign-in on (IAM2), for the route walk. */
async function twoFactorUser() {
  const email = await freshAcmeUser();
  const session = await t.login(email);
  const { secret } = (await t.call(session, 'POST', '/api/v1/me/2fa/setup')).json();
  const confirmed = (await t.call(session, 'POST', '/api/v1/me/2fa/confirm', { code: await generate({ secret }) })).json();
  return { email, session, recoveryCodes: confirmed.recovery_codes as string[] };
}

/** The password step of a user with 2FA: a session that owes its second factor. */
async function pendingSession(email: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  return {
    cookie: `crmm_session=${res.cookies.find((c) => c.name === 'crmm_session')!.value}`,
    csrf: res.json().csrf_token,
    userId: '',
  };
}

const events = (tenantId: string | null) =>
  t.database.ownerQuery<{
    seq: number;
    action: string;
    actor_label: string;
    target_id: string | null;
    before: unknown;
    after: unknown;
    ip: string;
    request_id: string;
  }>(`select * from audit_events where tenant_id is not distinct from $1 order by seq`, [tenantId]);

describe('writing', () => {
  it('records who changed what, with before and after, in the partner’s chain', async () => {
    const base = `/api/v1/partners/${acme.partnerId}/organizations`;
    const org = (await t.call(acme.session, 'POST', base, { name: 'Initech' })).json();
    await t.call(acme.session, 'PATCH', `${base}/${org.id}`, { name: 'Initech LLC', version: org.version });
    const log = await events(acme.partnerId);
    const update = log.find((e) => e.action === 'organization.update' && e.target_id === org.id)!;
    expect(update).toMatchObject({
      actor_label: acme.email,
      ip: '127.0.0.1',
      before: expect.objectContaining({ name: 'Initech' }),
      after: expect.objectContaining({ name: 'Initech LLC' }),
    });
    expect(update.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  });

  it('every state-changing route writes an audit event (walks the route table)', async () => {
    // One successful call per route. A new write route fails this test until it is listed here — and audited.
    const p = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Audit Walk' })).json();
    const o = (await t.call(admin, 'POST', `/api/v1/partners/${p.id}/organizations`, { name: 'Walk Org' })).json();
    const s = (await t.call(admin, 'POST', `/api/v1/partners/${p.id}/organizations/${o.id}/sites`, { name: 'Walk Site' })).json();
    const P = `/api/v1/partners/${p.id}`;
    const O = `${P}/organizations/${o.id}`;
    const S = `${O}/sites/${s.id}`;
    // Enrollment examples: a site of their own (the walk deletes and restores S on its way), its code
    // and tokens made before the walk counts events, so each example's event is the route's own.
    const E = `${O}/sites/${(await t.call(admin, 'POST', `${O}/sites`, { name: 'Walk Enroll' })).json().id}`;
    await t.call(admin, 'GET', `${E}/enrollment`);
    const revokeMe = (await t.call(admin, 'POST', `${E}/enrollment-tokens`, {})).json();
    const enrollWith = (await t.call(admin, 'POST', `${E}/enrollment-tokens`, {})).json();
    // Devices, filters and schedules (DEV4, AUT3): a site and devices of their own, made before the walk.
    const B = (await t.call(admin, 'POST', `${O}/sites`, { name: 'Walk Bulk' })).json().id as string;
    const bulkDevice = await walkDevice(p.id, o.id, B);
    const scheduled = await walkDevice(p.id, o.id, B);
    const examples: Record<string, () => Promise<{ status: number; tenant: string | null }>> = {
      'POST /api/v1/partners': async () => ({
        status: (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk 2' })).statusCode,
        tenant: null,
      }),
      'PATCH /api/v1/partners/:partnerId': async () => ({
        status: (await t.call(admin, 'PATCH', P, { name: 'Audit Walk!', version: 1 })).statusCode,
        tenant: p.id,
      }),
      'DELETE /api/v1/partners/:partnerId': async () => {
        const x = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk Gone' })).json();
        return { status: (await t.call(admin, 'DELETE', `/api/v1/partners/${x.id}`)).statusCode, tenant: x.id };
      },
      'POST /api/v1/partners/:partnerId/restore': async () => {
        const x = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk Back' })).json();
        await t.call(admin, 'DELETE', `/api/v1/partners/${x.id}`);
        return { status: (await t.call(admin, 'POST', `/api/v1/partners/${x.id}/restore`)).statusCode, tenant: x.id };
      },
      'POST /api/v1/partners/:partnerId/organizations': async () => ({
        status: (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org 2' })).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/organizations/:organizationId': async () => ({
        status: (await t.call(admin, 'PATCH', O, { description: 'd', version: 1 })).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites': async () => ({
        status: (await t.call(admin, 'POST', `${O}/sites`, { name: 'Walk Site 2' })).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId': async () => ({
        status: (await t.call(admin, 'PATCH', S, { description: 'd', version: 1 })).statusCode,
        tenant: p.id,
      }),
      'DELETE /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId': async () => ({
        status: (await t.call(admin, 'DELETE', S)).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/restore': async () => ({
        status: (await t.call(admin, 'POST', `${S}/restore`)).statusCode,
        tenant: p.id,
      }),
      'DELETE /api/v1/partners/:partnerId/organizations/:organizationId': async () => {
        const x = (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org Gone' })).json();
        return { status: (await t.call(admin, 'DELETE', `${P}/organizations/${x.id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/restore': async () => {
        const x = (await t.call(admin, 'POST', `${P}/organizations`, { name: 'Walk Org Back' })).json();
        await t.call(admin, 'DELETE', `${P}/organizations/${x.id}`);
        return { status: (await t.call(admin, 'POST', `${P}/organizations/${x.id}/restore`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/auth/login': async () => ({
        status: (
          await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: adminEmail, password: PASSWORD } })
        ).statusCode,
        tenant: null,
      }),
      'POST /api/v1/auth/logout': async () => ({
        status: (await t.call(await t.login(acme.email), 'POST', '/api/v1/auth/logout')).statusCode,
        tenant: acme.partnerId,
      }),
      'POST /api/v1/partners/:partnerId/audit-events/verify': async () => ({
        status: (await t.call(admin, 'POST', `${P}/audit-events/verify`)).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/audit-events/verify': async () => ({
        status: (await t.call(admin, 'POST', '/api/v1/audit-events/verify')).statusCode,
        tenant: null,
      }),
      'POST /api/v1/partners/:partnerId/roles': async () => ({
        status: (await t.call(admin, 'POST', `${P}/roles`, { name: 'Walk Role', permissions: ['sites.view'] })).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/roles/:roleId': async () => {
        const r = (await t.call(admin, 'POST', `${P}/roles`, { name: 'Walk Role 2', permissions: [] })).json();
        return {
          status: (await t.call(admin, 'PATCH', `${P}/roles/${r.id}`, { description: 'x', version: r.version })).statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/roles/:roleId': async () => {
        const r = (await t.call(admin, 'POST', `${P}/roles`, { name: 'Walk Role 3', permissions: [] })).json();
        return { status: (await t.call(admin, 'DELETE', `${P}/roles/${r.id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/role-assignments': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        const roleId = await systemRoleId('technician');
        return {
          status: (
            await t.call(admin, 'POST', `${P}/role-assignments`, {
              user_id: userId,
              role_id: roleId,
              scope_type: 'organization',
              organization_id: o.id,
            })
          ).statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/role-assignments/:assignmentId': async () => {
        const { assignmentId } = await walkUser(p.id, 'technician');
        return { status: (await t.call(admin, 'DELETE', `${P}/role-assignments/${assignmentId}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/role-assignments': async () => {
        const { userId } = await walkUser(null, 'readonly');
        const roleId = await systemRoleId('technician');
        return {
          status: (await t.call(admin, 'POST', '/api/v1/role-assignments', { user_id: userId, role_id: roleId })).statusCode,
          tenant: null,
        };
      },
      'DELETE /api/v1/role-assignments/:assignmentId': async () => {
        const { assignmentId } = await walkUser(null, 'readonly');
        return { status: (await t.call(admin, 'DELETE', `/api/v1/role-assignments/${assignmentId}`)).statusCode, tenant: null };
      },
      'POST /api/v1/me/2fa/setup': async () => ({
        status: (await t.call(await t.login(await freshAcmeUser()), 'POST', '/api/v1/me/2fa/setup')).statusCode,
        tenant: acme.partnerId,
      }),
      'POST /api/v1/me/2fa/confirm': async () => {
        const s = await t.login(await freshAcmeUser());
        const { secret } = (await t.call(s, 'POST', '/api/v1/me/2fa/setup')).json();
        return {
          status: (await t.call(s, 'POST', '/api/v1/me/2fa/confirm', { code: await generate({ secret }) })).statusCode,
          tenant: acme.partnerId,
        };
      },
      'POST /api/v1/me/2fa/disable': async () => {
        const u = await twoFactorUser();
        return {
          status: (await t.call(u.session, 'POST', '/api/v1/me/2fa/disable', { password: PASSWORD })).statusCode,
          tenant: acme.partnerId,
        };
      },
      'POST /api/v1/me/2fa/recovery-codes': async () => {
        const u = await twoFactorUser();
        return {
          status: (await t.call(u.session, 'POST', '/api/v1/me/2fa/recovery-codes', { password: PASSWORD })).statusCode,
          tenant: acme.partnerId,
        };
      },
      'POST /api/v1/auth/second-factor': async () => {
        const u = await twoFactorUser();
        const pending = await pendingSession(u.email);
        return {
          status: (await t.call(pending, 'POST', '/api/v1/auth/second-factor', { recovery_code: u.recoveryCodes[0] })).statusCode,
          tenant: acme.partnerId,
        };
      },
      'PUT /api/v1/partners/:partnerId/security': async () => ({
        status: (await t.call(admin, 'PUT', `${P}/security`, { require_2fa: false })).statusCode,
        tenant: p.id,
      }),
      'DELETE /api/v1/me/sessions/:id': async () => {
        const email = await freshAcmeUser();
        const other = await t.login(email);
        const id = (await t.call(other, 'GET', '/api/v1/me/sessions'))
          .json()
          .items.find((x: { current: boolean }) => x.current).id;
        return {
          status: (await t.call(await t.login(email), 'DELETE', `/api/v1/me/sessions/${id}`)).statusCode,
          tenant: acme.partnerId,
        };
      },
      'POST /api/v1/me/sessions/revoke-others': async () => ({
        status: (await t.call(await t.login(await freshAcmeUser()), 'POST', '/api/v1/me/sessions/revoke-others')).statusCode,
        tenant: acme.partnerId,
      }),
      'DELETE /api/v1/me/trusted-devices/:id': async () => {
        const u = await twoFactorUser();
        const passed = await t.call(await pendingSession(u.email), 'POST', '/api/v1/auth/second-factor', {
          recovery_code: u.recoveryCodes[0],
          trust_device: true,
        });
        const s: Session = {
          cookie: `crmm_session=${passed.cookies.find((c) => c.name === 'crmm_session')!.value}`,
          csrf: passed.json().csrf_token,
          userId: '',
        };
        const id = (await t.call(s, 'GET', '/api/v1/me/trusted-devices')).json().items[0].id;
        return { status: (await t.call(s, 'DELETE', `/api/v1/me/trusted-devices/${id}`)).statusCode, tenant: acme.partnerId };
      },
      'PATCH /api/v1/partners/:partnerId/sso': async () => ({
        status: (await t.call(admin, 'PATCH', `${P}/sso`, { version: 0, issuer_url: 'https://idp.walk.test', client_id: 'walk' }))
          .statusCode,
        tenant: p.id,
      }),
      // Discovery only: nothing reachable, so the test reports the failure (and is audited all the same).
      'POST /api/v1/partners/:partnerId/sso/test': async () => ({
        status: (await t.call(admin, 'POST', `${P}/sso/test`, { issuer_url: 'http://127.0.0.1:9' })).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/auth/sso/discover': async () => {
        // Set up behind the API (no audit event of its own), so the one counted is the discovery's.
        const x = (await t.call(admin, 'POST', '/api/v1/partners', { name: 'Walk SSO' })).json();
        await t.database.ownerQuery(
          `insert into sso_settings (tenant_id, issuer_url, client_id, client_secret_encrypted, default_role_id, enabled) values ($1, 'https://idp.walk.test', 'walk', 'sealed', $2, true)`,
          [x.id, await systemRoleId('technician')],
        );
        await t.database.ownerQuery(`insert into sso_domains (domain, tenant_id) values ('sso-walk.test', $1)`, [x.id]);
        return {
          status: (
            await t.app.inject({ method: 'POST', url: '/api/v1/auth/sso/discover', payload: { email: 'someone@sso-walk.test' } })
          ).statusCode,
          tenant: x.id,
        };
      },
      'POST /api/v1/me/api-keys': async () => ({
        status: (
          await t.call(admin, 'POST', '/api/v1/me/api-keys', {
            name: 'Walk key',
            permissions: ['partners.view'],
            scope_type: 'platform',
          })
        ).statusCode,
        tenant: null,
      }),
      'DELETE /api/v1/me/api-keys/:keyId': async () => {
        const k = (
          await t.call(admin, 'POST', '/api/v1/me/api-keys', {
            name: 'Walk key 2',
            permissions: ['partners.view'],
            scope_type: 'platform',
          })
        ).json();
        return { status: (await t.call(admin, 'DELETE', `/api/v1/me/api-keys/${k.id}`)).statusCode, tenant: null };
      },
      'DELETE /api/v1/partners/:partnerId/api-keys/:keyId': async () => {
        const k = (
          await t.call(acme.session, 'POST', '/api/v1/me/api-keys', {
            name: 'Walk key 3',
            permissions: ['sites.view'],
            scope_type: 'partner',
          })
        ).json();
        return {
          status: (await t.call(admin, 'DELETE', `/api/v1/partners/${acme.partnerId}/api-keys/${k.id}`)).statusCode,
          tenant: acme.partnerId,
        };
      },
      // Users (IAM1): links are issued behind the API here; the mail round trip is in users.test.ts.
      'POST /api/v1/partners/:partnerId/users/invitations': async () => ({
        status: (
          await t.call(admin, 'POST', `${P}/users/invitations`, {
            email: `walk-inv-${rnd()}@walk.test`,
            name: 'Walk Invite',
            role_id: await systemRoleId('readonly'),
            scope_type: 'partner',
          })
        ).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/users/:userId/resend-invitation': async () => {
        const u = (
          await t.call(admin, 'POST', `${P}/users/invitations`, {
            email: `walk-inv-${rnd()}@walk.test`,
            name: 'Walk Resend',
            role_id: await systemRoleId('readonly'),
            scope_type: 'partner',
          })
        ).json();
        return { status: (await t.call(admin, 'POST', `${P}/users/${u.id}/resend-invitation`)).statusCode, tenant: p.id };
      },
      'PATCH /api/v1/partners/:partnerId/users/:userId': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        return {
          status: (await t.call(admin, 'PATCH', `${P}/users/${userId}`, { name: 'Walk Renamed', version: 1 })).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/users/:userId/suspend': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        return { status: (await t.call(admin, 'POST', `${P}/users/${userId}/suspend`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/users/:userId/reactivate': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        await t.call(admin, 'POST', `${P}/users/${userId}/suspend`);
        return { status: (await t.call(admin, 'POST', `${P}/users/${userId}/reactivate`)).statusCode, tenant: p.id };
      },
      'DELETE /api/v1/partners/:partnerId/users/:userId': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        return { status: (await t.call(admin, 'DELETE', `${P}/users/${userId}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/users/:userId/restore': async () => {
        const { userId } = await walkUser(p.id, 'readonly');
        await t.call(admin, 'DELETE', `${P}/users/${userId}`);
        return { status: (await t.call(admin, 'POST', `${P}/users/${userId}/restore`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/auth/invitations/:token/accept': async () => {
        const u = (
          await t.call(admin, 'POST', `${P}/users/invitations`, {
            email: `walk-inv-${rnd()}@walk.test`,
            name: 'Walk Accept',
            role_id: await systemRoleId('readonly'),
            scope_type: 'partner',
          })
        ).json();
        const { token } = await t.database.db.withTenant(p.id, (tx) =>
          userTokensRepo.issue(tx, { userId: u.id, tenantId: p.id, purpose: 'invitation', createdBy: null, validMinutes: 60 }),
        );
        return {
          status: (
            await t.app.inject({
              method: 'POST',
              url: `/api/v1/auth/invitations/${token}/accept`,
              payload: { password: PASSWORD },
            })
          ).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/auth/password-reset': async () => ({
        status: (
          await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: await freshAcmeUser() } })
        ).statusCode,
        tenant: acme.partnerId,
      }),
      'POST /api/v1/auth/password-reset/:token': async () => {
        const { userId } = await walkUser(acme.partnerId, 'readonly');
        const { token } = await t.database.db.withTenant(acme.partnerId, (tx) =>
          userTokensRepo.issue(tx, {
            userId,
            tenantId: acme.partnerId,
            purpose: 'password_reset',
            createdBy: null,
            validMinutes: 60,
          }),
        );
        return {
          status: (
            await t.app.inject({
              method: 'POST',
              url: `/api/v1/auth/password-reset/${token}`,
              payload: { new_password: 'walk new passphrase' },
            })
          ).statusCode,
          tenant: acme.partnerId,
        };
      },
      'POST /api/v1/me/password': async () => ({
        status: (
          await t.call(await t.login(await freshAcmeUser()), 'POST', '/api/v1/me/password', {
            current_password: PASSWORD,
            new_password: 'walk new passphrase',
          })
        ).statusCode,
        tenant: acme.partnerId,
      }),
      'PATCH /api/v1/me': async () => ({
        status: (await t.call(await t.login(await freshAcmeUser()), 'PATCH', '/api/v1/me', { name: 'Walk Me', version: 1 }))
          .statusCode,
        tenant: acme.partnerId,
      }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/enrollment/rotate': async () => ({
        status: (await t.call(admin, 'POST', `${E}/enrollment/rotate`)).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/enrollment': async () => ({
        status: (await t.call(admin, 'PATCH', `${E}/enrollment`, { enabled: true })).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/enrollment-tokens': async () => ({
        status: (await t.call(admin, 'POST', `${E}/enrollment-tokens`, { name: 'Walk' })).statusCode,
        tenant: p.id,
      }),
      'DELETE /api/v1/partners/:partnerId/organizations/:organizationId/sites/:siteId/enrollment-tokens/:tokenId': async () => ({
        status: (await t.call(admin, 'DELETE', `${E}/enrollment-tokens/${revokeMe.id}`)).statusCode,
        tenant: p.id,
      }),
      // The agent enrolls itself: the event is the partner's, its actor the new agent.
      'POST /api/agent/v1/enroll': async () => {
        const body = {
          token: enrollWith.token,
          hostname: 'walk-pc',
          agent_version: '0.1.0',
          protocol_version: 1,
          os: 'linux',
          arch: 'x64',
        };
        return {
          status: (await t.app.inject({ method: 'POST', url: '/api/agent/v1/enroll', payload: body })).statusCode,
          tenant: p.id,
        };
      },
      // Devices: enrolled behind the API, one per example.
      'PATCH /api/v1/partners/:partnerId/devices/:deviceId': async () => {
        const d = await walkDevice(p.id, o.id, s.id);
        return {
          status: (await t.call(admin, 'PATCH', `${P}/devices/${d}`, { version: 1, heartbeat_seconds: 60 })).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/devices/:deviceId/revoke': async () => {
        const d = await walkDevice(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'POST', `${P}/devices/${d}/revoke`)).statusCode, tenant: p.id };
      },
      'DELETE /api/v1/partners/:partnerId/devices/:deviceId': async () => {
        const d = await walkDevice(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'DELETE', `${P}/devices/${d}`)).statusCode, tenant: p.id };
      },
      'PUT /api/v1/partners/:partnerId/agent-settings': async () => ({
        status: (await t.call(admin, 'PUT', `${P}/agent-settings`, { version: 0, heartbeat_seconds: 20, inventory_minutes: 10 }))
          .statusCode,
        tenant: p.id,
      }),
      // Scripts: made behind the API (no event of their own), so the one counted is the route's.
      'POST /api/v1/partners/:partnerId/scripts': async () => ({
        status: (
          await t.call(admin, 'POST', `${P}/scripts`, { name: 'Walk script', language: 'sh', target_os: ['linux'], body: 'true' })
        ).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/scripts/:scriptId': async () => {
        const id = await walkScript(p.id);
        return {
          status: (await t.call(admin, 'PATCH', `${P}/scripts/${id}`, { version: 1, body: 'echo walk' })).statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/scripts/:scriptId': async () => {
        const id = await walkScript(p.id);
        return { status: (await t.call(admin, 'DELETE', `${P}/scripts/${id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/scripts/:scriptId/copy': async () => {
        const [platform] = await t.database.ownerQuery<{ id: string }>('select id from scripts where tenant_id is null limit 1');
        return { status: (await t.call(admin, 'POST', `${P}/scripts/${platform!.id}/copy`, {})).statusCode, tenant: p.id };
      },
      // Custom fields: definitions made behind the API too.
      'POST /api/v1/partners/:partnerId/custom-fields': async () => ({
        status: (
          await t.call(admin, 'POST', `${P}/custom-fields`, {
            entity: 'device',
            name: `walk_${rnd()}`,
            label: 'Walk',
            type: 'text',
          })
        ).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/custom-fields/:fieldId': async () => {
        const id = await walkField(p.id);
        return {
          status: (await t.call(admin, 'PATCH', `${P}/custom-fields/${id}`, { version: 1, label: 'Walk 2' })).statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/custom-fields/:fieldId': async () => {
        const id = await walkField(p.id);
        return { status: (await t.call(admin, 'DELETE', `${P}/custom-fields/${id}`)).statusCode, tenant: p.id };
      },
      'PUT /api/v1/partners/:partnerId/custom-field-values': async () => {
        const name = (
          await t.database.ownerQuery<{ name: string }>('select name from custom_field_definitions where id = $1', [
            await walkField(p.id),
          ])
        )[0]!.name;
        return {
          status: (
            await t.call(admin, 'PUT', `${P}/custom-field-values`, {
              entity: 'organization',
              entity_id: o.id,
              values: { [name]: 'walk' },
            })
          ).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/devices/bulk/tags': async () => ({
        status: (await t.call(admin, 'POST', `${P}/devices/bulk/tags`, { device_ids: [bulkDevice], add: [`walk-${rnd()}`] }))
          .statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/devices/bulk/move': async () => {
        const to = (await t.call(admin, 'POST', `${O}/sites`, { name: `Walk Move ${rnd()}` })).json().id;
        return {
          status: (await t.call(admin, 'POST', `${P}/devices/bulk/move`, { device_ids: [bulkDevice], site_id: to })).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/device-filters': async () => ({
        status: (await t.call(admin, 'POST', `${P}/device-filters`, { name: `Walk ${rnd()}`, query: { tag: 'walk' } }))
          .statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/device-filters/:filterId': async () => {
        const f = (await t.call(admin, 'POST', `${P}/device-filters`, { name: `Walk ${rnd()}`, query: {} })).json();
        return {
          status: (await t.call(admin, 'PATCH', `${P}/device-filters/${f.id}`, { version: 1, query: { status: 'online' } }))
            .statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/device-filters/:filterId': async () => {
        const f = (await t.call(admin, 'POST', `${P}/device-filters`, { name: `Walk ${rnd()}`, query: {} })).json();
        return { status: (await t.call(admin, 'DELETE', `${P}/device-filters/${f.id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/schedules': async () => ({
        status: (await t.call(admin, 'POST', `${P}/schedules`, walkSchedule())).statusCode,
        tenant: p.id,
      }),
      'PATCH /api/v1/partners/:partnerId/schedules/:scheduleId': async () => {
        const x = (await t.call(admin, 'POST', `${P}/schedules`, walkSchedule())).json();
        return {
          status: (await t.call(admin, 'PATCH', `${P}/schedules/${x.id}`, { version: 1, enabled: false })).statusCode,
          tenant: p.id,
        };
      },
      'DELETE /api/v1/partners/:partnerId/schedules/:scheduleId': async () => {
        const x = (await t.call(admin, 'POST', `${P}/schedules`, walkSchedule())).json();
        return { status: (await t.call(admin, 'DELETE', `${P}/schedules/${x.id}`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/schedules/:scheduleId/approve': async () => {
        // Made behind the API by nobody, so the walking admin is neither its creator nor its last editor.
        const [x] = await t.database.ownerQuery<{ id: string }>(
          `insert into command_schedules (tenant_id, name, cron, action, target, approval)
           values ($1, $2, '0 3 * * *', '{"kind": "inventory_refresh"}', '{"type": "partner", "ids": []}', 'pending') returning id`,
          [p.id, `Walk ${rnd()}`],
        );
        return {
          status: (await t.call(admin, 'POST', `${P}/schedules/${x!.id}/approve`, { version: 1 })).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/schedules/:scheduleId/run-now': async () => {
        const x = (await t.call(admin, 'POST', `${P}/schedules`, walkSchedule([scheduled]))).json();
        return { status: (await t.call(admin, 'POST', `${P}/schedules/${x.id}/run-now`)).statusCode, tenant: p.id };
      },
      // Commands: tasks made behind the API where the example needs one, on devices of their own.
      'POST /api/v1/partners/:partnerId/tasks': async () => ({
        status: (await t.call(admin, 'POST', `${P}/tasks`, walkTask([await walkDevice(p.id, o.id, s.id)]))).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/tasks/:taskId/approve': async () => {
        const id = await walkPendingTask(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'POST', `${P}/tasks/${id}/approve`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/tasks/:taskId/reject': async () => {
        const id = await walkPendingTask(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'POST', `${P}/tasks/${id}/reject`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/tasks/:taskId/cancel': async () => {
        const id = (await t.call(admin, 'POST', `${P}/tasks`, walkTask([await walkDevice(p.id, o.id, s.id)]))).json().id;
        return { status: (await t.call(admin, 'POST', `${P}/tasks/${id}/cancel`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/tasks/:taskId/rerun': async () => {
        const id = (await t.call(admin, 'POST', `${P}/tasks`, walkTask([await walkDevice(p.id, o.id, s.id)]))).json().id;
        return { status: (await t.call(admin, 'POST', `${P}/tasks/${id}/rerun`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/runs/clear': async () => ({
        status: (await t.call(admin, 'POST', `${P}/runs/clear`, {})).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/runs/:runId/cancel': async () => {
        const run = await walkRun(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'POST', `${P}/runs/${run}/cancel`)).statusCode, tenant: p.id };
      },
      'POST /api/v1/partners/:partnerId/runs/:runId/rerun': async () => {
        const run = await walkRun(p.id, o.id, s.id);
        return { status: (await t.call(admin, 'POST', `${P}/runs/${run}/rerun`)).statusCode, tenant: p.id };
      },
      'DELETE /api/v1/partners/:partnerId/runs/:runId': async () => {
        const run = await walkRun(p.id, o.id, s.id);
        await t.call(admin, 'POST', `${P}/runs/${run}/cancel`);
        return { status: (await t.call(admin, 'DELETE', `${P}/runs/${run}`)).statusCode, tenant: p.id };
      },
      'PUT /api/v1/partners/:partnerId/command-settings': async () => {
        const { version } = (await t.call(admin, 'GET', `${P}/command-settings`)).json();
        return {
          status: (
            await t.call(admin, 'PUT', `${P}/command-settings`, { version, fanout_threshold: 50, default_expiry_hours: 12 })
          ).statusCode,
          tenant: p.id,
        };
      },
      'POST /api/v1/partners/:partnerId/command-settings/halt': async () => ({
        status: (await t.call(admin, 'POST', `${P}/command-settings/halt`, { reason: 'walk' })).statusCode,
        tenant: p.id,
      }),
      'POST /api/v1/partners/:partnerId/command-settings/release': async () => ({
        status: (await t.call(admin, 'POST', `${P}/command-settings/release`)).statusCode,
        tenant: p.id,
      }),
    };
    // Hello answers a version question and changes nothing: there is nothing to audit.
    const answersOnly = new Set(['POST /api/agent/v1/hello']);
    const writes = t.app.routeTable.filter(
      (r) =>
        r.url.startsWith('/api/') && !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !answersOnly.has(`${r.method} ${r.url}`),
    );
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) {
      const key = `${route.method} ${route.url}`;
      const example = examples[key];
      expect(example, `no audit example for ${key}: add one here, and audit the route`).toBeDefined();
      const maxBefore = await t.database.ownerQuery<{ id: number | null }>('select max(id)::int as id from audit_events');
      const { status, tenant } = await example!();
      expect(status, key).toBeLessThan(300);
      const written = await t.database.ownerQuery(
        'select 1 from audit_events where id > $1 and tenant_id is not distinct from $2',
        [maxBefore[0]!.id ?? 0, tenant],
      );
      expect(written.length, `${key} wrote no audit event`).toBeGreaterThan(0);
    }
  });

  it('records failed sign-ins without the password', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: acme.email, password: 'guess-123-secret' },
    });
    const failed = (await events(acme.partnerId)).filter((e) => e.action === 'auth.login_failed');
    expect(failed.at(-1)).toMatchObject({ actor_label: acme.email, after: { reason: 'wrong password' } });
    const all = JSON.stringify(await t.database.ownerQuery('select * from audit_events'));
    expect(all).not.toContain('guess-123-secret');
    expect(all).not.toContain(PASSWORD);
  });

  it('redacts secret-bearing fields and keeps ordinary ones', async () => {
    await t.database.db.withTenant(acme.partnerId, (tx) =>
      audit(tx, acme.partnerId, SYSTEM_ACTOR, {
        action: 'test.scrub',
        after: { key: 'owner', name: 'Owner', api_key: 'crmm_x', client_secret: 's', nested: { password: 'p', totp_seed: 't' } },
      }),
    );
    const [e] = (await events(acme.partnerId)).filter((x) => x.action === 'test.scrub');
    expect(e!.after).toEqual({
      key: 'owner',
      name: 'Owner',
      api_key: '[redacted]',
      client_secret: '[redacted]',
      nested: { password: '[redacted]', totp_seed: '[redacted]' },
    });
  });

  it('if the audit write fails, the action fails and nothing is written', async () => {
    const base = `/api/v1/partners/${acme.partnerId}/organizations`;
    await t.database.ownerQuery('revoke insert on audit_events from cloudrmm_runtime');
    try {
      const res = await t.call(acme.session, 'POST', base, { name: 'Unaudited Org' });
      expect(res.statusCode).toBe(500);
    } finally {
      await t.database.ownerQuery('grant insert on audit_events to cloudrmm_runtime');
    }
    expect(await t.database.ownerQuery(`select id from organizations where name = 'Unaudited Org'`)).toEqual([]);
  });
});

describe('tamper evidence', () => {
  it('the runtime role can neither edit nor delete audit events', async () => {
    const k = t.database.db;
    await expect(
      k.withTenant(acme.partnerId, (tx) => tx.updateTable('audit_events').set({ action: 'nothing.happened' }).execute()),
    ).rejects.toThrow(/permission denied/);
    await expect(k.withTenant(acme.partnerId, (tx) => tx.deleteFrom('audit_events').execute())).rejects.toThrow(
      /permission denied/,
    );
  });

  it('verification finds an edited and a deleted event', async () => {
    const other = await t.createPartnerWithUser('Tamper Co');
    const base = `/api/v1/partners/${other.partnerId}/organizations`;
    for (const name of ['One', 'Two', 'Three']) await t.call(other.session, 'POST', base, { name });
    const verify = () => t.call(other.session, 'POST', `/api/v1/partners/${other.partnerId}/audit-events/verify`);
    const ok = (await verify()).json();
    expect(ok).toMatchObject({ valid: true, first_invalid_seq: null });
    expect(ok.events).toBeGreaterThanOrEqual(5);

    // a database owner (or an attacker with its password) rewrites history
    const [victim] = await t.database.ownerQuery<{ seq: number }>(
      `select seq from audit_events where tenant_id = $1 and action = 'organization.create' order by seq limit 1 offset 1`,
      [other.partnerId],
    );
    await t.database.ownerQuery(`update audit_events set actor_label = 'someone-else@x.test' where tenant_id = $1 and seq = $2`, [
      other.partnerId,
      victim!.seq,
    ]);
    const edited = (await verify()).json();
    expect(edited).toMatchObject({ valid: false, first_invalid_seq: victim!.seq });

    const second = await t.createPartnerWithUser('Delete Co');
    for (const name of ['A', 'B'])
      await t.call(second.session, 'POST', `/api/v1/partners/${second.partnerId}/organizations`, { name });
    const [gone] = await t.database.ownerQuery<{ seq: number }>(
      `delete from audit_events where tenant_id = $1 and seq = 2 returning seq`,
      [second.partnerId],
    );
    expect(gone!.seq).toBe(2);
    const deleted = (await t.call(second.session, 'POST', `/api/v1/partners/${second.partnerId}/audit-events/verify`)).json();
    expect(deleted).toMatchObject({ valid: false, first_invalid_seq: 3 });
  });
});

describe('reading', () => {
  it('lists with filters and pages, and every read is itself audited', async () => {
    const url = `/api/v1/partners/${acme.partnerId}/audit-events`;
    const page1 = (await t.call(acme.session, 'GET', `${url}?limit=2`)).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].seq).toBeGreaterThan(page1.items[1].seq);
    expect(page1.items[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const page2 = (await t.call(acme.session, 'GET', `${url}?limit=2&cursor=${page1.next_cursor}`)).json();
    expect(page2.items[0].seq).toBeLessThan(page1.items[1].seq);

    const sites = (await t.call(acme.session, 'GET', `${url}?action=site.`)).json();
    expect(sites.items.length).toBeGreaterThan(0);
    expect(sites.items.every((e: { action: string }) => e.action.startsWith('site.'))).toBe(true);
    const byActor = (
      await t.call(acme.session, 'GET', `${url}?actor=${encodeURIComponent(acme.email)}&action=organization.update`)
    ).json();
    expect(byActor.items.every((e: { actor_label: string }) => e.actor_label === acme.email)).toBe(true);

    const reads = (await events(acme.partnerId)).filter((e) => e.action === 'audit.read');
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(reads.at(-1)!.after).toMatchObject({ actor: acme.email, action: 'organization.update' });
  });

  it('exports CSV with formula cells neutralised', async () => {
    await t.database.db.withTenant(acme.partnerId, (tx) =>
      tx
        .insertInto('audit_events')
        .values({
          tenant_id: acme.partnerId,
          seq: 0,
          prev_hash: Buffer.alloc(0),
          hash: Buffer.alloc(0),
          actor_type: 'system',
          actor_label: '=HYPERLINK("http://evil.example","click")',
          action: 'test.formula',
        })
        .execute(),
    );
    const res = await t.call(acme.session, 'GET', `/api/v1/partners/${acme.partnerId}/audit-events/export?action=test.formula`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(res.body).not.toMatch(/(^|,)"=/m);
    expect((await events(acme.partnerId)).at(-1)!.action).toBe('audit.export');
  });

  it('the platform chain is for platform staff only', async () => {
    const platform = await t.call(admin, 'GET', '/api/v1/audit-events?action=partner.create');
    expect(platform.statusCode).toBe(200);
    expect(platform.json().items.length).toBeGreaterThan(0);
    const denied = await t.call(acme.session, 'GET', '/api/v1/audit-events');
    expect(denied.statusCode).toBe(403);
    const foreign = await t.call(acme.session, 'GET', `/api/v1/partners/00000000-0000-4000-8000-000000000001/audit-events`);
    expect(foreign.statusCode).toBe(404);
  });
});
