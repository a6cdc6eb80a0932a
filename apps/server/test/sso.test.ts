// IAM7: single sign-on through OpenID Connect, against a real local identity
// provider (oidc-provider) — settings, discovery, sign-in and just-in-time
// provisioning, and the checks that must refuse a sign-in.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import { FLOW_COOKIE, openFlow, sealFlow } from '../src/modules/sso/sso.flow.js';
import { OidcClients } from '../src/modules/sso/sso.oidc.js';
import { freePort } from './support/ports.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';
import { signInAtIdp, startTestIdp, type TestIdp } from './support/test-idp.js';

let t: TestApp;
let idp: TestIdp;
let acme: PartnerFixture;
let other: PartnerFixture;
let technicianRoleId: string;
const DOMAIN = 'acme-sso.test';

beforeAll(async () => {
  t = await createTestApp();
  idp = await startTestIdp({ redirectUris: [`${t.app.ctx.config.publicUrl}/api/v1/auth/sso/callback`] });
  acme = await t.createPartnerWithUser('Acme SSO');
  other = await t.createPartnerWithUser('Other MSP');
  const [role] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = 'technician'`);
  technicianRoleId = role!.id;
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});

const settingsUrl = (partnerId: string) => `/api/v1/partners/${partnerId}/sso`;
const getSettings = async (as: Session, partnerId = acme.partnerId) => (await t.call(as, 'GET', settingsUrl(partnerId))).json();
const patch = async (body: Record<string, unknown>, as: Session = acme.session, partnerId = acme.partnerId) => {
  const { version } = await getSettings(as, partnerId);
  return t.call(as, 'PATCH', settingsUrl(partnerId), { version, ...body });
};
const discover = async (email: string) =>
  (await t.app.inject({ method: 'POST', url: '/api/v1/auth/sso/discover', payload: { email } })).json();
const cookieOf = (res: LightMyRequestResponse, name: string) => res.cookies.find((c) => c.name === name);

/** Goes to the start URL, signs in at the identity provider, and returns the callback URL plus this browser's flow cookie. */
async function throughIdp(login: string, options: { cancel?: boolean; query?: string } = {}) {
  const start = await t.app.inject({ method: 'GET', url: `/api/v1/auth/sso/acme-sso/start${options.query ?? ''}` });
  expect(start.statusCode).toBe(302);
  const flowCookie = cookieOf(start, FLOW_COOKIE)!;
  const callback = await signInAtIdp(start.headers.location as string, login, options);
  return { start, callback, flowCookie: `${FLOW_COOKIE}=${flowCookie.value}` };
}

function finish(callback: URL, cookie: string | null) {
  return t.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: cookie ? { cookie } : {} });
}

const loginError = (res: LightMyRequestResponse) => {
  expect(res.statusCode).toBe(302);
  return new URL(res.headers.location as string, 'http://x').searchParams.get('error');
};

describe('settings', () => {
  it('start empty, and cannot be enabled half-configured', async () => {
    const empty = await getSettings(acme.session);
    expect(empty).toMatchObject({
      enabled: false,
      require_sso: false,
      client_secret_set: false,
      allowed_domains: [],
      version: 0,
      issuer_url: '',
    });
    expect(empty.redirect_uri).toBe(`${t.app.ctx.config.publicUrl}/api/v1/auth/sso/callback`);
    const half = await t.call(acme.session, 'PATCH', settingsUrl(acme.partnerId), {
      version: 0,
      enabled: true,
      issuer_url: idp.issuer,
    });
    expect(half.statusCode).toBe(400);
    expect(half.json().error.field).toBe('client_id');
    const required = await t.call(acme.session, 'PATCH', settingsUrl(acme.partnerId), { version: 0, require_sso: true });
    expect(required.json().error).toMatchObject({ code: 'validation_failed', field: 'require_sso' });
  });

  it('are saved with the client secret encrypted, and never return it', async () => {
    const res = await t.call(acme.session, 'PATCH', settingsUrl(acme.partnerId), {
      version: 0,
      issuer_url: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      allowed_domains: [`@${DOMAIN.toUpperCase()}`, 'acme-sso.test'],
      default_role_id: technicianRoleId,
      enabled: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      enabled: true,
      client_secret_set: true,
      allowed_domains: [DOMAIN],
      default_role_id: technicianRoleId,
      version: 1,
    });
    expect(res.json().start_url).toBe(`${t.app.ctx.config.publicUrl}/api/v1/auth/sso/acme-sso/start`);
    expect(res.body).not.toContain(idp.clientSecret);
    expect((await t.call(acme.session, 'GET', settingsUrl(acme.partnerId))).body).not.toContain(idp.clientSecret);

    // As the database owner: only ciphertext, bound to this partner.
    const [row] = await t.database.ownerQuery<{ client_secret_encrypted: string }>(
      'select client_secret_encrypted from sso_settings where tenant_id = $1',
      [acme.partnerId],
    );
    expect(row!.client_secret_encrypted).toMatch(/^v1:/);
    expect(row!.client_secret_encrypted).not.toContain(idp.clientSecret);
    expect(t.app.ctx.secrets.decrypt(row!.client_secret_encrypted, `sso:${acme.partnerId}`)).toBe(idp.clientSecret);
    expect(() => t.app.ctx.secrets.decrypt(row!.client_secret_encrypted, `sso:${other.partnerId}`)).toThrow();
    const dump = JSON.stringify(await t.database.ownerQuery('select * from audit_events'));
    expect(dump).not.toContain(idp.clientSecret);
    const [event] = await t.database.ownerQuery<{ after: { changed: string[] } }>(
      `select after from audit_events where tenant_id = $1 and action = 'sso.update' order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(event!.after.changed).toEqual(expect.arrayContaining(['issuer_url', 'enabled', 'client_secret']));
  });

  it('keep the stored secret when a change leaves it out, and refuse a stale version', async () => {
    const [before] = await t.database.ownerQuery<{ client_secret_encrypted: string }>(
      'select client_secret_encrypted from sso_settings where tenant_id = $1',
      [acme.partnerId],
    );
    const res = await patch({ client_id: ` ${idp.clientId} ` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ client_secret_set: true, client_id: idp.clientId, version: 2 });
    const [after] = await t.database.ownerQuery<{ client_secret_encrypted: string }>(
      'select client_secret_encrypted from sso_settings where tenant_id = $1',
      [acme.partnerId],
    );
    expect(after!.client_secret_encrypted).toBe(before!.client_secret_encrypted);
    const stale = await t.call(acme.session, 'PATCH', settingsUrl(acme.partnerId), { version: 1, enabled: false });
    expect(stale.statusCode).toBe(409);
  });

  it('refuse a domain another partner already uses, bad domains, foreign roles and plain-HTTP issuers behind TLS', async () => {
    const taken = await patch({ allowed_domains: [DOMAIN] }, other.session, other.partnerId);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ field: 'allowed_domains' });
    expect(taken.json().error.message).toContain(DOMAIN);
    expect((await patch({ allowed_domains: ['not a domain'] }, other.session, other.partnerId)).json().error.field).toBe(
      'allowed_domains',
    );

    const [custom] = await t.database.ownerQuery<{ id: string }>(
      `insert into roles (tenant_id, name) values ($1, 'Acme helpers') returning id`,
      [acme.partnerId],
    );
    const foreignRole = await patch({ default_role_id: custom!.id }, other.session, other.partnerId);
    expect(foreignRole.json().error).toMatchObject({ code: 'validation_failed', field: 'default_role_id' });
    expect((await patch({ default_role_id: custom!.id })).statusCode).toBe(200);
    expect((await patch({ default_role_id: technicianRoleId })).statusCode).toBe(200);

    expect((await patch({ issuer_url: 'ftp://idp.example' }, other.session, other.partnerId)).json().error.field).toBe(
      'issuer_url',
    );
    expect(new OidcClients(false).issuerProblem('http://idp.example')).toMatch(/https/);
    expect(new OidcClients(false).issuerProblem('https://idp.example/tenant')).toBeNull();
  });

  it('need sso.manage: a technician of the partner cannot see them', async () => {
    const email = `helper@${DOMAIN.replace('acme', 'helper')}`;
    await createUserWithPassword(t.database.db, {
      email,
      name: 'Helper',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'technician',
    });
    const helper = await t.login(email);
    expect((await t.call(helper, 'GET', settingsUrl(acme.partnerId))).statusCode).toBe(403);
    expect((await t.call(helper, 'PATCH', settingsUrl(acme.partnerId), { version: 1, enabled: false })).statusCode).toBe(403);
  });

  it('test the connection by discovery, and say clearly what failed', async () => {
    const ok = (await t.call(acme.session, 'POST', `${settingsUrl(acme.partnerId)}/test`, {})).json();
    expect(ok).toMatchObject({ ok: true, issuer: idp.issuer, token_endpoint: `${idp.issuer}/token` });
    expect(ok.authorization_endpoint).toContain(idp.issuer);

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = (await t.call(acme.session, 'POST', `${settingsUrl(acme.partnerId)}/test`, { issuer_url: closed })).json();
    expect(down).toMatchObject({ ok: false });
    expect(down.message).toContain('could not connect');

    const wrongIssuer = (
      await t.call(acme.session, 'POST', `${settingsUrl(acme.partnerId)}/test`, { issuer_url: `${idp.issuer}/elsewhere` })
    ).json();
    expect(wrongIssuer.ok).toBe(false);
    const [event] = await t.database.ownerQuery<{ after: { ok: boolean } }>(
      `select after from audit_events where tenant_id = $1 and action = 'sso.test' order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(event!.after.ok).toBe(false);
  });
});

describe('discovery', () => {
  it('answers by email domain only, with the same shape otherwise', async () => {
    expect(await discover(`anyone@${DOMAIN}`)).toEqual({
      sso: true,
      start_url: '/api/v1/auth/sso/acme-sso/start',
      required: false,
    });
    expect(await discover(`ANYONE@${DOMAIN.toUpperCase()}`)).toMatchObject({ sso: true });
    expect(await discover('someone@elsewhere.test')).toEqual({ sso: false });
    expect(await discover('not-an-email')).toEqual({ sso: false });
    expect(await discover(other.email)).toEqual({ sso: false });
  });

  it('says nothing for a partner whose sign-on is disabled', async () => {
    await patch({ enabled: false });
    expect(await discover(`anyone@${DOMAIN}`)).toEqual({ sso: false });
    expect(loginError(await t.app.inject({ method: 'GET', url: '/api/v1/auth/sso/acme-sso/start' }))).toBe('sso_unavailable');
    await patch({ enabled: true });
    expect(loginError(await t.app.inject({ method: 'GET', url: '/api/v1/auth/sso/no-such-partner/start' }))).toBe(
      'sso_unavailable',
    );
  });
});

describe('sign-in', () => {
  it('redirects to the identity provider with PKCE, state and nonce, kept in an HttpOnly cookie', async () => {
    const start = await t.app.inject({
      method: 'GET',
      url: `/api/v1/auth/sso/acme-sso/start?login_hint=${encodeURIComponent(`new.person@${DOMAIN}`)}`,
    });
    expect(start.statusCode).toBe(302);
    const to = new URL(start.headers.location as string);
    expect(to.origin).toBe(idp.issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: idp.clientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      redirect_uri: `${t.app.ctx.config.publicUrl}/api/v1/auth/sso/callback`,
      login_hint: `new.person@${DOMAIN}`,
    });
    expect(to.searchParams.get('state')).toBeTruthy();
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const flow = cookieOf(start, FLOW_COOKIE)!;
    expect(flow).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/v1/auth/sso/callback' });
    expect(flow.value).not.toContain(to.searchParams.get('state')!);
  });

  it('provisions a new person just in time with the default role, and signs them in', async () => {
    const { callback, flowCookie } = await throughIdp(`new.person@${DOMAIN}`);
    expect(callback.pathname).toBe('/api/v1/auth/sso/callback');
    const res = await finish(callback, flowCookie);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/');
    const session = cookieOf(res, 'crmm_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: { cookie: `crmm_session=${session.value}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ email: `new.person@${DOMAIN}`, partner_id: acme.partnerId, name: 'Test new.person' });
    expect(me.json().permissions).toContain('organizations.manage');
    expect(me.json().permissions).not.toContain('sso.manage');

    const [user] = await t.database.ownerQuery<{ id: string; tenant_id: string; password_hash: string | null; status: string }>(
      'select id, tenant_id, password_hash, status from users where email = $1',
      [`new.person@${DOMAIN}`],
    );
    expect(user).toMatchObject({ tenant_id: acme.partnerId, password_hash: null, status: 'active' });
    const assignments = await t.database.ownerQuery(
      'select tenant_id, role_id, scope_type from role_assignments where user_id = $1',
      [user!.id],
    );
    expect(assignments).toEqual([{ tenant_id: acme.partnerId, role_id: technicianRoleId, scope_type: 'partner' }]);
    const actions = (
      await t.database.ownerQuery<{ action: string }>(
        'select action from audit_events where tenant_id = $1 and actor_label = $2 order by seq',
        [acme.partnerId, `new.person@${DOMAIN}`],
      )
    ).map((e) => e.action);
    expect(actions).toEqual(['user.provision', 'auth.login']);
  });

  it('signs an existing person in again without provisioning, back to where they were going', async () => {
    const target = `/partners/${acme.partnerId}/organizations`;
    const { callback, flowCookie } = await throughIdp(`new.person@${DOMAIN}`, {
      query: `?redirect=${encodeURIComponent(target)}`,
    });
    const res = await finish(callback, flowCookie);
    expect(res.headers.location).toBe(target);
    expect(await t.database.ownerQuery('select id from users where email = $1', [`new.person@${DOMAIN}`])).toHaveLength(1);
    const [login] = await t.database.ownerQuery<{ after: { provisioned: boolean; method: string } }>(
      `select after from audit_events where tenant_id = $1 and action = 'auth.login' order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(login!.after).toMatchObject({ method: 'sso', provisioned: false });

    // No open redirect.
    const away = await throughIdp(`new.person@${DOMAIN}`, { query: `?redirect=${encodeURIComponent('//evil.example/x')}` });
    expect((await finish(away.callback, away.flowCookie)).headers.location).toBe('/');
  });

  it('refuses an email outside the allowed domains', async () => {
    const { callback, flowCookie } = await throughIdp('someone@elsewhere.test');
    const res = await finish(callback, flowCookie);
    expect(loginError(res)).toBe('sso_domain');
    expect(cookieOf(res, 'crmm_session')).toBeUndefined();
    expect(await t.database.ownerQuery('select id from users where email = $1', ['someone@elsewhere.test'])).toEqual([]);
    const [failed] = await t.database.ownerQuery<{ actor_label: string; after: { code: string } }>(
      `select actor_label, after from audit_events where tenant_id = $1 and action = 'auth.login_failed' order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(failed).toMatchObject({ actor_label: 'someone@elsewhere.test', after: { code: 'sso_domain' } });
  });

  it('refuses an email the identity provider marks unverified', async () => {
    const { callback, flowCookie } = await throughIdp(`unverified.someone@${DOMAIN}`);
    expect(loginError(await finish(callback, flowCookie))).toBe('sso_email_unverified');
    expect(await t.database.ownerQuery('select id from users where email = $1', [`someone@${DOMAIN}`])).toEqual([]);
  });

  it('never matches a user of another partner, or platform staff, with the same email', async () => {
    const theirs = `taken@${DOMAIN}`;
    const { id } = await createUserWithPassword(t.database.db, {
      email: theirs,
      name: 'Other',
      password: PASSWORD,
      partnerId: other.partnerId,
      roleKey: 'owner',
    });
    const { callback, flowCookie } = await throughIdp(theirs);
    const res = await finish(callback, flowCookie);
    expect(loginError(res)).toBe('sso_email_in_use');
    expect(cookieOf(res, 'crmm_session')).toBeUndefined();
    expect(await t.database.ownerQuery('select user_id from sessions where user_id = $1', [id])).toEqual([]);

    const staff = `staff@${DOMAIN}`;
    await createUserWithPassword(t.database.db, {
      email: staff,
      name: 'Staff',
      password: PASSWORD,
      partnerId: null,
      roleKey: 'owner',
    });
    const second = await throughIdp(staff);
    expect(loginError(await finish(second.callback, second.flowCookie))).toBe('sso_email_in_use');
  });

  it('accepts an invitation by signing in, and refuses a suspended account', async () => {
    const invited = `invited@${DOMAIN}`;
    const { id } = await createUserWithPassword(t.database.db, {
      email: invited,
      name: 'Invited',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'readonly',
    });
    await t.database.ownerQuery(`update users set status = 'invited' where id = $1`, [id]);
    const first = await throughIdp(invited);
    expect((await finish(first.callback, first.flowCookie)).headers.location).toBe('/');
    expect(await t.database.ownerQuery('select status from users where id = $1', [id])).toEqual([{ status: 'active' }]);
    expect(
      await t.database.ownerQuery(`select 1 from audit_events where action = 'user.activate' and target_id = $1`, [id]),
    ).toHaveLength(1);

    await t.database.ownerQuery(`update users set status = 'suspended' where id = $1`, [id]);
    const second = await throughIdp(invited);
    expect(loginError(await finish(second.callback, second.flowCookie))).toBe('sso_account_disabled');
  });

  it('refuses a tampered state, a tampered nonce, a missing or edited flow cookie, and a replayed code', async () => {
    const tamperedState = await throughIdp(`new.person@${DOMAIN}`);
    tamperedState.callback.searchParams.set('state', 'attacker-state');
    expect(loginError(await finish(tamperedState.callback, tamperedState.flowCookie))).toBe('sso_state');

    // A flow sealed with the right key but another nonce: the ID token's nonce no longer matches.
    const tamperedNonce = await throughIdp(`new.person@${DOMAIN}`);
    const sealed = decodeURIComponent(tamperedNonce.flowCookie.slice(FLOW_COOKIE.length + 1));
    const flow = openFlow(t.app.ctx.secrets, sealed)!;
    const forged = sealFlow(t.app.ctx.secrets, { ...flow, nonce: 'attacker-nonce' });
    expect(loginError(await finish(tamperedNonce.callback, `${FLOW_COOKIE}=${encodeURIComponent(forged)}`))).toBe('sso_failed');
    const [failed] = await t.database.ownerQuery<{ after: { reason: string } }>(
      `select after from audit_events where tenant_id = $1 and action = 'auth.login_failed' order by seq desc limit 1`,
      [acme.partnerId],
    );
    expect(failed!.after.reason).toMatch(/nonce/);

    // Another browser (no cookie), or an edited cookie, gets nowhere.
    const noCookie = await throughIdp(`new.person@${DOMAIN}`);
    expect(loginError(await finish(noCookie.callback, null))).toBe('sso_expired');
    const edited = noCookie.flowCookie.slice(0, -3) + (noCookie.flowCookie.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(loginError(await finish(noCookie.callback, edited))).toBe('sso_expired');

    // An authorization code works once.
    const once = await throughIdp(`new.person@${DOMAIN}`);
    expect((await finish(once.callback, once.flowCookie)).headers.location).toBe('/');
    expect(loginError(await finish(once.callback, once.flowCookie))).toBe('sso_failed');
  });

  it('reports a sign-in cancelled at the identity provider', async () => {
    const { callback, flowCookie } = await throughIdp(`new.person@${DOMAIN}`, { cancel: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(loginError(await finish(callback, flowCookie))).toBe('sso_denied');
  });
});

describe('require single sign-on', () => {
  const passwordLogin = (email: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });

  it('blocks password sign-in for the partner’s users, whatever their email, but never platform staff or other partners', async () => {
    const staff = `staff2@${DOMAIN}`;
    await createUserWithPassword(t.database.db, {
      email: staff,
      name: 'Staff',
      password: PASSWORD,
      partnerId: null,
      roleKey: 'owner',
    });
    expect((await passwordLogin(acme.email)).statusCode).toBe(200);

    const res = await patch({ require_sso: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(await discover(`anyone@${DOMAIN}`)).toMatchObject({ sso: true, required: true });

    const blocked = await passwordLogin(acme.email);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toMatchObject({ code: 'sso_required' });
    expect(blocked.json().error.message).toMatch(/single sign-on/);
    // Unknown emails of the domain answer alike, whatever the password.
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: `nobody@${DOMAIN}`, password: 'wrong wrong wrong' },
    });
    expect(unknown.statusCode).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: acme.email, password: 'wrong wrong wrong' },
        })
      ).statusCode,
    ).toBe(403);

    expect((await passwordLogin(staff)).statusCode).toBe(200);
    expect((await passwordLogin(other.email)).statusCode).toBe(200);

    // Single sign-on itself still works.
    const { callback, flowCookie } = await throughIdp(`new.person@${DOMAIN}`);
    expect((await finish(callback, flowCookie)).headers.location).toBe('/');

    expect((await patch({ enabled: false })).json().error.field).toBe('require_sso');
    expect((await patch({ require_sso: false })).statusCode).toBe(200);
    expect((await passwordLogin(acme.email)).statusCode).toBe(200);
  });
});
