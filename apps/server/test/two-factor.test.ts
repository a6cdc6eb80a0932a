// IAM2, IAM3; security.md 10-12, 34: TOTP two-factor sign-in enforced by the
// server, recovery codes, trusted browsers, the partner's policy, own sessions.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/platform/auth/throttle.js';
import { createUserWithPassword, type SystemRoleKey } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

/** The code an authenticator app shows `steps` time steps from now. */
const codeAt = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function newUser(partnerId: string | null = acme.partnerId, roleKey: SystemRoleKey = 'owner', app: TestApp = t) {
  const email = `u${Math.random().toString(36).slice(2, 10)}@acme.test`;
  const { id } = await createUserWithPassword(app.database.db, { email, name: 'U', password: PASSWORD, partnerId, roleKey });
  return { email, id };
}

type Answer = { cookies: { name: string; value: string }[]; json: () => { csrf_token: string } };

/** The session a response set (a sign-in, a second step, a confirmed enrolment). */
const sessionSetBy = (res: Answer, before?: Session): Session => ({
  cookie: `crmm_session=${res.cookies.find((c) => c.name === 'crmm_session')!.value}`,
  csrf: res.json().csrf_token,
  userId: before?.userId ?? '',
});

/** The password step. A pending answer carries the CSRF token of the pending session. */
async function passwordStep(email: string, headers: Record<string, string> = {}, app: TestApp = t) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
    headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  return { res, body, session: sessionSetBy(res) };
}

/** Sets up and confirms an authenticator for a signed-in user (code of the current step). */
async function enrol(session: Session, app: TestApp = t) {
  const setup = await app.call(session, 'POST', '/api/v1/me/2fa/setup');
  expect(setup.statusCode, setup.body).toBe(200);
  const { secret } = setup.json<{ secret: string }>();
  const confirmed = await app.call(session, 'POST', '/api/v1/me/2fa/confirm', { code: await codeAt(secret) });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { secret, recoveryCodes: confirmed.json<{ recovery_codes: string[] }>().recovery_codes, confirmed };
}

/** A user with 2FA on, and a signed-in session that went through it. */
async function enrolledUser() {
  const user = await newUser();
  const session = await t.login(user.email);
  const { secret, recoveryCodes } = await enrol(session);
  return { ...user, session, secret, recoveryCodes };
}

const secondFactor = (session: Session, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.call(session, 'POST', '/api/v1/auth/second-factor', body, headers);

/** Lets a test sign in again within the same 30 seconds, when code reuse is not what it is about. */
const forgetUsedStep = (userId: string) =>
  t.database.ownerQuery('update user_totp set last_used_step = null where user_id = $1', [userId]);

describe('enrolment', () => {
  it('shows an otpauth URI and a QR code, and turns on only after a right code', async () => {
    const { email, id } = await newUser();
    const session = await t.login(email);
    const setup = (await t.call(session, 'POST', '/api/v1/me/2fa/setup')).json();
    expect(setup.otpauth_uri).toMatch(
      new RegExp(`^otpauth://totp/CloudRMM:${encodeURIComponent(email)}\\?secret=${setup.secret}&issuer=CloudRMM$`),
    );
    expect(setup.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(setup.qr_code.split(',')[1], 'base64').toString()).toContain('<svg');
    expect((await t.call(session, 'GET', '/api/v1/me/2fa')).json()).toMatchObject({
      enabled: false,
      setup_pending: true,
      recovery_codes_left: 0,
    });

    const wrong = await t.call(session, 'POST', '/api/v1/me/2fa/confirm', {
      code: '000000' === (await codeAt(setup.secret)) ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe('code');

    const confirmed = await t.call(session, 'POST', '/api/v1/me/2fa/confirm', { code: await codeAt(setup.secret) });
    expect(confirmed.statusCode).toBe(200);
    const codes: string[] = confirmed.json().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    const status = (await t.call(session, 'GET', '/api/v1/me/2fa')).json();
    expect(status).toMatchObject({ enabled: true, setup_pending: false, recovery_codes_left: 10, required_by_partner: false });

    // security.md 34: the seed is encrypted (bound to the user), recovery codes are hashes.
    const dump = JSON.stringify(await t.database.ownerQuery('select * from user_totp'));
    expect(dump).not.toContain(setup.secret);
    const [row] = await t.database.ownerQuery<{ secret_encrypted: string; tenant_id: string }>(
      'select * from user_totp where user_id = $1',
      [id],
    );
    expect(row!.tenant_id).toBe(acme.partnerId);
    expect(row!.secret_encrypted).toMatch(/^v1:/);
    expect(t.app.ctx.secrets.decrypt(row!.secret_encrypted, `totp:${id}`)).toBe(setup.secret);
    expect(() => t.app.ctx.secrets.decrypt(row!.secret_encrypted, 'totp:someone-else')).toThrow();
    const everything = JSON.stringify(
      await t.database.ownerQuery('select r.*, t.* from recovery_codes r, user_totp t where r.user_id = t.user_id'),
    );
    for (const c of codes) {
      expect(everything).not.toContain(c);
      expect(everything).not.toContain(c.replace(/-/g, ''));
    }
    expect(JSON.stringify(await t.database.ownerQuery('select * from audit_events'))).not.toContain(setup.secret);
  });

  it('turning 2FA on ends the user’s other sessions, not this one', async () => {
    const { email } = await newUser();
    const other = await t.login(email);
    const current = await t.login(email);
    await enrol(current);
    expect((await t.call(other, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(current, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
  });
});

describe('sign-in with a second factor', () => {
  it('the password alone gives a session that must take the second step; a real code completes it', async () => {
    const u = await enrolledUser();
    const { res, body, session: pending } = await passwordStep(u.email);
    expect(body).toEqual({ second_factor_required: true, enrolment_required: false, csrf_token: expect.any(String) });
    expect(res.cookies.find((c) => c.name === 'crmm_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const refused = await t.call(pending, 'GET', '/api/v1/auth/session');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('second_factor_required');

    const passed = await secondFactor(pending, { code: await codeAt(u.secret, 1) });
    expect(passed.statusCode, passed.body).toBe(200);
    expect(passed.json().user).toMatchObject({ id: u.id, email: u.email });
    const full = sessionSetBy(passed, pending);
    expect(full.cookie).not.toBe(pending.cookie); // a new token once the second factor is in
    expect((await t.call(full, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
    expect((await t.call(pending, 'GET', '/api/v1/auth/session')).json().error.code).toBe('not_authenticated');

    const events = await t.database.ownerQuery<{ action: string; after: Record<string, unknown> }>(
      `select action, after from audit_events where actor_id = $1 and action like 'auth.%' order by id`,
      [u.id],
    );
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ action: 'auth.login', after: expect.objectContaining({ second_factor: 'required' }) }),
      expect.objectContaining({
        action: 'auth.second_factor',
        after: expect.objectContaining({ method: 'totp', browser_trusted: false }),
      }),
    ]);
  });

  it('a code cannot be used twice', async () => {
    const u = await enrolledUser();
    const code = await codeAt(u.secret, 1);
    const first = (await passwordStep(u.email)).session;
    expect((await secondFactor(first, { code })).statusCode).toBe(200);
    const second = (await passwordStep(u.email)).session;
    const replay = await secondFactor(second, { code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('invalid_credentials');
    // nor can the code that confirmed the enrolment
    const third = (await passwordStep(u.email)).session;
    expect((await secondFactor(third, { code: await codeAt(u.secret, 0) })).statusCode).toBe(401);
  });

  it('is throttled per account, even for the right code afterwards', async () => {
    const u = await enrolledUser();
    const { session } = await passwordStep(u.email);
    const right = await codeAt(u.secret, 1);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < LIMITS.second_factor_account; i++)
      expect((await secondFactor(session, { code: wrong })).statusCode).toBe(401);
    const locked = await secondFactor(session, { code: right });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // a new password sign-in does not reset the count
    const again = (await passwordStep(u.email)).session;
    expect((await secondFactor(again, { recovery_code: u.recoveryCodes[0] })).statusCode).toBe(429);
    const failures = await t.database.ownerQuery(
      `select 1 from audit_events where actor_id = $1 and action = 'auth.second_factor_failed'`,
      [u.id],
    );
    expect(failures.length).toBe(LIMITS.second_factor_account);
  });

  it('is throttled per address across accounts', async () => {
    const ipApp = await createTestApp();
    try {
      const enrolled = async () => {
        const { email } = await newUser(null, 'owner', ipApp);
        const { secret } = await enrol(await ipApp.login(email), ipApp);
        return { email, secret };
      };
      // Each account stays under its own limit; together they reach the address's.
      const perAccount = LIMITS.second_factor_account - 1;
      for (let tried = 0; tried < LIMITS.second_factor_ip; tried += perAccount) {
        const u = await enrolled();
        const { session } = await passwordStep(u.email, {}, ipApp);
        const wrong = (await codeAt(u.secret, 1)) === '123456' ? '654321' : '123456';
        for (let i = 0; i < Math.min(perAccount, LIMITS.second_factor_ip - tried); i++) {
          expect((await ipApp.call(session, 'POST', '/api/v1/auth/second-factor', { code: wrong })).statusCode).toBe(401);
        }
      }
      const fresh = await enrolled();
      const { session } = await passwordStep(fresh.email, {}, ipApp);
      const locked = await ipApp.call(session, 'POST', '/api/v1/auth/second-factor', { code: await codeAt(fresh.secret, 1) });
      expect(locked.statusCode).toBe(429);
    } finally {
      await ipApp.close();
    }
  });

  it('a recovery code works once, however it is typed', async () => {
    const u = await enrolledUser();
    const [code] = u.recoveryCodes;
    const first = (await passwordStep(u.email)).session;
    const passed = await secondFactor(first, { recovery_code: ` ${code!.toUpperCase().replace(/-/g, ' ')} ` });
    expect(passed.statusCode, passed.body).toBe(200);
    expect((await t.call(sessionSetBy(passed, first), 'GET', '/api/v1/me/2fa')).json().recovery_codes_left).toBe(9);
    const second = (await passwordStep(u.email)).session;
    const again = await secondFactor(second, { recovery_code: code });
    expect(again.statusCode).toBe(401);
  });

  it('regenerated recovery codes replace the old ones and need proof', async () => {
    const u = await enrolledUser();
    expect((await t.call(u.session, 'POST', '/api/v1/me/2fa/recovery-codes', {})).statusCode).toBe(400);
    const badPassword = await t.call(u.session, 'POST', '/api/v1/me/2fa/recovery-codes', { password: 'not the password' });
    expect(badPassword.statusCode).toBe(400);
    expect(badPassword.json().error.field).toBe('password');
    const fresh = await t.call(u.session, 'POST', '/api/v1/me/2fa/recovery-codes', { password: PASSWORD });
    expect(fresh.statusCode).toBe(200);
    const codes: string[] = fresh.json().recovery_codes;
    expect(codes).toHaveLength(10);
    const pending = (await passwordStep(u.email)).session;
    expect((await secondFactor(pending, { recovery_code: u.recoveryCodes[1] })).statusCode).toBe(401);
    expect((await secondFactor(pending, { recovery_code: codes[0] })).statusCode).toBe(200);
  });

  it('wants exactly one of code and recovery_code, and only from a session waiting for it', async () => {
    const u = await enrolledUser();
    const { session } = await passwordStep(u.email);
    expect((await secondFactor(session, {})).statusCode).toBe(400);
    expect((await secondFactor(session, { code: '123456', recovery_code: u.recoveryCodes[0] })).statusCode).toBe(400);
    const full = await secondFactor(u.session, { code: '123456' });
    expect(full.statusCode).toBe(409);
  });
});

describe('a session that knows only the password (walks the route table)', () => {
  const fill = (url: string) =>
    url
      .replace(':partnerId', acme.partnerId)
      .replace(':organizationId', acme.organizationId)
      .replace(':siteId', acme.siteId)
      .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
  const bodies: Record<string, unknown> = {
    POST: { name: 'Probe' },
    PATCH: { name: 'Probe', version: 1 },
    PUT: { name: 'Probe' },
  };
  const routes = (open: string[]) =>
    t.app.routeTable.filter(
      (r) =>
        r.url.startsWith('/api/') &&
        r.method !== 'HEAD' &&
        r.permission !== 'public' &&
        // agent routes take no user session at all (gateway.test.ts refuses cookies there)
        r.permission !== 'agent' &&
        !open.includes(`${r.method} ${r.url}`),
    );

  it('reaches nothing but the second step and sign-out', async () => {
    const u = await enrolledUser();
    const { session } = await passwordStep(u.email);
    const others = routes(['POST /api/v1/auth/second-factor', 'POST /api/v1/auth/logout']);
    expect(others.length).toBeGreaterThan(20);
    for (const route of others) {
      const res = await t.call(session, route.method as 'GET', fill(route.url), bodies[route.method]);
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.json().error.code, `${route.method} ${route.url}`).toBe('second_factor_required');
    }
    // and the step itself still works afterwards
    expect((await secondFactor(session, { code: await codeAt(u.secret, 1) })).statusCode).toBe(200);
  });

  it('a session sent to enrolment reaches nothing but setup, confirm and sign-out', async () => {
    const p = await t.createPartnerWithUser();
    await enrol(p.session);
    expect((await t.call(p.session, 'PUT', `/api/v1/partners/${p.partnerId}/security`, { require_2fa: true })).statusCode).toBe(
      200,
    );
    const { email } = await newUser(p.partnerId);
    const { body, session } = await passwordStep(email);
    expect(body).toMatchObject({ second_factor_required: true, enrolment_required: true });
    for (const route of routes(['POST /api/v1/me/2fa/setup', 'POST /api/v1/me/2fa/confirm', 'POST /api/v1/auth/logout'])) {
      const res = await t.call(session, route.method as 'GET', fill(route.url), bodies[route.method]);
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.json().error.code, `${route.method} ${route.url}`).toBe('second_factor_required');
    }
  });

  it('is nobody to public routes: signing in again starts over', async () => {
    const u = await enrolledUser();
    const { session } = await passwordStep(u.email);
    const again = await passwordStep(u.email, { cookie: session.cookie });
    expect(again.body.second_factor_required).toBe(true);
    expect((await secondFactor(session, { code: await codeAt(u.secret, 1) })).json().error.code).toBe('not_authenticated');
  });
});

describe('partner policy', () => {
  it('needs security.manage, and 2FA of whoever turns it on', async () => {
    const p = await t.createPartnerWithUser();
    const url = `/api/v1/partners/${p.partnerId}/security`;
    expect((await t.call(p.session, 'GET', url)).json()).toEqual({ require_2fa: false, users_total: 1, users_without_2fa: 1 });
    const refused = await t.call(p.session, 'PUT', url, { require_2fa: true });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('required_by_policy');

    // Administrators have everything except security settings.
    const admin = await t.login((await newUser(p.partnerId, 'administrator')).email);
    expect((await t.call(admin, 'GET', url)).statusCode).toBe(403);
    expect((await t.call(admin, 'PUT', url, { require_2fa: false })).statusCode).toBe(403);
  });

  it('forces enrolment: sessions without 2FA end, the next sign-in sets it up, and it cannot be turned off', async () => {
    const p = await t.createPartnerWithUser();
    const url = `/api/v1/partners/${p.partnerId}/security`;
    await enrol(p.session);
    const member = await newUser(p.partnerId);
    const memberSession = await t.login(member.email);
    const on = await t.call(p.session, 'PUT', url, { require_2fa: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ require_2fa: true, users_total: 2, users_without_2fa: 1 });
    expect((await t.call(memberSession, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(p.session, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);

    const { session: pending } = await passwordStep(member.email);
    expect((await t.call(pending, 'GET', '/api/v1/me/2fa')).json().error.code).toBe('second_factor_required');
    const { confirmed } = await enrol(pending);
    const full = sessionSetBy(confirmed, pending);
    expect(full.cookie).not.toBe(pending.cookie);
    const status = await t.call(full, 'GET', '/api/v1/me/2fa');
    expect(status.json()).toMatchObject({ enabled: true, required_by_partner: true });
    expect((await t.call(full, 'GET', `/api/v1/partners/${p.partnerId}/organizations`)).statusCode).toBe(200);
    expect((await t.call(pending, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const off = await t.call(full, 'POST', '/api/v1/me/2fa/disable', { password: PASSWORD });
    expect(off.statusCode).toBe(422);
    expect(off.json().error.code).toBe('required_by_policy');
    const audit = await t.database.ownerQuery<{ before: unknown; after: unknown }>(
      `select before, after from audit_events where tenant_id = $1 and action = 'partner.security_update'`,
      [p.partnerId],
    );
    expect(audit).toEqual([{ before: { require_2fa: false }, after: { require_2fa: true, sessions_ended: 1 } }]);
  });
});

describe('trusted browsers', () => {
  it('skip the second step for 30 days, until revoked', async () => {
    const u = await enrolledUser();
    const { session } = await passwordStep(u.email);
    const passed = await secondFactor(session, { code: await codeAt(u.secret, 1), trust_device: true });
    expect(passed.statusCode).toBe(200);
    const cookie = passed.cookies.find((c) => c.name === 'crmm_trusted')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/v1' });
    expect(cookie.maxAge).toBe(30 * 24 * 3600);
    const trusted = `crmm_trusted=${cookie.value}`;
    const [row] = await t.database.ownerQuery<{ token_hash: Buffer; days: number }>(
      `select token_hash, round(extract(epoch from expires_at - created_at) / 86400)::int as days from trusted_devices where user_id = $1`,
      [u.id],
    );
    expect(row!.days).toBe(30);
    expect(row!.token_hash.toString('base64url')).not.toBe(cookie.value);

    const skipped = await passwordStep(u.email, { cookie: trusted });
    expect(skipped.body.user).toMatchObject({ id: u.id });
    const full = skipped.session;
    expect((await t.call(full, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);

    // Another user's password with this browser's token still needs the second step.
    const stranger = await enrolledUser();
    expect((await passwordStep(stranger.email, { cookie: trusted })).body.second_factor_required).toBe(true);

    const list = await t.call(full, 'GET', '/api/v1/me/trusted-devices', undefined, { cookie: `${full.cookie}; ${trusted}` });
    expect(list.statusCode).toBe(200);
    const items = list.json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ current: true, ip: '127.0.0.1' });
    expect(list.body).not.toContain('token');
    expect((await t.call(full, 'GET', '/api/v1/me/trusted-devices')).json().items[0].current).toBe(false);

    expect((await t.call(full, 'DELETE', `/api/v1/me/trusted-devices/${items[0].id}`)).statusCode).toBe(204);
    expect((await t.call(full, 'DELETE', `/api/v1/me/trusted-devices/${items[0].id}`)).statusCode).toBe(404);
    expect((await passwordStep(u.email, { cookie: trusted })).body.second_factor_required).toBe(true);
    expect((await t.call(full, 'GET', '/api/v1/me/trusted-devices')).json().items).toEqual([]);
  });

  it('end when the password changes or 2FA is turned off', async () => {
    const u = await enrolledUser();
    const trust = async (steps: number) => {
      await forgetUsedStep(u.id);
      const { session } = await passwordStep(u.email);
      const passed = await secondFactor(session, { code: await codeAt(u.secret, steps), trust_device: true });
      expect(passed.statusCode, passed.body).toBe(200);
      return `crmm_trusted=${passed.cookies.find((c) => c.name === 'crmm_trusted')!.value}`;
    };
    const first = await trust(1);
    await t.database.ownerQuery(`update users set password_hash = password_hash || '' where id = $1`, [u.id]); // no change: kept
    expect((await passwordStep(u.email, { cookie: first })).body.user).toBeDefined();
    // a new password (and back, so the test can still sign in)
    const [row] = await t.database.ownerQuery<{ hash: string }>('select password_hash as hash from users where id = $1', [u.id]);
    await t.database.ownerQuery(`update users set password_hash = 'x' where id = $1`, [u.id]);
    await t.database.ownerQuery(`update users set password_hash = $2 where id = $1`, [u.id, row!.hash]);
    expect((await passwordStep(u.email, { cookie: first })).body.second_factor_required).toBe(true);

    const second = await trust(1);
    const other = (await passwordStep(u.email, { cookie: second })).session;
    const current = (await passwordStep(u.email, { cookie: second })).session;
    const off = await t.call(current, 'POST', '/api/v1/me/2fa/disable', { password: PASSWORD });
    expect(off.statusCode, off.body).toBe(204);
    expect((await t.call(other, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(current, 'GET', '/api/v1/me/2fa')).json()).toMatchObject({ enabled: false, recovery_codes_left: 0 });
    const revoked = await t.database.ownerQuery<{ revoked_reason: string }>(
      'select revoked_reason from trusted_devices where user_id = $1 order by created_at',
      [u.id],
    );
    expect(revoked.map((r) => r.revoked_reason)).toEqual(['password changed', 'two-factor sign-in turned off']);
    // without 2FA the password is enough again
    expect((await passwordStep(u.email)).body.user).toBeDefined();
  });
});

describe('my sessions', () => {
  it('lists them with the current one marked, ends one, or all the others', async () => {
    const { email } = await newUser();
    const a = await t.login(email);
    const b = await t.login(email);
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
      headers: { 'user-agent': 'Firefox/140 on Linux' },
    });
    const cs: Session = {
      cookie: `crmm_session=${c.cookies.find((x) => x.name === 'crmm_session')!.value}`,
      csrf: c.json().csrf_token,
      userId: c.json().user.id,
    };

    const list = await t.call(a, 'GET', '/api/v1/me/sessions');
    expect(list.statusCode).toBe(200);
    const items: { id: string; current: boolean; user_agent: string; state: string; ip: string }[] = list.json().items;
    expect(items).toHaveLength(3);
    expect(items.filter((s) => s.current)).toHaveLength(1);
    expect(items.find((s) => s.user_agent === 'Firefox/140 on Linux')).toMatchObject({
      state: 'active',
      ip: '127.0.0.1',
      current: false,
    });
    expect(list.body).not.toMatch(/token/);

    const bId = (await t.call(b, 'GET', '/api/v1/me/sessions')).json().items.find((s: { current: boolean }) => s.current).id;
    expect((await t.call(a, 'DELETE', `/api/v1/me/sessions/${bId}`)).statusCode).toBe(204);
    expect((await t.call(b, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(a, 'DELETE', `/api/v1/me/sessions/${bId}`)).statusCode).toBe(404);

    const others = await t.call(a, 'POST', '/api/v1/me/sessions/revoke-others');
    expect(others.json()).toEqual({ revoked: 1 });
    expect((await t.call(cs, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    expect((await t.call(a, 'GET', '/api/v1/me/sessions')).json().items).toHaveLength(1);

    // ending this one signs out
    const mine = (await t.call(a, 'GET', '/api/v1/me/sessions')).json().items[0].id;
    const self = await t.call(a, 'DELETE', `/api/v1/me/sessions/${mine}`);
    expect(self.statusCode).toBe(204);
    expect(self.cookies.find((x) => x.name === 'crmm_session')?.value).toBe('');
    expect((await t.call(a, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('someone else’s session is not found, and is left alone', async () => {
    const other = await t.createPartnerWithUser();
    const theirs = (await t.call(other.session, 'GET', '/api/v1/me/sessions')).json().items[0].id;
    const res = await t.call(acme.session, 'DELETE', `/api/v1/me/sessions/${theirs}`);
    expect(res.statusCode).toBe(404);
    expect((await t.call(other.session, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
    const mineOnly = (await t.call(acme.session, 'GET', '/api/v1/me/sessions')).json().items;
    expect(mineOnly.some((s: { id: string }) => s.id === theirs)).toBe(false);
  });

  it('shows a session still waiting for its second factor', async () => {
    const u = await enrolledUser();
    await passwordStep(u.email);
    const states = (await t.call(u.session, 'GET', '/api/v1/me/sessions')).json().items.map((s: { state: string }) => s.state);
    expect(states).toContain('awaiting_second_factor');
  });
});
