// AGT1, AGT2; security.md 23-24: site codes, one-time tokens, the enrollment
// endpoint agents call, and the public install page.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_CREDENTIAL_PATTERN } from '@cloudrmm/protocol';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentCredential, secretMatches } from '../src/modules/devices/agent-credential.js';
import { installPage } from '../src/modules/enrollment/install/page.js';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { LIMITS } from '../src/platform/auth/throttle.js';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import { CONTENT_SECURITY_POLICY } from '../src/platform/http/security-headers.js';
import { createTestApp, PASSWORD, testConfig, type PartnerFixture, type Session, type TestApp } from './support/app.js';

const PUBLIC_URL = 'http://localhost:3000';
const WINDOWS_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const LINUX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** Every log line of the server, and every secret it handed out: none may meet (security.md 35). */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});
const issuedSecrets: string[] = [];

let t: TestApp;
let acme: PartnerFixture;
let globex: PartnerFixture;
let bundleDir: string;
let bundlePath: string;
const bundleBytes = Buffer.from('#!/usr/bin/env node\nconsole.log("a stand-in for the agent bundle");\n');

beforeAll(async () => {
  bundleDir = mkdtempSync(path.join(tmpdir(), 'cloudrmm-bundle-'));
  bundlePath = path.join(bundleDir, 'cloudrmm-agent.mjs');
  writeFileSync(bundlePath, bundleBytes);
  t = await createTestApp({
    config: testConfig({ publicUrl: PUBLIC_URL, agentBundle: bundlePath }),
    log: pino({ level: 'trace' }, logSink),
  });
  acme = await t.createPartnerWithUser('Acme Secret Partner');
  globex = await t.createPartnerWithUser('Globex Hidden Partner');
});
afterAll(async () => {
  await t.close();
  rmSync(bundleDir, { recursive: true, force: true });
});

const siteUrl = (f: { partnerId: string; organizationId: string; siteId: string }) =>
  `/api/v1/partners/${f.partnerId}/organizations/${f.organizationId}/sites/${f.siteId}`;

let ipCounter = 1;
/** Each test from its own address, so the lock-out of guessed codes stays in the test that is about it. */
const freshIp = () => `10.0.${Math.floor(ipCounter / 250)}.${ipCounter++ % 250}`;

async function enroll(body: Record<string, unknown>, ip = '127.0.0.1') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/agent/v1/enroll',
    remoteAddress: ip,
    payload: { hostname: 'pc-01', agent_version: '0.1.0', protocol_version: 1, os: 'linux', arch: 'x64', ...body },
  });
  if (res.statusCode === 201) issuedSecrets.push(res.json().credential);
  return res;
}

async function siteCode(f: PartnerFixture, session: Session = f.session): Promise<string> {
  const res = await t.call(session, 'GET', `${siteUrl(f)}/enrollment`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().site_code;
}

async function newToken(
  f: { partnerId: string; organizationId: string; siteId: string },
  body: object = {},
  session = acme.session,
) {
  const res = await t.call(session, 'POST', `${siteUrl(f)}/enrollment-tokens`, body);
  expect(res.statusCode, res.body).toBe(201);
  issuedSecrets.push(res.json().token);
  return res.json() as { id: string; token: string; prefix: string; command: Record<string, string> };
}

const auditDump = async (tenantId: string) =>
  JSON.stringify(await t.database.ownerQuery('select * from audit_events where tenant_id = $1', [tenantId]));

function expectRefused(res: { statusCode: number; json: () => unknown }, message: string) {
  expect(res.statusCode).toBe(403);
  expect(res.json()).toEqual({ error: { code: 'enrollment_refused', message } });
}

describe('site code', () => {
  it('is made on first read, with its install link and commands, and stays the same until rotated', async () => {
    const res = await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.site_code).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(body).toMatchObject({ enabled: true, rotated_at: null, install_url: `${PUBLIC_URL}/install/${body.site_code}` });
    expect(body.commands.linux).toBe(`curl -fsSL '${PUBLIC_URL}/install/${body.site_code}/linux.sh' | sudo sh`);
    expect(body.commands.macos).toBe(`curl -fsSL '${PUBLIC_URL}/install/${body.site_code}/macos.sh' | sudo sh`);
    expect(body.commands.windows).toBe(`& ([scriptblock]::Create((irm '${PUBLIC_URL}/install/${body.site_code}/windows.ps1')))`);
    expect(await siteCode(acme)).toBe(body.site_code);
    // Audited once, and the code itself never reaches the audit log (its readers need not hold devices.enroll).
    const created = await t.database.ownerQuery(
      `select 1 from audit_events where tenant_id = $1 and action = 'site_enrollment.create' and target_id = $2`,
      [acme.partnerId, acme.siteId],
    );
    expect(created).toHaveLength(1);
    expect(await auditDump(acme.partnerId)).not.toContain(body.site_code);
  });

  it('rotating it makes the old code and install link stop working', async () => {
    const old = await siteCode(acme);
    const res = await t.call(acme.session, 'POST', `${siteUrl(acme)}/enrollment/rotate`);
    expect(res.statusCode).toBe(200);
    const fresh = res.json();
    expect(fresh.site_code).not.toBe(old);
    expect(fresh.rotated_at).not.toBeNull();
    expect(await siteCode(acme)).toBe(fresh.site_code);

    expectRefused(await enroll({ site_code: old }, freshIp()), 'unknown site code');
    expect((await t.app.inject({ method: 'GET', url: `/install/${old}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/install/${old}/linux.sh` })).statusCode).toBe(404);
    expect((await enroll({ site_code: fresh.site_code })).statusCode).toBe(201);
    expect(await auditDump(acme.partnerId)).not.toContain(fresh.site_code);
  });

  it('disabling it refuses enrollment and the install link, enabling it again restores both', async () => {
    const code = await siteCode(acme);
    const off = await t.call(acme.session, 'PATCH', `${siteUrl(acme)}/enrollment`, { enabled: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ enabled: false, site_code: code });
    expectRefused(await enroll({ site_code: code }), 'enrollment by site code is disabled for this site');
    const page = await t.app.inject({ method: 'GET', url: `/install/${code}` });
    expect(page.statusCode).toBe(404);

    const on = await t.call(acme.session, 'PATCH', `${siteUrl(acme)}/enrollment`, { enabled: true });
    expect(on.json().enabled).toBe(true);
    expect((await enroll({ site_code: code })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: `/install/${code}` })).statusCode).toBe(200);
  });
});

describe('enrolling', () => {
  it('by site code creates a device under the site and a credential of which the server keeps only a hash', async () => {
    const code = await siteCode(acme);
    const res = await enroll({ site_code: code, hostname: 'web-07.acme.lan' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      partner_id: acme.partnerId,
      organization_id: acme.organizationId,
      site_id: acme.siteId,
      server_version: expect.any(String),
      // The command key the agent verifies every command with (AGT18).
      command_key: { key_id: expect.stringMatching(/^[0-9a-f]{16}$/), public_key: expect.any(String) },
    });
    expect(body.credential).toMatch(AGENT_CREDENTIAL_PATTERN);
    const parsed = parseAgentCredential(body.credential)!;
    expect(parsed.agentId).toBe(body.agent_id);

    const [device] = await t.database.ownerQuery('select * from devices where id = $1', [body.device_id]);
    expect(device).toMatchObject({
      tenant_id: acme.partnerId,
      organization_id: acme.organizationId,
      site_id: acme.siteId,
      hostname: 'web-07.acme.lan',
      platform: 'linux',
      remote_ip: '127.0.0.1',
    });
    const [agent] = await t.database.ownerQuery<{ secret_hash: Buffer; enrolled_via: string; device_id: string }>(
      'select * from agents where id = $1',
      [body.agent_id],
    );
    expect(agent).toMatchObject({ device_id: body.device_id, enrolled_via: 'site_code' });
    expect(agent!.secret_hash).toEqual(createHash('sha256').update(parsed.secret).digest());
    expect(secretMatches(parsed.secret, agent!.secret_hash)).toBe(true);

    // The secret is nowhere else: not in the agent row as text, not in the audit log.
    const dump = JSON.stringify(await t.database.ownerQuery('select * from agents')) + (await auditDump(acme.partnerId));
    expect(dump).not.toContain(parsed.secret);
    const [event] = await t.database.ownerQuery<{ actor_type: string; actor_id: string; after: Record<string, unknown> }>(
      `select * from audit_events where tenant_id = $1 and action = 'device.enroll' and target_id = $2`,
      [acme.partnerId, body.device_id],
    );
    expect(event).toMatchObject({
      actor_type: 'agent',
      actor_id: body.agent_id,
      after: { via: 'site_code', hostname: 'web-07.acme.lan', site_id: acme.siteId },
    });
  });

  it('needs a site code or a token, and nothing unknown', async () => {
    const none = await enroll({});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('validation_failed');
    const extra = await enroll({ site_code: await siteCode(acme), tenant_id: globex.partnerId });
    expect(extra.statusCode).toBe(400);
  });

  it('an unknown site code is refused', async () => {
    expectRefused(await enroll({ site_code: 'A'.repeat(32) }, freshIp()), 'unknown site code');
    expectRefused(await enroll({ site_code: 'not a code; rm -rf /' }, freshIp()), 'unknown site code');
  });

  it('a deleted site enrolls nothing', async () => {
    const site = await t.tenancy.createSite(acme.partnerId, acme.organizationId, { name: 'Closing Soon' }, SYSTEM_ACTOR);
    const s = { ...acme, siteId: site.id };
    const code = (await t.call(acme.session, 'GET', `${siteUrl(s)}/enrollment`)).json().site_code;
    const { token } = await newToken(s);
    await t.tenancy.deleteSite(acme.partnerId, acme.organizationId, site.id, SYSTEM_ACTOR);
    const message = 'this site has been deleted; ask your IT provider for a new install link or token';
    expectRefused(await enroll({ site_code: code }), message);
    expectRefused(await enroll({ token }), message);
    expect((await t.app.inject({ method: 'GET', url: `/install/${code}` })).statusCode).toBe(404);
    expect((await t.call(acme.session, 'GET', `${siteUrl(s)}/enrollment`)).statusCode).toBe(409);
  });
});

describe('tokens', () => {
  it('are shown once, stored as a hash, listed by prefix, and enroll under their site', async () => {
    const created = await newToken(acme, { name: 'Laptop rollout', max_uses: 1, expires_in_hours: 2 });
    expect(created.token).toMatch(/^cret_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.token.slice(0, 13));
    expect(created).toMatchObject({ name: 'Laptop rollout', max_uses: 1, use_count: 0, status: 'active', revoked_at: null });
    expect(Date.parse((created as unknown as { expires_at: string }).expires_at) - Date.now()).toBeGreaterThan(119 * 60_000);
    expect(created.command.linux).toBe(`curl -fsSL '${PUBLIC_URL}/install/linux.sh' | sudo sh -s -- --token '${created.token}'`);
    expect(created.command.windows).toContain(`-Token '${created.token}'`);

    const [row] = await t.database.ownerQuery<{ token_hash: Buffer }>('select * from enrollment_tokens where id = $1', [
      created.id,
    ]);
    expect(row!.token_hash).toEqual(createHash('sha256').update(created.token).digest());
    expect(JSON.stringify(row)).not.toContain(created.token.slice(14));

    const list = await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment-tokens`);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.token.slice(14));
    expect(list.json().items.find((i: { id: string }) => i.id === created.id)).toMatchObject({
      prefix: created.prefix,
      status: 'active',
      created_by: acme.session.userId,
    });

    const res = await enroll({ token: created.token, hostname: 'laptop-1' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ partner_id: acme.partnerId, organization_id: acme.organizationId, site_id: acme.siteId });
    const [agent] = await t.database.ownerQuery('select enrolled_via, enrollment_token_id from agents where id = $1', [
      res.json().agent_id,
    ]);
    expect(agent).toEqual({ enrolled_via: 'token', enrollment_token_id: created.id });
    const after = (await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment-tokens`)).json();
    expect(after.items.find((i: { id: string }) => i.id === created.id)).toMatchObject({
      use_count: 1,
      status: 'exhausted',
      last_used_at: expect.any(String),
    });
    const [event] = await t.database.ownerQuery<{ after: Record<string, unknown> }>(
      `select after from audit_events where tenant_id = $1 and action = 'device.enroll' and target_id = $2`,
      [acme.partnerId, res.json().device_id],
    );
    expect(event!.after).toMatchObject({ via: 'token', via_id: created.id, via_prefix: created.prefix });
    expect(await auditDump(acme.partnerId)).not.toContain(created.token.slice(14));
  });

  it('a one-time token cannot be replayed', async () => {
    const { token } = await newToken(acme);
    expect((await enroll({ token })).statusCode).toBe(201);
    expectRefused(await enroll({ token }), 'this enrollment token has been used up');
  });

  it('a token enrolls at most max_uses devices, one after another or all at once', async () => {
    const { token } = await newToken(acme, { max_uses: 3 });
    for (let i = 0; i < 3; i++) expect((await enroll({ token, hostname: `seq-${i}` })).statusCode).toBe(201);
    expectRefused(await enroll({ token }), 'this enrollment token has been used up');

    const burst = await newToken(acme, { max_uses: 3 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => enroll({ token: burst.token, hostname: `burst-${i}` })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    for (const r of results.filter((x) => x.statusCode === 403))
      expect(r.json().error.message).toBe('this enrollment token has been used up');
    const agents = await t.database.ownerQuery('select 1 from agents where enrollment_token_id = $1', [burst.id]);
    expect(agents).toHaveLength(3);
    const [row] = await t.database.ownerQuery('select use_count from enrollment_tokens where id = $1', [burst.id]);
    expect(row).toEqual({ use_count: 3 });
  });

  it('an expired token is refused', async () => {
    const { id, token } = await newToken(acme, { max_uses: 5 });
    await t.database.ownerQuery(`update enrollment_tokens set expires_at = now() - interval '1 minute' where id = $1`, [id]);
    expectRefused(await enroll({ token }), 'this enrollment token has expired');
    const list = (await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment-tokens?status=expired`)).json();
    expect(list.items.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('a revoked token is refused; revoking twice is no error', async () => {
    const { id, token } = await newToken(acme, { max_uses: 5 });
    const url = `${siteUrl(acme)}/enrollment-tokens/${id}`;
    expect((await t.call(acme.session, 'DELETE', url)).statusCode).toBe(204);
    expect((await t.call(acme.session, 'DELETE', url)).statusCode).toBe(204);
    expectRefused(await enroll({ token }), 'this enrollment token was revoked');
    const list = (await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment-tokens?status=revoked`)).json();
    expect(list.items.find((i: { id: string }) => i.id === id)).toMatchObject({
      status: 'revoked',
      revoked_at: expect.any(String),
    });
    const revokes = await t.database.ownerQuery(
      `select 1 from audit_events where tenant_id = $1 and action = 'enrollment_token.revoke' and target_id = $2`,
      [acme.partnerId, id],
    );
    expect(revokes).toHaveLength(1);
  });

  it('an unknown or malformed token is refused', async () => {
    expectRefused(
      await enroll({ token: `cret_abcdefgh_${randomBytes(32).toString('base64url')}` }, freshIp()),
      'unknown enrollment token',
    );
    expectRefused(await enroll({ token: 'crmm_not_an_enrollment_token' }, freshIp()), 'unknown enrollment token');
  });

  it('is bound to its site: with another site’s code, of this partner or another, it is refused', async () => {
    const { token } = await newToken(acme, { max_uses: 10 });
    expectRefused(await enroll({ token, site_code: await siteCode(globex) }), 'the token belongs to another site');
    const second = await t.tenancy.createSite(acme.partnerId, acme.organizationId, { name: 'Second Office' }, SYSTEM_ACTOR);
    const secondCode = (await t.call(acme.session, 'GET', `${siteUrl({ ...acme, siteId: second.id })}/enrollment`)).json()
      .site_code;
    expectRefused(await enroll({ token, site_code: secondCode }), 'the token belongs to another site');
    // With its own site's code it is fine.
    expect((await enroll({ token, site_code: await siteCode(acme) })).statusCode).toBe(201);
  });

  it('a token of another site of the same partner is not listed or revocable through this site', async () => {
    const second = await t.tenancy.createSite(acme.partnerId, acme.organizationId, { name: 'Third Office' }, SYSTEM_ACTOR);
    const other = { ...acme, siteId: second.id };
    const { id } = await newToken(other);
    const list = (await t.call(acme.session, 'GET', `${siteUrl(acme)}/enrollment-tokens?limit=500`)).json();
    expect(list.items.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await t.call(acme.session, 'DELETE', `${siteUrl(acme)}/enrollment-tokens/${id}`)).statusCode).toBe(404);
  });

  it('pages newest first', async () => {
    const site = await t.tenancy.createSite(acme.partnerId, acme.organizationId, { name: 'Paging Office' }, SYSTEM_ACTOR);
    const s = { ...acme, siteId: site.id };
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await newToken(s, { name: `t${i}` })).id);
    const first = (await t.call(acme.session, 'GET', `${siteUrl(s)}/enrollment-tokens?limit=2`)).json();
    expect(first.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    const rest = (
      await t.call(acme.session, 'GET', `${siteUrl(s)}/enrollment-tokens?limit=2&cursor=${first.next_cursor}`)
    ).json();
    expect(rest).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    expect((await t.call(acme.session, 'GET', `${siteUrl(s)}/enrollment-tokens?bogus=1`)).statusCode).toBe(400);
  });
});

describe('guessing codes and tokens', () => {
  it('locks an address out after too many unknown codes or tokens, and not the others', async () => {
    const ip = '10.99.0.1';
    for (let i = 0; i < LIMITS.enrollment_ip; i++) {
      const res = await enroll(
        i % 2 ? { site_code: randomBytes(16).toString('hex') } : { token: `cret_guessing_${'x'.repeat(43)}` },
        ip,
      );
      expect(res.statusCode).toBe(403);
    }
    const code = await siteCode(acme);
    const locked = await enroll({ site_code: code }, ip);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const page = await t.app.inject({ method: 'GET', url: `/install/${code}`, remoteAddress: ip });
    expect(page.statusCode).toBe(429);
    // Refusals of known tokens do not count: they are no guesses.
    expect((await enroll({ site_code: code }, '10.99.0.2')).statusCode).toBe(201);
  });

  it('counts unknown install links like unknown codes', async () => {
    const ip = '10.99.0.3';
    for (let i = 0; i < LIMITS.enrollment_ip; i++) {
      const res = await t.app.inject({ method: 'GET', url: `/install/${randomBytes(16).toString('hex')}`, remoteAddress: ip });
      expect(res.statusCode).toBe(404);
    }
    expect((await enroll({ site_code: await siteCode(acme) }, ip)).statusCode).toBe(429);
  });
});

describe('who may see enrollment secrets', () => {
  it('a user without devices.enroll (ReadOnly) gets 403 everywhere and never a code or token', async () => {
    const email = `ro-${randomBytes(4).toString('hex')}@acme.test`;
    await createUserWithPassword(t.database.db, {
      email,
      name: 'RO',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'readonly',
    });
    const ro = await t.login(email);
    const code = await siteCode(acme);
    const { id } = await newToken(acme);
    const base = siteUrl(acme);
    const calls: [string, string, unknown?][] = [
      ['GET', `${base}/enrollment`],
      ['POST', `${base}/enrollment/rotate`],
      ['PATCH', `${base}/enrollment`, { enabled: false }],
      ['GET', `${base}/enrollment-tokens`],
      ['POST', `${base}/enrollment-tokens`, {}],
      ['DELETE', `${base}/enrollment-tokens/${id}`],
    ];
    for (const [method, url, body] of calls) {
      const res = await t.call(ro, method as 'GET', url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.body).not.toContain(code);
      expect(res.body).not.toContain('cret_');
    }
    expect(await siteCode(acme)).toBe(code);
  });

  it('a user of another partner gets 404, with their own partner id or not', async () => {
    const base = siteUrl(acme);
    expect((await t.call(globex.session, 'GET', `${base}/enrollment`)).statusCode).toBe(404);
    expect((await t.call(globex.session, 'GET', `${base}/enrollment-tokens`)).statusCode).toBe(404);
    const mixed = `/api/v1/partners/${globex.partnerId}/organizations/${acme.organizationId}/sites/${acme.siteId}`;
    for (const [method, url] of [
      ['GET', `${mixed}/enrollment`],
      ['POST', `${mixed}/enrollment/rotate`],
      ['GET', `${mixed}/enrollment-tokens`],
      ['POST', `${mixed}/enrollment-tokens`],
    ] as const) {
      const res = await t.call(globex.session, method, url, method === 'POST' ? {} : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // Nothing was made for acme's site in globex's name behind those 404s.
    expect(
      await t.database.ownerQuery('select 1 from site_enrollment_codes where tenant_id = $1 and site_id = $2', [
        globex.partnerId,
        acme.siteId,
      ]),
    ).toEqual([]);
  });
});

describe('install page', () => {
  it('shows the three commands with the visitor’s system first', async () => {
    const code = await siteCode(acme);
    const win = await t.app.inject({ method: 'GET', url: `/install/${code}`, headers: { 'user-agent': WINDOWS_UA } });
    expect(win.statusCode).toBe(200);
    expect(win.headers['content-type']).toContain('text/html');
    const order = (html: string) => [...html.matchAll(/<section class="os[^"]*" id="(\w+)"/g)].map((m) => m[1]);
    expect(order(win.body)).toEqual(['windows', 'linux', 'macos']);
    expect(win.body).toContain('<section class="os detected" id="windows">');
    // Every command is there, escaped, selectable in a <pre>.
    expect(win.body).toContain(
      `<pre><code>&amp; ([scriptblock]::Create((irm &#39;${PUBLIC_URL}/install/${code}/windows.ps1&#39;)))</code></pre>`,
    );
    expect(win.body).toContain(`<pre><code>curl -fsSL &#39;${PUBLIC_URL}/install/${code}/linux.sh&#39; | sudo sh</code></pre>`);
    expect(win.body).toContain(`<pre><code>curl -fsSL &#39;${PUBLIC_URL}/install/${code}/macos.sh&#39; | sudo sh</code></pre>`);

    const linux = await t.app.inject({ method: 'GET', url: `/install/${code}`, headers: { 'user-agent': LINUX_UA } });
    expect(order(linux.body)).toEqual(['linux', 'macos', 'windows']);
    const mac = await t.app.inject({ method: 'GET', url: `/install/${code}`, headers: { 'user-agent': MAC_UA } });
    expect(order(mac.body)[0]).toBe('macos');
    const unknown = await t.app.inject({ method: 'GET', url: `/install/${code}`, headers: { 'user-agent': 'curl/8.5' } });
    expect(order(unknown.body)).toEqual(['linux', 'macos', 'windows']);
    expect(unknown.body).not.toContain('detected');
  });

  it('reveals nothing but the site code', async () => {
    const code = await siteCode(acme);
    const res = await t.app.inject({ method: 'GET', url: `/install/${code}`, headers: { 'user-agent': LINUX_UA } });
    const site = await t.tenancy.getSite(acme.partnerId, acme.organizationId, acme.siteId);
    const org = await t.tenancy.getOrganization(acme.partnerId, acme.organizationId);
    for (const secret of ['Acme', 'Secret Partner', org.name, site.name, acme.partnerId, acme.organizationId, acme.siteId]) {
      expect(res.body).not.toContain(secret);
    }
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('passes the CSP: no inline script or style, its stylesheet served from the same origin', async () => {
    const code = await siteCode(acme);
    const res = await t.app.inject({ method: 'GET', url: `/install/${code}` });
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.body).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i);
    expect(res.body).toContain('<link rel="stylesheet" href="/install/assets/install.css">');
    const css = await t.app.inject({ method: 'GET', url: '/install/assets/install.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('escapes what it shows', () => {
    const html = installPage({
      siteCode: 'abc',
      commands: { linux: `<script>alert(1)</script>`, macos: `"&'`, windows: '<img src=x onerror=alert(1)>' },
      userAgent: '<b>',
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&amp;&#39;');
  });

  it('a bad, unknown or foreign-looking code gets the not-valid page', async () => {
    for (const url of ['/install/short', `/install/${'Z'.repeat(32)}`, '/install/%3Cscript%3E', `/install/${'a'.repeat(200)}`]) {
      const res = await t.app.inject({ method: 'GET', url, remoteAddress: freshIp() });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain(
        'This install link is not valid (it may have been rotated or disabled). Ask your IT provider for a new one.',
      );
      expect(res.body).not.toContain('<script');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
    const script = await t.app.inject({ method: 'GET', url: `/install/${'Z'.repeat(32)}/linux.sh`, remoteAddress: freshIp() });
    expect(script.statusCode).toBe(404);
    expect(script.headers['content-type']).toContain('text/plain');
  });
});

describe('install scripts', () => {
  const sha = createHash('sha256').update(bundleBytes).digest('hex');

  it('carry the server, the site code and the bundle’s checksum, and are valid sh', async () => {
    const code = await siteCode(acme);
    for (const name of ['linux.sh', 'macos.sh']) {
      const res = await t.app.inject({ method: 'GET', url: `/install/${code}/${name}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toMatch(/^#!\/bin\/sh\n/);
      expect(res.body).toContain(`SERVER_URL='${PUBLIC_URL}'`);
      expect(res.body).toContain(`SITE_CODE='${code}'`);
      expect(res.body).toContain(`AGENT_SHA256='${sha}'`);
      // localhost over http: the agent is told it is a development server.
      expect(res.body).toContain(`DEV_FLAG='--dev'`);
      expect(res.body).toContain('set -eu');
      execFileSync('sh', ['-n'], { input: res.body });
    }
    const ps = await t.app.inject({ method: 'GET', url: `/install/${code}/windows.ps1` });
    expect(ps.body).toContain(`$SiteCode = '${code}'`);
    expect(ps.body).toContain(`$AgentSha256 = '${sha}'`);
    expect(ps.body).toContain(`$DevArgs = @('--dev')`);

    const generic = await t.app.inject({ method: 'GET', url: '/install/linux.sh' });
    expect(generic.statusCode).toBe(200);
    expect(generic.body).toContain(`SITE_CODE=''`);
    execFileSync('sh', ['-n'], { input: generic.body });
    expect((await t.app.inject({ method: 'GET', url: '/install/windows.ps1' })).body).toContain(`$SiteCode = ''`);
  });

  it('the generic script asks for a token, and a malformed token is refused before anything happens', async () => {
    const genericScript = (await t.app.inject({ method: 'GET', url: '/install/linux.sh' })).body;
    const run = (args: string[]) => {
      try {
        execFileSync('sh', ['-s', '--', ...args], { input: genericScript, stdio: ['pipe', 'pipe', 'pipe'] });
        return { status: 0, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    };
    expect(run(['--prefix', '/nonexistent/x', '--no-service'])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('--token'),
    });
    expect(run(['--token', "cret_x'; touch /tmp/pwned; '", '--no-service'])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('no token has'),
    });
    expect(run(['--bogus'])).toMatchObject({ status: 1, stderr: expect.stringContaining('unknown option --bogus') });
  });

  it('the agent bundle is served as built, and 503 with a clear message when it is not', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/install/agent/cloudrmm-agent.mjs' });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(bundleBytes);
    expect(res.headers['x-content-sha256']).toBe(sha);

    renameSync(bundlePath, `${bundlePath}.away`);
    try {
      const missing = await t.app.inject({ method: 'GET', url: '/install/agent/cloudrmm-agent.mjs' });
      expect(missing.statusCode).toBe(503);
      expect(missing.body).toContain('npm run build -w @cloudrmm/agent');
      const script = await t.app.inject({ method: 'GET', url: `/install/${await siteCode(acme)}/linux.sh` });
      expect(script.statusCode).toBe(503);
    } finally {
      renameSync(`${bundlePath}.away`, bundlePath);
    }
  });
});

describe('logs', () => {
  it('never hold an enrollment token, a site code or an agent credential', async () => {
    const codes = await t.database.ownerQuery<{ code: string }>('select code from site_enrollment_codes');
    const secrets = [...issuedSecrets, ...codes.map((c) => c.code)];
    expect(secrets.length).toBeGreaterThan(20);
    const all = logLines.join('');
    // Refusals are logged (with their reason), so the check has lines to look at.
    expect(all).toContain('enrollment refused');
    for (const secret of secrets) expect(all).not.toContain(secret);
    // And nothing went wrong on the way (a reply sent twice, a query failing) without a test noticing.
    expect(logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40)).toEqual([]);
  });
});
