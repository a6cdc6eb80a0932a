// security.md rules 5, 7, 8, 13, 21, 33: default deny, no setup path, one path
// view for router and guard, Origin checks, static files stay in their folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { SecretBox } from '../src/platform/secrets.js';
import { createTestApp, testConfig, type PartnerFixture, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let webDir: string;

beforeAll(async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-web-'));
  webDir = path.join(root, 'dist');
  await fs.mkdir(path.join(webDir, 'assets'), { recursive: true });
  await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>CloudRMM</title><div id="root"></div>');
  await fs.writeFile(path.join(webDir, 'assets', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(root, 'secret.txt'), 'TOP-SECRET-OUTSIDE-WEB-DIR');
  t = await createTestApp({ config: testConfig({ webDir }) });
  acme = await t.createPartnerWithUser('Acme IT');
});
afterAll(() => t.close());

describe('default deny', () => {
  it('refuses to start when a route declares no permission', async () => {
    const app = await buildApp({
      config: testConfig(),
      db: t.database.db,
      log: pino({ level: 'silent' }),
      secrets: new SecretBox(randomBytes(32)),
      extraRoutes: async (r) => {
        r.get('/api/v1/forgotten', async () => ({ secret: true }));
      },
    });
    await expect(app.ready()).rejects.toThrow(/GET \/api\/v1\/forgotten declares no permission/);
  });

  it('refuses to start when a route names a permission that is not in the catalog', async () => {
    const app = await buildApp({
      config: testConfig(),
      db: t.database.db,
      log: pino({ level: 'silent' }),
      secrets: new SecretBox(randomBytes(32)),
      extraRoutes: async (r) => {
        r.get('/api/v1/typo', { config: { permission: 'organisations.view' } }, async () => ({}));
      },
    });
    await expect(app.ready()).rejects.toThrow(/unknown permission "organisations.view"/);
  });
});

describe('paths', () => {
  const setupVariants = [
    '/setup',
    '/SETUP',
    '/Setup/',
    '/setup/',
    '//setup',
    '/setup;x',
    '/%73etup',
    '/%2e/setup',
    '/./setup',
    '/a/../setup',
    '/api/v1/setup',
    '/api/v1/SETUP',
    '/api//v1/setup',
    '/api/v1/%2e%2e/v1/setup',
    '/api/v1/setup;jsessionid=1',
    '/api/v1/auth/setup',
    '/api/v1/auth/register',
    '/api/v1/users',
    '/install',
    '/wizard',
  ];

  it('there is no first-run setup endpoint under any path variant', async () => {
    for (const url of setupVariants) {
      for (const method of ['POST', 'PUT'] as const) {
        const res = await t.app.inject({ method, url, payload: { email: 'evil@x.test', password: 'evil-password-123' } });
        expect([404, 400], `${method} ${url}`).toContain(res.statusCode);
      }
    }
    const admins = await t.database.ownerQuery(`select id from users where email = 'evil@x.test'`);
    expect(admins).toEqual([]);
  });

  it('variants of a protected path never get past the guard', async () => {
    const p = acme.partnerId;
    const variants = [
      '/api/v1//partners',
      '/API/v1/partners',
      '/api/V1/partners',
      '/api/v1/Partners',
      '/api/v1/partners/',
      '/api/v1/partners;x',
      '/api/v1/./partners',
      '/api/v1/%2e/partners',
      '/api/v1/x/../partners',
      `/api/v1/partners/${p}/organizations%2f`,
      `/api/v1/partners/${p}//organizations`,
      `/api/v1/partners/${p.toUpperCase()}/organizations`,
      '/api/v1/partners%00',
      '/api/v1/partners?x=1#frag',
      '/%61pi/v1/partners',
    ];
    for (const url of variants) {
      const res = await t.app.inject({ method: 'GET', url });
      // 403 is the static file server refusing a path with '//' in it
      expect([400, 401, 403, 404], `GET ${url} → ${res.statusCode}`).toContain(res.statusCode);
      expect(Object.keys(res.json()), url).toEqual(['error']); // an error, never data
    }
  });

  it('static files cannot escape the dashboard folder', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/assets/app.js' })).body).toBe('console.log(1)');
    for (const url of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('TOP-SECRET');
    }
  });

  it('unknown dashboard paths get the single-page app; unknown API paths a JSON 404', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/partners/123/organizations' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });
});

describe('browser protections', () => {
  it('refuses state-changing requests from a foreign Origin, even with a valid session and CSRF token', async () => {
    const url = `/api/v1/partners/${acme.partnerId}/organizations`;
    const evil = await t.call(acme.session, 'POST', url, { name: 'From evil' }, { origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('origin_refused');
    const loginEvil = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: acme.email, password: 'x' },
      headers: { origin: 'https://evil.example' },
    });
    expect(loginEvil.statusCode).toBe(403);
    const same = await t.call(acme.session, 'POST', url, { name: 'From here' }, { origin: 'http://localhost:3000' });
    expect(same.statusCode).toBe(201);
  });

  it('sends security headers and no-store on API answers', async () => {
    const res = await t.call(acme.session, 'GET', '/api/v1/auth/session');
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('a partner user gets 403 for a permission they lack on something they can see', async () => {
    const res = await t.call(acme.session, 'PATCH', `/api/v1/partners/${acme.partnerId}`, { name: 'Renamed', version: 1 });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('partners.manage');
  });
});
