// GW1-GW3, GW6; security.md 15, 16, 18, 20, 21: the agent gateway over real sockets.
import { randomBytes } from 'node:crypto';
import { encodeAgentFrame, HELLO_PATH, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@cloudrmm/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { MAX_BAD_FRAMES_PER_MINUTE } from '../src/platform/gateway/gateway.js';
import type { AgentGateway, AgentPresence } from '../src/platform/gateway/index.js';
import { SecretBox } from '../src/platform/secrets.js';
import { enrollTestDevice, RawAgent, sampleInventory, sampleStatus, TestAgent, wsBase, type Refused } from './support/agents.js';
import { createTestApp, testConfig, type PartnerFixture, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let base: string;
let http: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  http = await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = wsBase(http);
});
afterAll(() => t.close());

const gateway = () => t.app.ctx.agents as AgentGateway;

async function deviceRow(deviceId: string) {
  const [row] = await t.database.ownerQuery<{
    online: boolean;
    gateway_id: string | null;
    remote_ip: string | null;
    last_seen_at: Date | null;
    connected_at: Date | null;
    hostname: string;
    inventory: unknown;
    inventory_hash: string | null;
    status: unknown;
  }>('select * from devices where id = $1', [deviceId]);
  return row!;
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

describe('hello (GW3)', () => {
  it('answers a first-version agent, with unknown extra fields, proceed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: HELLO_PATH,
      payload: { agent_version: '0.0.1', protocol_version: 1, os: 'linux', arch: 'x64', future_field: { nested: true } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ action: 'proceed', latest_protocol: PROTOCOL_VERSION, socket_path: '/agent/v1/ws' });
  });

  it('tells an older agent to upgrade and refuses a newer one with a reason', async () => {
    const old = await t.app.inject({
      method: 'POST',
      url: HELLO_PATH,
      payload: { agent_version: '0.0.0', protocol_version: 0, os: 'win32', arch: 'x64' },
    });
    expect(old.json()).toMatchObject({ action: 'upgrade_required', message: expect.stringContaining('update the agent') });
    const newer = await t.app.inject({
      method: 'POST',
      url: HELLO_PATH,
      payload: { agent_version: '9.0.0', protocol_version: PROTOCOL_VERSION + 1, os: 'linux', arch: 'arm64' },
    });
    expect(newer.json()).toMatchObject({ action: 'rejected', message: expect.stringContaining('upgrade the server') });
  });
});

describe('connection and presence (GW1, GW6)', () => {
  it('welcomes the agent with its config and marks the device online within a second, offline on close', async () => {
    const d = await enrollTestDevice(t, acme);
    const agent = await TestAgent.open(base, d.credential);
    const welcome = await agent.next('welcome');
    expect(welcome.payload).toMatchObject({
      device_id: d.deviceId,
      config: { heartbeat_seconds: 30, inventory_minutes: 15 },
      inventory_hash: null,
    });
    await until(async () => (await deviceRow(d.deviceId)).online, 1_000, 'online');
    const row = await deviceRow(d.deviceId);
    expect(row.gateway_id).toBe(gateway().gatewayId);
    expect(row.remote_ip).toBe('127.0.0.1');
    expect(gateway().isOnline(d.deviceId)).toBe(true);

    agent.close();
    await until(async () => !(await deviceRow(d.deviceId)).online, 2_000, 'offline');
    expect(gateway().isOnline(d.deviceId)).toBe(false);
  });

  it('marks a silent agent offline after two missed heartbeat intervals', async () => {
    const d = await enrollTestDevice(t, acme);
    await t.database.ownerQuery('update devices set heartbeat_seconds = 5 where id = $1', [d.deviceId]);
    const agent = await TestAgent.open(base, d.credential);
    expect((await agent.next('welcome')).payload.config.heartbeat_seconds).toBe(5);
    // Alongside, a quiet agent on the default 30 s heartbeat, about to be told 5 s.
    const slow = await enrollTestDevice(t, acme);
    const slowAgent = await TestAgent.open(base, slow.credential);
    expect((await slowAgent.next('welcome')).payload.config.heartbeat_seconds).toBe(30);
    await until(async () => (await deviceRow(d.deviceId)).online, 1_000, 'online');
    const started = Date.now();
    // Say nothing: the sweep finds the socket silent for 2 × 5 s.
    await until(async () => !(await deviceRow(d.deviceId)).online, 14_000, 'offline after silence');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    await agent.closed;

    // A shorter heartbeat counts from when the agent was told it, not from its last frame:
    // pushing 5 s to an agent silent for 10 s must not drop it.
    const patched = await t.call(acme.session, 'PATCH', `/api/v1/partners/${acme.partnerId}/devices/${slow.deviceId}`, {
      version: 1,
      heartbeat_seconds: 5,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await slowAgent.next('config')).payload.config.heartbeat_seconds).toBe(5);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(gateway().isOnline(slow.deviceId)).toBe(true);
    slowAgent.send('heartbeat', { seq: 1 });
    slowAgent.close();
  }, 25_000);

  it('keeps a heartbeating agent online and writes last-seen in one statement per flush, not per heartbeat', async () => {
    // Count UPDATE statements on devices (statement-level) and rows touched (row-level).
    await t.database.ownerQuery(`
      create table if not exists device_write_log (kind text, at timestamptz default clock_timestamp());
      create or replace function log_device_statement() returns trigger language plpgsql security definer as $$
        begin insert into device_write_log (kind) values ('statement'); return null; end $$;
      create or replace function log_device_row() returns trigger language plpgsql security definer as $$
        begin insert into device_write_log (kind) values ('row'); return null; end $$;
      drop trigger if exists trg_log_statement on devices;
      drop trigger if exists trg_log_row on devices;
      create trigger trg_log_statement after update on devices for each statement execute function log_device_statement();
      create trigger trg_log_row after update on devices for each row execute function log_device_row();`);
    try {
      const devices = await Promise.all([1, 2, 3].map(() => enrollTestDevice(t, acme)));
      const agents = await Promise.all(devices.map((d) => TestAgent.open(base, d.credential)));
      await Promise.all(agents.map((a) => a.next('welcome')));
      await until(
        async () => (await Promise.all(devices.map((d) => deviceRow(d.deviceId)))).every((r) => r.online),
        1_000,
        'online',
      );
      await new Promise((r) => setTimeout(r, 200));
      await t.database.ownerQuery('truncate device_write_log');
      const before = await Promise.all(devices.map((d) => deviceRow(d.deviceId)));

      // 20 heartbeats from each of 3 agents within a second: 60 frames.
      for (let i = 0; i < 20; i++) {
        for (const a of agents) a.send('heartbeat', { seq: i });
        await new Promise((r) => setTimeout(r, 50));
      }
      const during = await t.database.ownerQuery<{ kind: string }>('select kind from device_write_log');
      expect(during.length).toBeLessThanOrEqual(6); // at most one flush fell into that second

      await new Promise((r) => setTimeout(r, 5_500)); // one flush period
      const log = await t.database.ownerQuery<{ kind: string }>('select kind from device_write_log');
      const statements = log.filter((l) => l.kind === 'statement').length;
      const rows = log.filter((l) => l.kind === 'row').length;
      expect(statements).toBeGreaterThanOrEqual(1);
      expect(statements).toBeLessThanOrEqual(2); // one per flush for the whole partner
      expect(rows).toBeLessThanOrEqual(6);
      const after = await Promise.all(devices.map((d) => deviceRow(d.deviceId)));
      after.forEach((row, i) => {
        expect(row.online).toBe(true);
        expect(new Date(row.last_seen_at!).getTime()).toBeGreaterThan(new Date(before[i]!.last_seen_at!).getTime());
      });
      agents.forEach((a) => a.close());
    } finally {
      await t.database.ownerQuery(
        'drop trigger if exists trg_log_statement on devices; drop trigger if exists trg_log_row on devices',
      );
    }
  }, 20_000);

  it('a second connection of the same device replaces the first (4000)', async () => {
    const d = await enrollTestDevice(t, acme);
    const first = await TestAgent.open(base, d.credential);
    await first.next('welcome');
    const second = await TestAgent.open(base, d.credential);
    await second.next('welcome');
    expect(await first.closed).toEqual({ code: 4000, reason: 'replaced' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await deviceRow(d.deviceId)).online).toBe(true);
    expect(gateway().isOnline(d.deviceId)).toBe(true);
    second.close();
  });

  it('a reconnect while the old socket is still being marked offline leaves the device online, with the newest settings', async () => {
    const d = await enrollTestDevice(t, acme);
    const first = await TestAgent.open(base, d.credential);
    await first.next('welcome');
    await until(async () => (await deviceRow(d.deviceId)).online, 1_000, 'online');

    // Hold back the first socket's offline write until the second socket has connected.
    const presence = (gateway() as unknown as { opts: { presence: AgentPresence } }).opts.presence;
    const disconnected = presence.disconnected.bind(presence);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    presence.disconnected = async (agent, gatewayId, lastSeenAt) => {
      if (agent.deviceId === d.deviceId) await held;
      return disconnected(agent, gatewayId, lastSeenAt);
    };
    const events: string[] = [];
    const unsubscribe = t.app.ctx.bus.subscribe(['device.online', 'device.offline'], (topic, event) => {
      if (event.deviceId === d.deviceId) events.push(topic);
    });
    try {
      first.close();
      await first.closed;
      await new Promise((r) => setTimeout(r, 100));
      const second = await TestAgent.open(base, d.credential);
      await new Promise((r) => setTimeout(r, 300));
      // Settings changed before the welcome: an agent ignores frames before it, so the welcome carries them.
      const patched = await t.call(acme.session, 'PATCH', `/api/v1/partners/${acme.partnerId}/devices/${d.deviceId}`, {
        version: 1,
        heartbeat_seconds: 45,
      });
      expect(patched.statusCode, patched.body).toBe(200);
      release();
      expect((await second.next('welcome')).payload.config.heartbeat_seconds).toBe(45);
      expect(second.received.filter((f) => f.includes('"type":"config"'))).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      const row = await deviceRow(d.deviceId);
      expect(row.online).toBe(true);
      expect(row.gateway_id).toBe(gateway().gatewayId);
      expect(gateway().isOnline(d.deviceId)).toBe(true);
      expect(events).toEqual(['device.offline', 'device.online']);
      second.close();
      await until(async () => !(await deviceRow(d.deviceId)).online, 2_000, 'offline after the second socket');
    } finally {
      release();
      presence.disconnected = disconnected;
      unsubscribe();
    }
  });

  it('stores an inventory, acknowledges it, and does not ask for it again when the hash matches', async () => {
    const d = await enrollTestDevice(t, acme);
    const agent = await TestAgent.open(base, d.credential);
    await agent.next('welcome');
    const { hash, inventory } = sampleInventory({ hostname: 'inv-host' });
    const id = agent.send('inventory', { hash, inventory });
    const ack = await agent.next('inventory.ack');
    expect(ack).toMatchObject({ re: id, payload: { hash } });
    agent.send('status', { status: sampleStatus() });
    await until(async () => (await deviceRow(d.deviceId)).status !== null, 2_000, 'status stored');
    const row = await deviceRow(d.deviceId);
    expect(row).toMatchObject({ hostname: 'inv-host', inventory_hash: hash });
    agent.close();
    await agent.closed;

    const again = await TestAgent.open(base, d.credential);
    expect((await again.next('welcome')).payload.inventory_hash).toBe(hash);
    // A wrong hash is refused and stores nothing.
    const bad = again.send('inventory', { hash: 'a'.repeat(64), inventory: { ...inventory, hostname: 'forged' } });
    const error = await again.next('error');
    expect(error).toMatchObject({ re: bad, payload: { code: 'invalid_payload' } });
    expect((await deviceRow(d.deviceId)).hostname).toBe('inv-host');
    again.close();
  });

  it('marks offline, at start, devices an earlier run of the same gateway left online', async () => {
    const d = await enrollTestDevice(t, acme);
    const config = testConfig({ port: 3999 });
    const other = await buildApp({
      config,
      db: t.database.db,
      log: pino({ level: 'silent' }),
      secrets: new SecretBox(randomBytes(32)),
    });
    const otherId = (other.ctx.agents as AgentGateway).gatewayId;
    expect(otherId).not.toBe(gateway().gatewayId);
    await t.database.ownerQuery(`update devices set online = true, gateway_id = $2 where id = $1`, [d.deviceId, otherId]);
    await other.ready();
    expect((await deviceRow(d.deviceId)).online).toBe(false);
    await other.close();
  });
});

describe('credentials (security.md 15, 18)', () => {
  it('refuses the socket without a credential, with a wrong one, a user API key, or a session cookie (401)', async () => {
    const d = await enrollTestDevice(t, acme);
    const [, hex, secret] = /^crma_([0-9a-f]{32})_(.+)$/.exec(d.credential)!;
    const wrongSecret = `crma_${hex}_${secret!.slice(0, -2)}${secret!.endsWith('AA') ? 'BB' : 'AA'}`;
    const key = (
      await t.call(acme.session, 'POST', '/api/v1/me/api-keys', {
        name: 'k',
        permissions: ['devices.view'],
        scope_type: 'partner',
      })
    ).json().secret as string;
    for (const [credential, headers] of [
      [null, {}],
      [wrongSecret, {}],
      [`crma_${'0'.repeat(32)}_${secret}`, {}],
      [key, {}],
      [null, { cookie: acme.session.cookie }],
      [null, { cookie: acme.session.cookie, origin: http }],
    ] as const) {
      const res = (await TestAgent.connect(base, credential, headers)) as Refused;
      expect(res.status, JSON.stringify([credential, headers])).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('not_authenticated');
    }
  });

  it('refuses an agent credential on every user API (401)', async () => {
    const d = await enrollTestDevice(t, acme);
    const routes = t.app.routeTable.filter(
      (r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD' && r.permission !== 'public',
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const url = route.url
        .replace(':partnerId', acme.partnerId)
        .replace(':organizationId', acme.organizationId)
        .replace(':siteId', acme.siteId)
        .replace(':deviceId', d.deviceId)
        .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      const res = await t.app.inject({
        method: route.method as 'GET',
        url,
        headers: { authorization: `Bearer ${d.credential}` },
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('a revoked credential is closed within seconds, even when revoked by another process, and cannot reconnect', async () => {
    const d = await enrollTestDevice(t, acme);
    const agent = await TestAgent.open(base, d.credential);
    await agent.next('welcome');
    const started = Date.now();
    // Straight in the database: this process is not told, only its periodic check sees it.
    await t.database.ownerQuery('update agents set revoked_at = now() where id = $1', [d.agentId]);
    expect(await agent.closed).toEqual({ code: 4003, reason: 'credential revoked' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(((await TestAgent.connect(base, d.credential)) as Refused).status).toBe(401);
    await until(async () => !(await deviceRow(d.deviceId)).online, 2_000, 'offline');
  });

  it('a revoked agent that ignores the close frame gets nothing stored and is cut within seconds', async () => {
    const d = await enrollTestDevice(t, acme, 'deaf-agent');
    const raw = await RawAgent.open(base, d.credential);
    await until(async () => (await deviceRow(d.deviceId)).online && raw.opcodes.includes(1), 2_000, 'welcome');
    await t.database.ownerQuery('update agents set revoked_at = now() where id = $1', [d.agentId]);
    expect(await raw.closeFrame).toBe(4003);
    // It does not answer the close frame and keeps sending.
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      raw.send('status', { status: sampleStatus() });
      raw.send('inventory', sampleInventory({ hostname: 'after-revoke' }));
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.race([
      raw.ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the socket was not cut')), 5_000)),
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await deviceRow(d.deviceId)).toMatchObject({ hostname: 'deaf-agent', status: null, inventory: null });
    await until(async () => !(await deviceRow(d.deviceId)).online, 2_000, 'offline');
    raw.destroy();
  });

  it('refuses a foreign Origin on the agent socket and the browser socket (security.md 21)', async () => {
    const d = await enrollTestDevice(t, acme);
    const agent = (await TestAgent.connect(base, d.credential, { origin: 'https://evil.example' })) as Refused;
    expect(agent.status).toBe(403);
    const live = await new Promise<number>((resolve, reject) => {
      const s = new WebSocket(`${base}/api/v1/live`, {
        headers: { cookie: acme.session.cookie, origin: 'https://evil.example' },
      });
      s.once('unexpected-response', (req, res) => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      s.once('open', () => reject(new Error('opened')));
    });
    expect(live).toBe(403);
  });
});

describe('frames (security.md 16, 20)', () => {
  it('the device is the credential’s: a frame naming another device changes nothing and is audited', async () => {
    const mine = await enrollTestDevice(t, acme, 'mine');
    const theirs = await enrollTestDevice(t, acme, 'theirs');
    const agent = await TestAgent.open(base, mine.credential);
    await agent.next('welcome');
    const { hash, inventory } = sampleInventory({ hostname: 'pwned' });
    // Naming the other device in the envelope or the payload is not part of the protocol: refused.
    agent.raw(
      JSON.stringify({
        v: 1,
        type: 'inventory',
        id: 'x1',
        ts: Date.now(),
        device_id: theirs.deviceId,
        payload: { hash, inventory },
      }),
    );
    expect((await agent.next('error')).payload.code).toBe('malformed_frame');
    agent.raw(
      JSON.stringify({
        v: 1,
        type: 'inventory',
        id: 'x2',
        ts: Date.now(),
        payload: { hash, inventory, device_id: theirs.deviceId },
      }),
    );
    expect((await agent.next('error')).payload.code).toBe('invalid_payload');
    expect((await deviceRow(theirs.deviceId)).hostname).toBe('theirs');
    expect((await deviceRow(mine.deviceId)).hostname).toBe('mine');
    await until(
      async () =>
        (
          await t.database.ownerQuery(
            `select 1 from audit_events where action = 'agent.claimed_other_device' and target_id = $1 and actor_type = 'agent'`,
            [mine.deviceId],
          )
        ).length === 1,
      2_000,
      'audit event',
    );
    // A valid inventory only ever lands on the sender's own device.
    agent.send('inventory', { hash, inventory });
    await agent.next('inventory.ack');
    expect((await deviceRow(mine.deviceId)).hostname).toBe('pwned');
    expect((await deviceRow(theirs.deviceId)).hostname).toBe('theirs');
    agent.close();
  });

  it('closes the socket of an agent that floods valid frames faster than they can be handled (1008)', async () => {
    const d = await enrollTestDevice(t, acme, 'flooder');
    const agent = await TestAgent.open(base, d.credential);
    await agent.next('welcome');
    // Each status is a database write; hundreds at once are more than any agent has reason to send.
    for (let i = 0; i < 300; i++) agent.send('status', { status: sampleStatus() });
    const closed = await agent.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe('too many messages at once');
    // the refusals were answered as busy, not silently dropped
    expect(agent.received.filter((f) => f.includes('"busy"')).length).toBeGreaterThan(MAX_BAD_FRAMES_PER_MINUTE);
  });

  it('survives hundreds of fuzzed frames: answers errors, stores nothing, and still serves agents', async () => {
    const d = await enrollTestDevice(t, acme, 'fuzz-target');
    const softwareBefore = await t.database.ownerQuery('select 1 from device_software where device_id = $1', [d.deviceId]);
    const auditBefore = await t.database.ownerQuery<{ n: number }>('select count(*)::int as n from audit_events');
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const valid = JSON.parse(encodeAgentFrame('status', { status: sampleStatus() })) as Record<string, unknown>;
    const { hash, inventory } = sampleInventory();
    const generators: (() => string | Buffer)[] = [
      () => randomBytes(rnd(200)),
      () => randomBytes(rnd(200)).toString('latin1'),
      () => '{',
      () => 'null',
      () => '[]',
      () => '"text"',
      () => String(rnd(1e9)),
      () => JSON.stringify({ ...valid, v: 'one' }),
      () => JSON.stringify({ ...valid, v: 0 }),
      () => JSON.stringify({ ...valid, type: 'DROP TABLE devices' }),
      () => JSON.stringify({ ...valid, type: 'no.such.type' }),
      () => JSON.stringify({ ...valid, id: 'x'.repeat(65) }),
      () => JSON.stringify({ ...valid, payload: null }),
      () => JSON.stringify({ ...valid, payload: [] }),
      () => JSON.stringify({ ...valid, payload: { status: { ...sampleStatus(), cpu_percent: 'lots' } } }),
      () => JSON.stringify({ ...valid, payload: { status: { ...sampleStatus(), logged_in_users: 'root' } } }),
      () => JSON.stringify({ ...valid, payload: { status: sampleStatus(), extra: 1 } }),
      () => `{"v":1,"type":"status","id":"p","ts":1,"payload":{"__proto__":{"polluted":true},"status":{}}}`,
      () => JSON.stringify({ ...valid, type: 'inventory', payload: { hash, inventory: { ...inventory, hostname: 7 } } }),
      () => JSON.stringify({ ...valid, type: 'inventory', payload: { hash: 'zz', inventory } }),
      () =>
        JSON.stringify({
          ...valid,
          type: 'inventory',
          payload: { hash, inventory: { ...inventory, software: [{ name: 'x'.repeat(300), source: 'dpkg' }] } },
        }),
      () => JSON.stringify({ ...valid, type: 'processes.list.result', re: 'nothing', payload: { processes: 'all' } }),
      () => JSON.stringify({ ...valid, type: 'heartbeat', payload: { seq: -1 } }),
      () => JSON.stringify({ ...valid, ts: -5 }),
      () =>
        JSON.stringify({ ...valid, payload: { status: { ...sampleStatus(), temperatures: [{ sensor: 'cpu', celsius: 1e9 }] } } }),
      () => `{"v":1,"type":"status","id":"deep","ts":1,"payload":{"status":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    ];

    let agent = await TestAgent.open(base, d.credential);
    await agent.next('welcome');
    let errors = 0;
    let reconnects = 0;
    for (let i = 0; i < 300; i++) {
      if (agent.socket.readyState !== WebSocket.OPEN) {
        const { code } = await agent.closed;
        expect(code).toBe(1008); // too many bad frames
        reconnects++;
        agent = await TestAgent.open(base, d.credential);
        await agent.next('welcome');
      }
      let frame: string | Buffer;
      try {
        frame = generators[rnd(generators.length)]!();
      } catch {
        frame = '}{';
      }
      agent.raw(frame);
      try {
        await agent.next('error', 2_000);
        errors++;
      } catch {
        // the socket was closed for too many bad frames before it answered
        if (agent.socket.readyState === WebSocket.OPEN) throw new Error(`no error frame for ${String(frame).slice(0, 200)}`);
      }
    }
    expect(errors).toBeGreaterThan(250);
    expect(reconnects).toBeGreaterThanOrEqual(Math.floor(300 / (MAX_BAD_FRAMES_PER_MINUTE + 1)) - 1);

    // An oversized frame closes the socket (1009) before anything reads it.
    agent.raw(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20));
    expect((await agent.closed).code).toBe(1009);

    // Nothing landed: no inventory, status, software, audit noise beyond the one claim check.
    const row = await deviceRow(d.deviceId);
    expect(row).toMatchObject({ hostname: 'fuzz-target', inventory: null, inventory_hash: null, status: null });
    expect(await t.database.ownerQuery('select 1 from device_software where device_id = $1', [d.deviceId])).toEqual(
      softwareBefore,
    );
    const auditAfter = await t.database.ownerQuery<{ n: number }>('select count(*)::int as n from audit_events');
    expect(auditAfter[0]!.n).toBe(auditBefore[0]!.n);

    // And the gateway still serves: a new socket is welcomed and its status is stored.
    const fresh = await TestAgent.open(base, d.credential);
    await fresh.next('welcome');
    fresh.send('status', { status: sampleStatus() });
    await until(async () => (await deviceRow(d.deviceId)).status !== null, 2_000, 'status stored after fuzzing');
    fresh.close();
  }, 60_000);
});
