// security.md 14, 24, 34, 35: plant known secrets through every feature that takes
// one, then look for them in a dump of the whole database and in every log line.
import { Writable } from 'node:stream';
import { ENROLL_PATH, PROTOCOL_VERSION } from '@cloudrmm/protocol';
import { generate } from 'otplib';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestAgent, wsBase } from './support/agents.js';
import { createTestApp, PASSWORD, type TestApp } from './support/app.js';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ log: pino({ level: 'trace' }, sink) });
});
afterAll(() => t.close());

const siteUrl = (f: { partnerId: string; organizationId: string; siteId: string }) =>
  `/api/v1/partners/${f.partnerId}/organizations/${f.organizationId}/sites/${f.siteId}`;

/** Every row of every table, as text, with bytea shown as hex: what a stolen backup holds. */
async function dumpDatabase(): Promise<string> {
  const tables = await t.database.ownerQuery<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  expect(tables.length).toBeGreaterThan(10);
  const parts: string[] = [];
  for (const { schema, name } of tables) {
    const rows = await t.database.ownerQuery(`select row_to_json(x)::text as j from "${schema}"."${name}" x`);
    parts.push(`-- ${schema}.${name}\n`, ...rows.map((r) => String(r.j)));
  }
  return parts.join('\n');
}

it('no planted secret is stored or logged in plaintext', async () => {
  const acme = await t.createPartnerWithUser('Canary Co');
  const canaries: Record<string, string> = { password: PASSWORD };

  // a failed sign-in with a secret-looking password — once while the audit table
  // refuses writes, so the server logs an error for a request carrying the secret
  canaries.wrongPassword = 'CANARY-wrong-password-7f3a';
  await t.database.ownerQuery('revoke insert on audit_events from cloudrmm_runtime');
  try {
    const failed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: acme.email, password: canaries.wrongPassword },
    });
    expect(failed.statusCode).toBe(500);
  } finally {
    await t.database.ownerQuery('grant insert on audit_events to cloudrmm_runtime');
  }
  expect(logLines.join('')).toContain('request failed');

  // the session token in the cookie
  canaries.sessionToken = acme.session.cookie.split('=')[1]!;

  // a TOTP seed, confirmed, and its recovery codes
  const setup = await t.call(acme.session, 'POST', '/api/v1/me/2fa/setup');
  expect(setup.statusCode).toBe(200);
  canaries.totpSeed = setup.json().secret;
  const confirm = await t.call(acme.session, 'POST', '/api/v1/me/2fa/confirm', {
    code: await generate({ secret: canaries.totpSeed! }),
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  const codes: string[] = confirm.json().recovery_codes;
  expect(codes.length).toBe(10);
  canaries.recoveryCode = codes[0]!;

  // an SSO client secret
  canaries.ssoSecret = 'CANARY-sso-client-secret-91bd';
  const sso = await t.call(acme.session, 'PATCH', `/api/v1/partners/${acme.partnerId}/sso`, {
    issuer_url: 'https://idp.example.com',
    client_id: 'cloudrmm',
    client_secret: canaries.ssoSecret,
    allowed_domains: ['canary.test'],
    version: 0,
  });
  expect(sso.statusCode, sso.body).toBe(200);

  // an API key, used once
  const key = await t.call(acme.session, 'POST', '/api/v1/me/api-keys', {
    name: 'canary',
    permissions: ['organizations.view'],
    scope_type: 'partner',
    partner_id: acme.partnerId,
  });
  expect(key.statusCode, key.body).toBe(201);
  canaries.apiKey = key.json().secret;
  const used = await t.app.inject({
    method: 'GET',
    url: `/api/v1/partners/${acme.partnerId}/organizations`,
    headers: { authorization: `Bearer ${canaries.apiKey}` },
  });
  expect(used.statusCode).toBe(200);

  // an enrollment token made through the API, and the agent credential it pays for, used once on the agent socket
  const site = siteUrl(acme);
  const made = await t.call(acme.session, 'POST', `${site}/enrollment-tokens`, { name: 'canary' });
  expect(made.statusCode, made.body).toBe(201);
  canaries.enrollmentToken = made.json().token;
  canaries.enrollmentTokenSecret = canaries.enrollmentToken!.slice(-43);
  const enroll = () =>
    t.app.inject({
      method: 'POST',
      url: ENROLL_PATH,
      payload: {
        token: canaries.enrollmentToken,
        hostname: 'canary-pc',
        agent_version: '0.1.0',
        protocol_version: PROTOCOL_VERSION,
        os: 'linux',
        arch: 'x64',
      },
    });
  // once failing inside (the audit write refused), so the server logs an error for a request carrying the token
  await t.database.ownerQuery('revoke insert on audit_events from cloudrmm_runtime');
  try {
    expect((await enroll()).statusCode).toBe(500);
  } finally {
    await t.database.ownerQuery('grant insert on audit_events to cloudrmm_runtime');
  }
  const enrolled = await enroll();
  expect(enrolled.statusCode, enrolled.body).toBe(201);
  canaries.agentCredential = enrolled.json().credential;
  canaries.agentSecret = canaries.agentCredential!.slice(-43);
  const agent = await TestAgent.open(wsBase(await t.app.listen({ host: '127.0.0.1', port: 0 })), canaries.agentCredential!);
  await agent.next('welcome');
  agent.close();
  await agent.closed;
  // and replayed, so the refusal is logged with its reason
  expect((await enroll()).statusCode).toBe(403);

  const dump = await dumpDatabase();
  const logs = logLines.join('');
  expect(logs.length).toBeGreaterThan(0);
  expect(logs).toContain('enrollment refused');
  for (const [what, secret] of Object.entries(canaries)) {
    expect(secret.length, what).toBeGreaterThanOrEqual(8);
    const hex = Buffer.from(secret).toString('hex');
    expect(dump.includes(secret), `${what} in the database`).toBe(false);
    expect(dump.includes(hex), `${what} (hex) in the database`).toBe(false);
    expect(logs.includes(secret), `${what} in the logs`).toBe(false);
  }
  // and no response ever carries a password hash or a sealed secret
  for (const url of [
    '/api/v1/auth/session',
    `/api/v1/partners/${acme.partnerId}/sso`,
    '/api/v1/me/api-keys',
    `/api/v1/partners/${acme.partnerId}/audit-events?limit=500`,
  ]) {
    const res = await t.call(acme.session, 'GET', url);
    expect(res.body, url).not.toMatch(/\$argon2|v1:[0-9a-f]{8}:/);
    for (const [what, secret] of Object.entries(canaries)) expect(res.body.includes(secret), `${what} in ${url}`).toBe(false);
  }
});

it('the public install page and scripts of a site carry its code, and no token, tenant name or id (security.md 24)', async () => {
  const acme = await t.createPartnerWithUser('Hidden Partner');
  const site = siteUrl(acme);
  const code = (await t.call(acme.session, 'GET', `${site}/enrollment`)).json().site_code as string;
  const made = await t.call(acme.session, 'POST', `${site}/enrollment-tokens`, { name: 'live', max_uses: 5 });
  expect(made.statusCode, made.body).toBe(201);
  const token = made.json().token as string;
  const org = await t.tenancy.getOrganization(acme.partnerId, acme.organizationId);
  const s = await t.tenancy.getSite(acme.partnerId, acme.organizationId, acme.siteId);
  const tenantWords = ['Hidden Partner', org.name, s.name, acme.partnerId, acme.organizationId, acme.siteId];
  // enrollment.test.ts checks the page for tenant names and ids; here the scripts too, and tokens everywhere.
  for (const [path, checkTenant] of [
    ['', false],
    ['/linux.sh', true],
    ['/macos.sh', true],
    ['/windows.ps1', true],
  ] as const) {
    const res = await t.app.inject({ method: 'GET', url: `/install/${code}${path}` });
    expect(res.statusCode, path).toBe(200);
    expect(res.body, path).toContain(code);
    expect(res.body, path).not.toContain(token);
    expect(res.body, path).not.toMatch(/cret_[a-z0-9]{8}_[A-Za-z0-9_-]{43}/);
    if (checkTenant) for (const word of tenantWords) expect(res.body, `${word} in ${path}`).not.toContain(word);
  }
});
