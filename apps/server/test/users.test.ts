// IAM1, IAM8; security.md 6, 12, 14, 17: users, invitations and passwords by
// email through a real SMTP server, suspension, no escalation, CSV export.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, testConfig, type PartnerFixture, type Session, type TestApp } from './support/app.js';
import { linkToken, startTestSmtp, type TestSmtp } from './support/smtp.js';

const PUBLIC_URL = 'http://rmm.example.test';
const NEW_PASSWORD = 'a brand new passphrase 42';

let t: TestApp;
let smtp: TestSmtp;
let acme: PartnerFixture; // its user is the partner's Owner
let orgX: string;
let orgY: string;
let siteX1: string;

beforeAll(async () => {
  smtp = await startTestSmtp();
  t = await createTestApp({
    config: testConfig({ smtpUrl: smtp.url, smtpFrom: 'CloudRMM <no-reply@rmm.example.test>', publicUrl: PUBLIC_URL }),
  });
  acme = await t.createPartnerWithUser('Acme IT');
  orgX = (await t.tenancy.createOrganization(acme.partnerId, { name: 'X Corp' }, SYSTEM_ACTOR)).id;
  orgY = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Y Corp' }, SYSTEM_ACTOR)).id;
  siteX1 = (await t.tenancy.createSite(acme.partnerId, orgX, { name: 'X One' }, SYSTEM_ACTOR)).id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const P = () => `/api/v1/partners/${acme.partnerId}`;
const unique = () => Math.random().toString(36).slice(2, 10);
const roleId = async (key: string) =>
  (await t.database.ownerQuery<{ id: string }>('select id from roles where key = $1', [key]))[0]!.id;

function sessionOf(res: LightMyRequestResponse): Session {
  const cookie = res.cookies.find((c) => c.name === 'crmm_session');
  if (!cookie) throw new Error(`no session cookie: ${res.statusCode} ${res.body}`);
  const json = res.json<{ csrf_token: string; user: { id: string } }>();
  return { cookie: `crmm_session=${cookie.value}`, csrf: json.csrf_token, userId: json.user.id };
}

/** Invites through the API and returns the user, the mail and its link's token. */
async function invite(as: Session, body: Record<string, unknown>) {
  const since = smtp.received.length;
  const res = await t.call(as, 'POST', `${P()}/users/invitations`, body);
  expect(res.statusCode, res.body).toBe(201);
  const mail = await smtp.waitFor(body.email as string, { since });
  return { user: res.json(), mail, token: linkToken(mail, 'invite') };
}

/** An active user of Acme with one system role at a scope, signed in. */
async function userWith(roleKey: SystemRoleKey | { roleId: string }, scope: { organization_id?: string; site_id?: string } = {}) {
  const email = `u-${unique()}@acme.test`;
  const rid = typeof roleKey === 'string' ? await roleId(roleKey) : roleKey.roleId;
  const scope_type = scope.site_id ? 'site' : scope.organization_id ? 'organization' : 'partner';
  const { token } = await invite(acme.session, { email, name: `User ${email}`, role_id: rid, scope_type, ...scope });
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/auth/invitations/${token}/accept`,
    payload: { password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { ...sessionOf(res), email };
}

describe('invitations', () => {
  it('emails a link; following it sets a password and signs in with the invited role at the invited scope', async () => {
    const email = `Grace.${unique()}@Example.test`;
    const { user, mail, token } = await invite(acme.session, {
      email,
      name: 'Grace Hopper',
      role_id: await roleId('technician'),
      scope_type: 'organization',
      organization_id: orgX,
    });
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Grace Hopper', status: 'invited', invitation_sent: true });
    expect(user.roles).toEqual([
      expect.objectContaining({ role_name: 'Technician', scope_type: 'organization', organization_name: 'X Corp' }),
    ]);
    expect(user.invitation_expires_at).toBeTruthy();
    const days = (Date.parse(user.invitation_expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    // The mail: from SMTP_FROM, to the invitee, the link on the public URL.
    expect(mail.from).toBe('no-reply@rmm.example.test');
    expect(mail.subject).toBe('You are invited to Acme IT on CloudRMM');
    expect(mail.text).toContain('as Technician · X Corp');
    expect(mail.text).toContain(`${PUBLIC_URL}/invite/${token}`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/invite/${token}"`);
    expect(token.length).toBeGreaterThanOrEqual(43);

    // Only the token's hash is stored (security.md 34).
    const stored = JSON.stringify(await t.database.ownerQuery('select * from user_tokens'));
    expect(stored).not.toContain(token);

    const info = await t.app.inject({ method: 'GET', url: `/api/v1/auth/invitations/${token}` });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ email: email.toLowerCase(), name: 'Grace Hopper', partner_name: 'Acme IT' });

    const short = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${token}/accept`,
      payload: { password: 'too short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('password');

    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${token}/accept`,
      payload: { password: NEW_PASSWORD, name: 'Grace B. Hopper' },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const cookie = accepted.cookies.find((c) => c.name === 'crmm_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(accepted.json()).toMatchObject({
      user: { email: email.toLowerCase(), name: 'Grace B. Hopper', partner_id: acme.partnerId },
    });
    expect(accepted.json().permissions).toContain('sites.manage');
    expect(accepted.json().permissions).not.toContain('users.manage');
    expect(accepted.body).not.toMatch(/password_hash|\$argon2/);
    const grace = sessionOf(accepted);

    // The role holds in organization X, and nowhere else.
    expect((await t.call(grace, 'POST', `${P()}/organizations/${orgX}/sites`, { name: 'Grace Site' })).statusCode).toBe(201);
    expect((await t.call(grace, 'GET', `${P()}/organizations/${orgY}`)).statusCode).toBe(404);
    expect((await t.call(grace, 'POST', `${P()}/organizations`, { name: 'Not hers' })).statusCode).toBe(403);

    const [row] = await t.database.ownerQuery<{ status: string; password_hash: string }>(
      'select status, password_hash from users where id = $1',
      [user.id],
    );
    expect(row!.status).toBe('active');
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    // …and the same password signs in again.
    await t.login(email, NEW_PASSWORD);
  });

  it('a link works once; unknown links are 404, used and expired ones 410', async () => {
    const email = `once-${unique()}@acme.test`;
    const { token, user } = await invite(acme.session, {
      email,
      name: 'Once',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    const accept = () =>
      t.app.inject({ method: 'POST', url: `/api/v1/auth/invitations/${token}/accept`, payload: { password: NEW_PASSWORD } });
    expect((await accept()).statusCode).toBe(200);
    const again = await accept();
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('gone');
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/auth/invitations/${token}` })).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/auth/invitations/${'x'.repeat(43)}` })).statusCode).toBe(404);
    expect(user.status).toBe('invited');

    const late = await invite(acme.session, {
      email: `late-${unique()}@acme.test`,
      name: 'Late',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    await t.database.ownerQuery(`update user_tokens set expires_at = now() - interval '1 minute' where user_id = $1`, [
      late.user.id,
    ]);
    const expired = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/invitations/${late.token}/accept`,
      payload: { password: NEW_PASSWORD },
    });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.message).toContain('expired');
    const [still] = await t.database.ownerQuery<{ status: string; password_hash: string | null }>(
      'select status, password_hash from users where id = $1',
      [late.user.id],
    );
    expect(still).toEqual({ status: 'invited', password_hash: null });
  });

  it('resending replaces the link; an invited user cannot sign in before accepting', async () => {
    const email = `resend-${unique()}@acme.test`;
    const first = await invite(acme.session, { email, name: 'Resend', role_id: await roleId('readonly'), scope_type: 'partner' });
    const since = smtp.received.length;
    const res = await t.call(acme.session, 'POST', `${P()}/users/${first.user.id}/resend-invitation`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().invitation_sent).toBe(true);
    const second = linkToken(await smtp.waitFor(email, { since }), 'invite');
    expect(second).not.toBe(first.token);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/auth/invitations/${first.token}` })).statusCode).toBe(410);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: NEW_PASSWORD } });
    expect(login.statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/auth/invitations/${second}/accept`,
          payload: { password: NEW_PASSWORD },
        })
      ).statusCode,
    ).toBe(200);
    const done = await t.call(acme.session, 'POST', `${P()}/users/${first.user.id}/resend-invitation`);
    expect(done.statusCode).toBe(409);
  });

  it('refuses a duplicate email, a foreign organization and a bad email', async () => {
    const dup = await t.call(acme.session, 'POST', `${P()}/users/invitations`, {
      email: acme.email.toUpperCase(),
      name: 'Dup',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.field).toBe('email');
    const other = await t.createPartnerWithUser('Other MSP');
    const foreign = await t.call(acme.session, 'POST', `${P()}/users/invitations`, {
      email: `f-${unique()}@acme.test`,
      name: 'Foreign',
      role_id: await roleId('technician'),
      scope_type: 'organization',
      organization_id: other.organizationId,
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.field).toBe('organization_id');
    const bad = await t.call(acme.session, 'POST', `${P()}/users/invitations`, {
      email: 'not an email',
      name: 'Bad',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    expect(bad.statusCode).toBe(400);
    expect(await t.database.ownerQuery(`select id from users where name in ('Foreign', 'Bad')`)).toEqual([]);
  });
});

describe('no escalation (security.md 6)', () => {
  it('nobody invites with a role or at a scope they could not assign; nothing is created', async () => {
    const admin = await userWith('administrator'); // everything except security settings
    const toOwner = await t.call(admin, 'POST', `${P()}/users/invitations`, {
      email: `esc-${unique()}@acme.test`,
      name: 'Would be Owner',
      role_id: await roleId('owner'),
      scope_type: 'partner',
    });
    expect(toOwner.statusCode).toBe(403);
    expect(toOwner.json().error.message).toMatch(/security\.manage|sso\.manage/);

    const custom = (
      await t.call(acme.session, 'POST', `${P()}/roles`, {
        name: 'Invite Only',
        permissions: ['users.view', 'users.manage', 'sites.view'],
      })
    ).json();
    const inviter = await userWith({ roleId: custom.id });
    const wider = await t.call(inviter, 'POST', `${P()}/users/invitations`, {
      email: `esc-${unique()}@acme.test`,
      name: 'Would be Tech',
      role_id: await roleId('technician'),
      scope_type: 'organization',
      organization_id: orgX,
    });
    expect(wider.statusCode).toBe(403);
    expect(await t.database.ownerQuery(`select id from users where name like 'Would be %'`)).toEqual([]);
    // What they hold, they may hand out.
    const same = await t.call(inviter, 'POST', `${P()}/users/invitations`, {
      email: `ok-${unique()}@acme.test`,
      name: 'Same Powers',
      role_id: custom.id,
      scope_type: 'site',
      site_id: siteX1,
    });
    expect(same.statusCode, same.body).toBe(201);

    // A technician may see users but not invite them.
    const tech = await userWith('technician');
    expect(
      (
        await t.call(tech, 'POST', `${P()}/users/invitations`, {
          email: `t-${unique()}@acme.test`,
          name: 'T',
          role_id: await roleId('readonly'),
          scope_type: 'partner',
        })
      ).statusCode,
    ).toBe(403);
  });

  it('nobody suspends or deletes themselves, or someone holding more than they do', async () => {
    const admin = await userWith('administrator');
    const self = await t.call(admin, 'POST', `${P()}/users/${admin.userId}/suspend`);
    expect(self.statusCode).toBe(403);
    expect((await t.call(admin, 'DELETE', `${P()}/users/${admin.userId}`)).statusCode).toBe(403);
    const owner = await t.call(admin, 'POST', `${P()}/users/${acme.session.userId}/suspend`);
    expect(owner.statusCode).toBe(403);
    expect(owner.json().error.message).toContain('permissions you do not hold');
    expect((await t.call(admin, 'DELETE', `${P()}/users/${acme.session.userId}`)).statusCode).toBe(403);
    expect((await t.call(acme.session, 'GET', `${P()}/users/${acme.session.userId}`)).json().status).toBe('active');
    // An administrator may suspend a technician.
    const tech = await userWith('technician');
    expect((await t.call(admin, 'POST', `${P()}/users/${tech.userId}/suspend`)).statusCode).toBe(200);
  });
});

describe('suspension and deletion', () => {
  it('suspending ends the user’s live session at once; reactivating lets them sign in again', async () => {
    const tech = await userWith('technician');
    expect((await t.call(tech, 'GET', `${P()}/organizations`)).statusCode).toBe(200);
    const res = await t.call(acme.session, 'POST', `${P()}/users/${tech.userId}/suspend`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('suspended');
    const after = await t.call(tech, 'GET', `${P()}/organizations`);
    expect(after.statusCode).toBe(401);
    const [s] = await t.database.ownerQuery<{ revoked_reason: string }>(
      'select revoked_reason from sessions where user_id = $1',
      [tech.userId],
    );
    expect(s!.revoked_reason).toBe('user suspended');
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: tech.email, password: PASSWORD } }))
        .statusCode,
    ).toBe(401);

    const back = await t.call(acme.session, 'POST', `${P()}/users/${tech.userId}/reactivate`);
    expect(back.json().status).toBe('active');
    await t.login(tech.email, PASSWORD);
  });

  it('deleting hides the user, ends their sessions and frees the email for a new invitation', async () => {
    const ro = await userWith('readonly');
    expect((await t.call(acme.session, 'DELETE', `${P()}/users/${ro.userId}`)).statusCode).toBe(204);
    expect((await t.call(ro, 'GET', `${P()}/organizations`)).statusCode).toBe(401);
    expect((await t.call(acme.session, 'GET', `${P()}/users/${ro.userId}`)).statusCode).toBe(200); // soft: still readable by id
    const list = (await t.call(acme.session, 'GET', `${P()}/users?limit=500`)).json().items.map((u: { id: string }) => u.id);
    expect(list).not.toContain(ro.userId);
    const withDeleted = (await t.call(acme.session, 'GET', `${P()}/users?limit=500&include_deleted=true`))
      .json()
      .items.map((u: { id: string }) => u.id);
    expect(withDeleted).toContain(ro.userId);
    expect((await t.call(acme.session, 'POST', `${P()}/users/${ro.userId}/suspend`)).statusCode).toBe(404);
    await invite(acme.session, { email: ro.email, name: 'Back again', role_id: await roleId('readonly'), scope_type: 'partner' });
  });

  it('restoring brings a deleted user back suspended; they sign in only once reactivated', async () => {
    const tech = await userWith('technician');
    expect((await t.call(acme.session, 'DELETE', `${P()}/users/${tech.userId}`)).statusCode).toBe(204);
    const res = await t.call(acme.session, 'POST', `${P()}/users/${tech.userId}/restore`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: tech.userId, status: 'suspended', deleted_at: null });
    expect(res.json().roles.map((r: { role_name: string }) => r.role_name)).toEqual(['Technician']);
    const listed = (await t.call(acme.session, 'GET', `${P()}/users?limit=500`)).json().items;
    expect(listed.find((u: { id: string }) => u.id === tech.userId)).toMatchObject({ status: 'suspended' });
    const [event] = await t.database.ownerQuery<{ action: string; target_id: string }>(
      `select action, target_id from audit_events where tenant_id = $1 order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(event).toEqual({ action: 'user.restore', target_id: tech.userId });

    const signIn = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: tech.email, password: PASSWORD } });
    expect((await signIn()).statusCode).toBe(401);
    expect((await t.call(tech, 'GET', `${P()}/organizations`)).statusCode).toBe(401);

    // Restoring someone who is not deleted changes nothing.
    const again = await t.call(acme.session, 'POST', `${P()}/users/${tech.userId}/restore`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'suspended', version: res.json().version });

    expect((await t.call(acme.session, 'POST', `${P()}/users/${tech.userId}/reactivate`)).json().status).toBe('active');
    await t.login(tech.email, PASSWORD);
  });

  it('restoring is 409 when another user now has the email, 403 above the caller, 404 for another partner', async () => {
    const ro = await userWith('readonly');
    expect((await t.call(acme.session, 'DELETE', `${P()}/users/${ro.userId}`)).statusCode).toBe(204);
    const taken = await invite(acme.session, {
      email: ro.email.toUpperCase(),
      name: 'Took the address',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    const conflict = await t.call(acme.session, 'POST', `${P()}/users/${ro.userId}/restore`);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.field).toBe('email');
    expect((await t.call(acme.session, 'GET', `${P()}/users/${ro.userId}`)).json().deleted_at).not.toBeNull();
    expect((await t.call(acme.session, 'DELETE', `${P()}/users/${taken.user.id}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'POST', `${P()}/users/${ro.userId}/restore`)).statusCode).toBe(200);

    // An administrator cannot bring back an Owner: they lack some of the Owner's permissions.
    const admin = await userWith('administrator');
    const owner = await userWith('owner');
    expect((await t.call(acme.session, 'DELETE', `${P()}/users/${owner.userId}`)).statusCode).toBe(204);
    const above = await t.call(admin, 'POST', `${P()}/users/${owner.userId}/restore`);
    expect(above.statusCode).toBe(403);
    expect(above.json().error.message).toContain('permissions you do not hold');
    expect((await t.call(acme.session, 'GET', `${P()}/users/${owner.userId}`)).json().deleted_at).not.toBeNull();

    // Another partner's deleted user does not exist here.
    const other = await t.createPartnerWithUser('Restore Elsewhere MSP');
    const otherUser = await t.call(other.session, 'POST', `/api/v1/partners/${other.partnerId}/users/invitations`, {
      email: `far-${unique()}@far.test`,
      name: 'Far',
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    expect(otherUser.statusCode, otherUser.body).toBe(201);
    const farId = otherUser.json().id;
    expect((await t.call(other.session, 'DELETE', `/api/v1/partners/${other.partnerId}/users/${farId}`)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'POST', `${P()}/users/${farId}/restore`)).statusCode).toBe(404);
    expect((await t.call(acme.session, 'POST', `/api/v1/partners/${other.partnerId}/users/${farId}/restore`)).statusCode).toBe(
      404,
    );
    expect((await t.call(acme.session, 'POST', `${P()}/users/00000000-0000-4000-8000-000000000000/restore`)).statusCode).toBe(
      404,
    );
  });

  it('renames with a version; a stale version is 409', async () => {
    const ro = await userWith('readonly');
    const current = (await t.call(acme.session, 'GET', `${P()}/users/${ro.userId}`)).json();
    const renamed = await t.call(acme.session, 'PATCH', `${P()}/users/${ro.userId}`, {
      name: 'Renamed',
      version: current.version,
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', version: current.version + 1 });
    expect(
      (await t.call(acme.session, 'PATCH', `${P()}/users/${ro.userId}`, { name: 'Again', version: current.version })).statusCode,
    ).toBe(409);
  });
});

describe('passwords', () => {
  it('password reset end to end through the mail; every session ends', async () => {
    const tech = await userWith('technician');
    const other = await t.login(tech.email, PASSWORD);
    const since = smtp.received.length;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: tech.email.toUpperCase() },
    });
    expect(res.statusCode).toBe(202);
    const mail = await smtp.waitFor(tech.email, { since });
    expect(mail.subject).toBe('Reset your CloudRMM password');
    const token = linkToken(mail, 'reset-password');
    expect(mail.text).toContain(`${PUBLIC_URL}/reset-password/${token}`);
    expect(JSON.stringify(await t.database.ownerQuery('select * from user_tokens'))).not.toContain(token);

    const short = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/password-reset/${token}`,
      payload: { new_password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    const done = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/password-reset/${token}`,
      payload: { new_password: NEW_PASSWORD },
    });
    expect(done.statusCode, done.body).toBe(204);
    expect((await t.call(tech, 'GET', `${P()}/organizations`)).statusCode).toBe(401);
    expect((await t.call(other, 'GET', `${P()}/organizations`)).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: tech.email, password: PASSWORD } }))
        .statusCode,
    ).toBe(401);
    await t.login(tech.email, NEW_PASSWORD);
    const reused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/auth/password-reset/${token}`,
      payload: { new_password: 'yet another passphrase' },
    });
    expect(reused.statusCode).toBe(410);
  });

  it('answers an unknown email exactly as a known one, and sends nothing', async () => {
    const tech = await userWith('technician');
    const since = smtp.received.length;
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: `nobody-${unique()}@nowhere.test` },
    });
    const known = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: tech.email } });
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    await smtp.waitFor(tech.email, { since });
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.slice(since).map((m) => m.to)).toEqual([[tech.email]]);
  });

  it('throttles reset requests per email address', async () => {
    const email = `throttle-${unique()}@nowhere.test`;
    const ask = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    for (let i = 0; i < 3; i++) expect((await ask()).statusCode).toBe(202);
    const fourth = await ask();
    expect(fourth.statusCode).toBe(429);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('changing the password needs the current one and ends the other sessions, not this one', async () => {
    const tech = await userWith('technician');
    const elsewhere = await t.login(tech.email, PASSWORD);
    const wrong = await t.call(tech, 'POST', '/api/v1/me/password', {
      current_password: 'not my password',
      new_password: NEW_PASSWORD,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe('current_password');
    const weak = await t.call(tech, 'POST', '/api/v1/me/password', { current_password: PASSWORD, new_password: 'short' });
    expect(weak.statusCode).toBe(400);
    const ok = await t.call(tech, 'POST', '/api/v1/me/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(ok.statusCode, ok.body).toBe(204);
    expect((await t.call(elsewhere, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(tech, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
    await t.login(tech.email, NEW_PASSWORD);
  });

  it('the profile: read and rename yourself', async () => {
    const me = (await t.call(acme.session, 'GET', '/api/v1/me')).json();
    expect(me).toMatchObject({ id: acme.session.userId, email: acme.email, partner_name: 'Acme IT', status: 'active' });
    expect(JSON.stringify(me)).not.toMatch(/password/);
    const renamed = await t.call(acme.session, 'PATCH', '/api/v1/me', { name: 'Ada Owner', version: me.version });
    expect(renamed.json()).toMatchObject({ name: 'Ada Owner', version: me.version + 1 });
    expect((await t.call(acme.session, 'GET', '/api/v1/auth/session')).json().user.name).toBe('Ada Owner');
    expect((await t.call(acme.session, 'PATCH', '/api/v1/me', { name: 'Stale', version: me.version })).statusCode).toBe(409);
  });
});

describe('the users list (IAM8)', () => {
  it('shows every role with its scope, filters by status, role and search, and pages', async () => {
    const techRole = await roleId('technician');
    const multi = await userWith('technician', { organization_id: orgX });
    const add = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
      user_id: multi.userId,
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    expect(add.statusCode).toBe(201);
    const pending = await invite(acme.session, {
      email: `pending-${unique()}@acme.test`,
      name: 'Zed Pending',
      role_id: techRole,
      scope_type: 'site',
      site_id: siteX1,
    });

    const all = (await t.call(acme.session, 'GET', `${P()}/users?limit=500&include_total=true`)).json();
    expect(all.total).toBe(all.items.length);
    const row = all.items.find((u: { id: string }) => u.id === multi.userId);
    expect(
      row.roles
        .map((r: { role_name: string; organization_name: string | null }) => `${r.role_name}/${r.organization_name}`)
        .sort(),
    ).toEqual(['ReadOnly/null', 'Technician/X Corp']);
    expect(row.last_seen_at === null || typeof row.last_seen_at === 'string').toBe(true);

    const invited = (await t.call(acme.session, 'GET', `${P()}/users?status=invited&limit=500`)).json().items;
    expect(invited.every((u: { status: string }) => u.status === 'invited')).toBe(true);
    expect(invited.map((u: { id: string }) => u.id)).toContain(pending.user.id);

    const techs = (await t.call(acme.session, 'GET', `${P()}/users?role_id=${techRole}&limit=500`)).json().items;
    expect(techs.length).toBeGreaterThan(1);
    expect(techs.every((u: { roles: { role_id: string }[] }) => u.roles.some((r) => r.role_id === techRole))).toBe(true);
    expect(techs.map((u: { id: string }) => u.id)).not.toContain(acme.session.userId);

    const byEmail = (await t.call(acme.session, 'GET', `${P()}/users?q=${encodeURIComponent(multi.email.slice(0, 8))}`)).json()
      .items;
    expect(byEmail.map((u: { id: string }) => u.id)).toEqual([multi.userId]);
    const byName = (await t.call(acme.session, 'GET', `${P()}/users?q=zed%20pend`)).json().items;
    expect(byName.map((u: { id: string }) => u.id)).toEqual([pending.user.id]);

    const page1 = (await t.call(acme.session, 'GET', `${P()}/users?limit=2&sort=-created_at`)).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (await t.call(acme.session, 'GET', `${P()}/users?limit=2&sort=-created_at&cursor=${page1.next_cursor}`)).json();
    expect(page2.items[0].id).not.toBe(page1.items[1].id);

    expect((await t.call(acme.session, 'GET', `${P()}/users?colour=blue`)).statusCode).toBe(400);
    expect((await t.call(acme.session, 'GET', `${P()}/users?status=gone`)).statusCode).toBe(400);
  });

  it('a viewer holding users.view in one organization sees only the users of that organization', async () => {
    const techX = await userWith('technician', { organization_id: orgX });
    const techY = await userWith('technician', { organization_id: orgY });
    const seen = (await t.call(techX, 'GET', `${P()}/users?limit=500`)).json().items as {
      id: string;
      roles: { organization_id: string | null }[];
    }[];
    expect(seen.map((u) => u.id)).toContain(techX.userId);
    expect(seen.map((u) => u.id)).not.toContain(techY.userId);
    expect(seen.map((u) => u.id)).not.toContain(acme.session.userId);
    expect(seen.every((u) => u.roles.every((r) => r.organization_id === orgX))).toBe(true);
    expect((await t.call(techX, 'GET', `${P()}/users/${techY.userId}`)).statusCode).toBe(404);
    const csv = (await t.call(techX, 'GET', `${P()}/users/export`)).body;
    expect(csv).not.toContain(techY.email);
  });

  it('exports CSV with formula cells neutralised, and audits the export', async () => {
    const { user } = await invite(acme.session, {
      email: `csv-${unique()}@acme.test`,
      name: "=cmd|' /C calc'!A0",
      role_id: await roleId('readonly'),
      scope_type: 'partner',
    });
    const res = await t.call(acme.session, 'GET', `${P()}/users/export?q=csv-`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('"name","email","status","roles","last_seen_at","created_at","deleted_at"');
    expect(res.body).toContain(`"'=cmd|' /C calc'!A0","${user.email}","invited","ReadOnly · Acme IT"`);
    expect(res.body).not.toMatch(/(^|,)"=/m);
    const [event] = await t.database.ownerQuery<{ action: string }>(
      `select action from audit_events where tenant_id = $1 order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(event!.action).toBe('user.export');
  });

  it('keeps partners apart: another partner’s user is 404 on every user route', async () => {
    const other = await t.createPartnerWithUser('Far Away MSP');
    for (const [method, suffix] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/suspend'],
      ['POST', '/reactivate'],
      ['POST', '/restore'],
      ['POST', '/resend-invitation'],
    ] as const) {
      const res = await t.call(
        acme.session,
        method,
        `${P()}/users/${other.session.userId}${suffix}`,
        method === 'PATCH' ? { name: 'Mine', version: 1 } : undefined,
      );
      expect(res.statusCode, `${method} ${suffix}`).toBe(404);
    }
    const list = (await t.call(acme.session, 'GET', `${P()}/users?limit=500&include_deleted=true`)).body;
    expect(list).not.toContain(other.email);
  });
});

describe('mail delivery', () => {
  it('a mail the server refuses leaves the user invited, and the answer says it was not sent', async () => {
    const down = await createTestApp({
      config: testConfig({ smtpUrl: 'smtp://mailer:mail-secret@127.0.0.1:9', publicUrl: PUBLIC_URL }),
    });
    try {
      const p = await down.createPartnerWithUser('Mailless MSP');
      const [r] = await down.database.ownerQuery<{ id: string }>(`select id from roles where key = 'readonly'`);
      const res = await down.call(p.session, 'POST', `/api/v1/partners/${p.partnerId}/users/invitations`, {
        email: `nomail-${unique()}@acme.test`,
        name: 'No Mail',
        role_id: r!.id,
        scope_type: 'partner',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ status: 'invited', invitation_sent: false });
    } finally {
      await down.close();
    }
  });

  it('a user created outside the API (seed, first admin) can reset a password like anyone', async () => {
    const email = `seeded-${unique()}@acme.test`;
    await createUserWithPassword(t.database.db, {
      email,
      name: 'Seeded',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'readonly',
    });
    const since = smtp.received.length;
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    expect(linkToken(await smtp.waitFor(email, { since }), 'reset-password')).toBeTruthy();
  });
});
