// IAM1, IAM3; security.md rules 9, 11-14: sign-in, sessions, throttling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/platform/auth/throttle.js';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import { createTestApp, PASSWORD, testConfig, type PartnerFixture, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });

async function newUser(partnerId: string | null = acme.partnerId) {
  const email = `u${Math.random().toString(36).slice(2, 10)}@acme.test`;
  await createUserWithPassword(t.database.db, { email, name: 'U', password: PASSWORD, partnerId, roleKey: 'owner' });
  return email;
}

describe('sign-in', () => {
  it('sets an HttpOnly SameSite session cookie and returns the session, no secrets', async () => {
    const res = await login(acme.email.toUpperCase(), PASSWORD);
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'crmm_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy(); // plain http on localhost
    const body = res.json();
    expect(body.user).toMatchObject({ email: acme.email, partner_id: acme.partnerId, is_platform_admin: false });
    expect(body.partner).toMatchObject({ id: acme.partnerId, name: 'Acme IT' });
    expect(body.permissions).toContain('organizations.manage');
    expect(body.permissions).not.toContain('partners.manage');
    expect(res.body).not.toMatch(/argon2|password/i);
    const hashes = await t.database.ownerQuery<{ password_hash: string }>('select password_hash from users');
    expect(hashes.every((h) => h.password_hash.startsWith('$argon2id$'))).toBe(true);
  });

  it('marks the cookie Secure when CloudRMM is served over https', async () => {
    const secure = await createTestApp({ config: testConfig({ publicUrl: 'https://rmm.example.com' }) });
    try {
      const email = `s@secure.test`;
      await createUserWithPassword(secure.database.db, {
        email,
        name: 'S',
        password: PASSWORD,
        partnerId: null,
        roleKey: 'owner',
      });
      const res = await secure.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
      expect(res.cookies.find((c) => c.name === 'crmm_session')!.secure).toBe(true);
      expect(res.headers['strict-transport-security']).toContain('max-age=');
    } finally {
      await secure.close();
    }
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    const email = await newUser();
    const wrong = await login(email, 'not the password at all');
    const unknown = await login('nobody@nowhere.test', 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.json().error.code).toBe('invalid_credentials');
  });

  it('spends a password verification on unknown users too (no user-probing by timing)', async () => {
    const email = await newUser();
    const time = async (e: string) => {
      const start = performance.now();
      await login(e, 'wrong password 123');
      return performance.now() - start;
    };
    await time('warmup@nowhere.test');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time(email));
      unknown.push(await time(`ghost${i}@nowhere.test`));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[1]!;
    // Without the decoy verification an unknown user answers in well under a tenth of the time.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    const email = await newUser();
    for (let i = 0; i < LIMITS.account; i++) expect((await login(email, `wrong-${i}`)).statusCode).toBe(401);
    const locked = await login(email, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('throttles one address across accounts and ignores X-Forwarded-For from untrusted peers', async () => {
    const ipApp = await createTestApp();
    try {
      for (let i = 0; i < LIMITS.ip; i++) {
        // a fresh claimed client address every time: must not reset the count
        const res = await ipApp.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `spray${i}@victim.test`, password: 'Winter2026!' },
          headers: { 'x-forwarded-for': `203.0.113.${i}` },
        });
        expect(res.statusCode).toBe(401);
      }
      const res = await ipApp.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'other@victim.test', password: 'x' },
      });
      expect(res.statusCode).toBe(429);
    } finally {
      await ipApp.close();
    }
  });

  it('uses X-Forwarded-For only from a configured proxy', async () => {
    const proxied = await createTestApp({ config: testConfig({ trustedProxies: ['127.0.0.1'] }) });
    try {
      for (let i = 0; i < LIMITS.ip; i++) {
        await proxied.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `a${i}@x.test`, password: 'x' },
          headers: { 'x-forwarded-for': '198.51.100.7' },
        });
      }
      const sameClient = await proxied.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'b@x.test', password: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      const otherClient = await proxied.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'b@x.test', password: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.8' },
      });
      expect(sameClient.statusCode).toBe(429);
      expect(otherClient.statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
  });
});

describe('sessions', () => {
  it('rotate on sign-in: the cookie a browser had before stops working', async () => {
    const email = await newUser();
    const first = await t.login(email);
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
      headers: { cookie: first.cookie },
    });
    expect(second.statusCode).toBe(200);
    expect((await t.call(first, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const fresh = `crmm_session=${second.cookies.find((c) => c.name === 'crmm_session')!.value}`;
    expect(fresh).not.toBe(first.cookie);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: fresh } })).statusCode).toBe(200);
  });

  it('end at logout', async () => {
    const s = await t.login(await newUser());
    expect((await t.call(s, 'POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    expect((await t.call(s, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('expire absolutely, whatever the activity', async () => {
    const s = await t.login(await newUser());
    expect((await t.call(s, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
    await t.database.ownerQuery(`update sessions set expires_at = now() - interval '1 second' where user_id = $1`, [s.userId]);
    expect((await t.call(s, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('stop working when the user is suspended or the partner is deleted', async () => {
    const s = await t.login(await newUser());
    await t.database.ownerQuery(`update users set status = 'suspended' where id = $1`, [s.userId]);
    expect((await t.call(s, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);

    const other = await t.createPartnerWithUser();
    await t.database.ownerQuery(`update partners set deleted_at = now() where id = $1`, [other.partnerId]);
    expect((await t.call(other.session, 'GET', '/api/v1/auth/session')).statusCode).toBe(401);
    const refused = await login(other.email, PASSWORD);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('partner');
    expect(refused.cookies.find((c) => c.name === 'crmm_session')).toBeUndefined();
  });

  it('store only a hash of the token', async () => {
    const s = await t.login(await newUser());
    const token = s.cookie.split('=')[1]!;
    const rows = await t.database.ownerQuery<{ token_hash: Buffer }>('select token_hash from sessions where user_id = $1', [
      s.userId,
    ]);
    expect(rows.length).toBe(1);
    expect(rows[0]!.token_hash.toString('base64url')).not.toBe(token);
    expect(rows[0]!.token_hash.includes(Buffer.from(token))).toBe(false);
  });
});
