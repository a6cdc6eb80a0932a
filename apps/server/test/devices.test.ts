// DEV1-DEV3, DEV6, GW6, GW8: the devices API, live requests to agents, settings pushed live, revocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SYSTEM_ACTOR } from '../src/platform/audit/audit.js';
import { createUserWithPassword } from '../src/platform/auth/users.js';
import { enrollTestDevice, sampleInventory, sampleStatus, TestAgent, wsBase, type Refused } from './support/agents.js';
import { createTestApp, PASSWORD, type PartnerFixture, type Session, type TestApp } from './support/app.js';

let t: TestApp;
let acme: PartnerFixture;
let other: PartnerFixture;
let base: string;
let http: string;

beforeAll(async () => {
  t = await createTestApp();
  acme = await t.createPartnerWithUser('Acme IT');
  other = await t.createPartnerWithUser('Other MSP');
  http = await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = wsBase(http);
});
afterAll(() => t.close());

const P = () => `/api/v1/partners/${acme.partnerId}`;

/** An enrolled, connected agent that has sent its inventory and status. */
async function onlineDevice(
  f: PartnerFixture | { partnerId: string; organizationId: string; siteId: string },
  inv: Parameters<typeof sampleInventory>[0] = {},
  status: Parameters<typeof sampleStatus>[0] = {},
) {
  const d = await enrollTestDevice(t, f, inv.hostname ?? 'web-01');
  const agent = await TestAgent.open(base, d.credential);
  await agent.next('welcome');
  const { hash, inventory } = sampleInventory(inv);
  agent.send('inventory', { hash, inventory });
  await agent.next('inventory.ack');
  agent.send('status', { status: sampleStatus(status) });
  for (let i = 0; i < 40; i++) {
    const [row] = await t.database.ownerQuery('select 1 from devices where id = $1 and status is not null', [d.deviceId]);
    if (row) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...d, agent, hash };
}

async function scopedUser(scope: { organization_id?: string; site_id?: string }): Promise<Session> {
  const email = `scoped-${Math.random().toString(36).slice(2, 8)}@acme.test`;
  const { id } = await createUserWithPassword(t.database.db, {
    email,
    name: 'S',
    password: PASSWORD,
    partnerId: acme.partnerId,
    roleKey: 'readonly',
  });
  const [tech] = await t.database.ownerQuery<{ id: string }>(`select id from roles where key = 'technician'`);
  await t.database.ownerQuery('delete from role_assignments where user_id = $1', [id]);
  const res = await t.call(acme.session, 'POST', `${P()}/role-assignments`, {
    user_id: id,
    role_id: tech!.id,
    scope_type: scope.site_id ? 'site' : 'organization',
    ...scope,
  });
  expect(res.statusCode, res.body).toBe(201);
  return t.login(email);
}

describe('device list and search (DEV1, DEV6)', () => {
  let web: Awaited<ReturnType<typeof onlineDevice>>;
  let db: Awaited<ReturnType<typeof onlineDevice>>;
  let orgB: string;
  let siteB: string;

  beforeAll(async () => {
    web = await onlineDevice(acme, { hostname: 'web-01' }, { logged_in_users: [{ user: 'Alice' }] });
    orgB = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Beta Corp' }, SYSTEM_ACTOR)).id;
    siteB = (await t.tenancy.createSite(acme.partnerId, orgB, { name: 'Beta HQ' }, SYSTEM_ACTOR)).id;
    db = await onlineDevice(
      { partnerId: acme.partnerId, organizationId: orgB, siteId: siteB },
      {
        hostname: 'DB-02',
        os: {
          platform: 'win32',
          name: 'Windows Server 2022 Standard',
          distro: 'windows',
          version: '10.0.20348',
          kernel: '10.0.20348',
          arch: 'x64',
        },
        network: [{ name: 'Ethernet', mac: 'AA:BB:CC:00:11:22', ipv4: ['192.168.7.9'], ipv6: [] }],
      },
      { logged_in_users: [{ user: 'bob.admin' }], file_systems: [{ mount: 'C:', used_bytes: 95, size_bytes: 100 }] },
    );
    db.agent.close();
    await db.agent.closed;
    await new Promise((r) => setTimeout(r, 200));
    await t.database.ownerQuery(`update devices set last_seen_at = now() - interval '1 hour' where id = $1`, [db.deviceId]);
  });

  it('lists devices with organization and site names, usage, and presence', async () => {
    const res = await t.call(acme.session, 'GET', `${P()}/devices?include_total=true`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.total).toBe(2);
    const w = body.items.find((d: { id: string }) => d.id === web.deviceId);
    expect(w).toMatchObject({
      hostname: 'web-01',
      organization_name: 'Org of Acme IT',
      site_name: 'Site of Acme IT',
      platform: 'linux',
      os_name: 'Debian GNU/Linux 12 (bookworm)',
      online: true,
      ip_addresses: ['10.20.30.40', 'fe80::5054:ff:feab:cdef'],
      mac_addresses: ['52:54:00:ab:cd:ef'],
      logged_in_users: ['Alice'],
      cpu_percent: 12.5,
      memory_used_percent: 25,
      disk_used_percent: 40,
      revoked: false,
    });
    await expect.poll(async () => (await t.call(acme.session, 'GET', `${P()}/devices/${db.deviceId}`)).json().online).toBe(false);
  });

  it('searches every field case-insensitively: IP, MAC, hostname, OS, user', async () => {
    const find = async (q: string) =>
      (
        (await t.call(acme.session, 'GET', `${P()}/devices?q=${encodeURIComponent(q)}`)).json().items as { hostname: string }[]
      ).map((d) => d.hostname);
    expect(await find('192.168.7')).toEqual(['DB-02']);
    expect(await find('aa:bb:cc')).toEqual(['DB-02']);
    expect(await find('52:54:00:AB')).toEqual(['web-01']);
    expect(await find('db-0')).toEqual(['DB-02']);
    expect(await find('bookworm')).toEqual(['web-01']);
    expect(await find('windows server')).toEqual(['DB-02']);
    expect(await find('ALICE')).toEqual(['web-01']);
    expect(await find('bob.')).toEqual(['DB-02']);
    expect(await find('%')).toEqual([]);
    expect(await find('nothing-like-this')).toEqual([]);
  });

  it('filters, sorts and pages', async () => {
    const list = async (qs: string) => {
      const res = await t.call(acme.session, 'GET', `${P()}/devices?${qs}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: { hostname: string }[]; next_cursor: string | null };
    };
    const names = async (qs: string) => (await list(qs)).items.map((d) => d.hostname);
    expect(await names('status=online')).toEqual(['web-01']);
    expect(await names('status=offline')).toEqual(['DB-02']);
    expect(await names('platform=win32')).toEqual(['DB-02']);
    expect(await names('low_disk=true')).toEqual(['DB-02']);
    expect(await names(`organization_id=${orgB}`)).toEqual(['DB-02']);
    expect(await names(`site_id=${acme.siteId}`)).toEqual(['web-01']);
    expect(await names('sort=hostname')).toEqual(['DB-02', 'web-01']);
    expect(await names('sort=-hostname')).toEqual(['web-01', 'DB-02']);
    expect(await names('sort=status')).toEqual(['web-01', 'DB-02']);
    expect(await names('sort=-last_seen_at')).toEqual(['web-01', 'DB-02']);
    const first = await list('sort=hostname&limit=1');
    expect(first.items.map((d) => d.hostname)).toEqual(['DB-02']);
    expect(await names(`sort=hostname&limit=1&cursor=${first.next_cursor}`)).toEqual(['web-01']);
    const byStatus = await list('sort=status&limit=1');
    expect(await names(`sort=status&limit=1&cursor=${byStatus.next_cursor}`)).toEqual(['DB-02']);
    const seen = await list('sort=-last_seen_at&limit=1');
    expect(await names(`sort=-last_seen_at&limit=1&cursor=${seen.next_cursor}`)).toEqual(['DB-02']);
    expect((await t.call(acme.session, 'GET', `${P()}/devices?colour=red`)).statusCode).toBe(400);
    expect((await t.call(acme.session, 'GET', `${P()}/devices?cursor=bm9wZQ`)).statusCode).toBe(400);
  });

  it('summarises counts for the dashboard, each matching its filtered list', async () => {
    const s = (await t.call(acme.session, 'GET', `${P()}/devices/summary`)).json();
    expect(s).toEqual({
      total: 2,
      online: 1,
      offline: 1,
      low_disk: 1,
      by_platform: expect.arrayContaining([
        { platform: 'linux', count: 1 },
        { platform: 'win32', count: 1 },
      ]),
    });
    expect((await t.call(acme.session, 'GET', `${P()}/devices/summary?organization_id=${orgB}`)).json()).toMatchObject({
      total: 1,
      online: 0,
      low_disk: 1,
    });
  });

  it('shows the device page with inventory, status and settings, and its software', async () => {
    const d = (await t.call(acme.session, 'GET', `${P()}/devices/${web.deviceId}`)).json();
    expect(d).toMatchObject({
      hostname: 'web-01',
      inventory: { cpu: { brand: 'Intel Xeon' } },
      status: { uptime_seconds: 3600 },
      settings: { heartbeat_seconds: 30, inventory_minutes: 15, heartbeat_override: null, inventory_override: null },
      version: 1,
    });
    const sw = (await t.call(acme.session, 'GET', `${P()}/devices/${web.deviceId}/software?limit=2`)).json();
    expect(sw.total).toBe(3);
    expect(sw.items.map((s: { name: string }) => s.name)).toEqual(['curl', 'nginx']);
    const rest = (await t.call(acme.session, 'GET', `${P()}/devices/${web.deviceId}/software?cursor=${sw.next_cursor}`)).json();
    expect(rest).toMatchObject({ items: [{ name: 'openssl', publisher: 'Debian' }], next_cursor: null });
    expect((await t.call(acme.session, 'GET', `${P()}/devices/${web.deviceId}/software?q=SSL`)).json().total).toBe(1);
  });

  it('scoped users see only the devices of their organization or site', async () => {
    const orgUser = await scopedUser({ organization_id: orgB });
    const list = (await t.call(orgUser, 'GET', `${P()}/devices`)).json();
    expect(list.items.map((d: { id: string }) => d.id)).toEqual([db.deviceId]);
    expect((await t.call(orgUser, 'GET', `${P()}/devices/summary`)).json().total).toBe(1);
    expect((await t.call(orgUser, 'GET', `${P()}/devices/${web.deviceId}`)).statusCode).toBe(404);
    expect((await t.call(orgUser, 'GET', `${P()}/devices/${web.deviceId}/software`)).statusCode).toBe(404);
    expect((await t.call(orgUser, 'GET', `${P()}/devices/${web.deviceId}/processes`)).statusCode).toBe(404);
    expect((await t.call(orgUser, 'GET', `${P()}/devices?q=web`)).json().items).toEqual([]);
    const siteUser = await scopedUser({ organization_id: acme.organizationId, site_id: acme.siteId });
    expect((await t.call(siteUser, 'GET', `${P()}/devices`)).json().items.map((d: { id: string }) => d.id)).toEqual([
      web.deviceId,
    ]);
    // A site's technician manages that site's devices, and no others.
    expect((await t.call(siteUser, 'POST', `${P()}/devices/${db.deviceId}/revoke`)).statusCode).toBe(404);
    expect(
      (await t.call(orgUser, 'PATCH', `${P()}/devices/${web.deviceId}`, { version: 1, heartbeat_seconds: 60 })).statusCode,
    ).toBe(404);
    const patched = await t.call(siteUser, 'PATCH', `${P()}/devices/${web.deviceId}`, { version: 1, heartbeat_seconds: 60 });
    expect(patched.statusCode, patched.body).toBe(200);
    // a read-only user inside the partner still may not (the guard's check, somewhere inside)
    const email = `readonly-${Math.random().toString(36).slice(2, 8)}@acme.test`;
    await createUserWithPassword(t.database.db, {
      email,
      name: 'R',
      password: PASSWORD,
      partnerId: acme.partnerId,
      roleKey: 'readonly',
    });
    const readonly = await t.login(email);
    const refused = await t.call(readonly, 'POST', `${P()}/devices/${web.deviceId}/revoke`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('devices.manage');
  });
});

describe('live requests to the agent (DEV3, AGT7, AGT8)', () => {
  it('lists processes and disk usage through the agent, and answers 409 when it is offline', async () => {
    const d = await onlineDevice(acme, { hostname: 'proc-host' });
    let asked: unknown;
    d.agent.answer('processes.list', (payload) => {
      asked = payload;
      return [
        'processes.list.result',
        {
          processes: [{ pid: 1, name: 'systemd', cpu_percent: 0.5, memory_bytes: 1000, memory_percent: 0.1 }],
          total: 120,
          sampled_ms: 500,
        },
      ];
    });
    d.agent.answer('disk.usage', (payload) => [
      'disk.usage.result',
      {
        partitions: [
          {
            mount: '/',
            device: '/dev/vda1',
            fs_type: 'ext4',
            size_bytes: 100,
            used_bytes: 40,
            available_bytes: 60,
            used_percent: 40,
          },
        ],
        path: payload.path ?? '/',
        folders: [{ path: '/var', size_bytes: 30 }],
        partial: false,
        scanned_entries: 1234,
      },
    ]);
    const procs = await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}/processes?sort=memory&limit=10`);
    expect(procs.statusCode, procs.body).toBe(200);
    expect(procs.json()).toMatchObject({ items: [{ pid: 1, name: 'systemd' }], total: 120, sampled_ms: 500 });
    expect(asked).toEqual({ sort: 'memory', limit: 10 });
    const disk = await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}/disk-usage?path=/var&top=5`);
    expect(disk.statusCode, disk.body).toBe(200);
    expect(disk.json()).toMatchObject({ path: '/var', folders: [{ path: '/var', size_bytes: 30 }], scanned_entries: 1234 });

    d.agent.close();
    await d.agent.closed;
    await new Promise((r) => setTimeout(r, 100));
    const offline = await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}/processes`);
    expect(offline.statusCode).toBe(409);
    expect(offline.json().error).toEqual({
      code: 'device_offline',
      message: 'the device is offline; try again when it reconnects',
    });
  });

  it('passes on the agent’s error (502)', async () => {
    const d = await onlineDevice(acme, { hostname: 'err-host' });
    d.agent.answer('disk.usage', () => ['error', { code: 'failed', message: 'no such folder: /nope' }]);
    const res = await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}/disk-usage?path=/nope`);
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({ code: 'agent_error', message: expect.stringContaining('no such folder: /nope') });
    d.agent.close();
  });

  it('answers 409 agent_busy when the agent is already scanning a disk', async () => {
    const d = await onlineDevice(acme, { hostname: 'busy-host' });
    d.agent.answer('disk.usage', () => ['error', { code: 'busy', message: 'a disk scan is already running' }]);
    const res = await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}/disk-usage?path=/var`);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toEqual({
      code: 'agent_busy',
      message: 'the device is busy with another request of this kind; try again in a few seconds',
    });
    d.agent.close();
  });

  it('asks the agent about absolute paths only (400 otherwise)', async () => {
    const d = await onlineDevice(acme, { hostname: 'path-host' });
    const asked: (string | undefined)[] = [];
    d.agent.answer('disk.usage', (payload) => {
      asked.push(payload.path);
      return [
        'disk.usage.result',
        { partitions: [], path: payload.path ?? '/', folders: [], partial: false, scanned_entries: 0 },
      ];
    });
    const url = (path: string) => `${P()}/devices/${d.deviceId}/disk-usage?path=${encodeURIComponent(path)}`;
    for (const path of ['var/log', '../etc', 'C:', 'C:Users', '~/x', '\\\\server\\share']) {
      const res = await t.call(acme.session, 'GET', url(path));
      expect(res.statusCode, path).toBe(400);
      expect(res.json().error, path).toMatchObject({ code: 'validation_failed', field: 'path' });
    }
    expect(asked).toEqual([]);
    for (const path of ['/', '/var/log', 'C:\\Users', 'd:/data']) {
      const res = await t.call(acme.session, 'GET', url(path));
      expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
    }
    expect(asked).toEqual(['/', '/var/log', 'C:\\Users', 'd:/data']);
    d.agent.close();
  });
});

describe('settings (GW6)', () => {
  it('a device override is pushed live as a config frame; a stale version is 409', async () => {
    const d = await onlineDevice(acme, { hostname: 'cfg-host' });
    const url = `${P()}/devices/${d.deviceId}`;
    const res = await t.call(acme.session, 'PATCH', url, { version: 1, heartbeat_seconds: 10 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      version: 2,
      settings: { heartbeat_seconds: 10, heartbeat_override: 10, inventory_minutes: 15 },
    });
    expect((await d.agent.next('config')).payload).toEqual({ config: { heartbeat_seconds: 10, inventory_minutes: 15 } });
    expect((await t.call(acme.session, 'PATCH', url, { version: 1, heartbeat_seconds: 20 })).statusCode).toBe(409);
    expect((await t.call(acme.session, 'PATCH', url, { version: 2, heartbeat_seconds: 1 })).statusCode).toBe(400);
    d.agent.close();
  });

  it('partner settings are versioned and pushed to connected agents without an override', async () => {
    const plain = await onlineDevice(acme, { hostname: 'plain' });
    const pinned = await onlineDevice(acme, { hostname: 'pinned' });
    await t.call(acme.session, 'PATCH', `${P()}/devices/${pinned.deviceId}`, {
      version: 1,
      heartbeat_seconds: 60,
      inventory_minutes: 5,
    });
    await pinned.agent.next('config');
    const url = `${P()}/agent-settings`;
    const current = (await t.call(acme.session, 'GET', url)).json();
    const res = await t.call(acme.session, 'PUT', url, {
      version: current.version,
      heartbeat_seconds: 45,
      inventory_minutes: 30,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ heartbeat_seconds: 45, inventory_minutes: 30, version: current.version + 1 || 1 });
    expect((await plain.agent.next('config')).payload.config).toEqual({ heartbeat_seconds: 45, inventory_minutes: 30 });
    await new Promise((r) => setTimeout(r, 200));
    expect(pinned.agent.pending().filter((f) => f.type === 'config')).toEqual([]);
    expect(
      (await t.call(acme.session, 'PUT', url, { version: current.version, heartbeat_seconds: 45, inventory_minutes: 30 }))
        .statusCode,
    ).toBe(409);
    // A new connection is welcomed with the partner's settings.
    plain.agent.close();
    await plain.agent.closed;
    const again = await TestAgent.open(base, plain.credential);
    expect((await again.next('welcome')).payload).toMatchObject({
      config: { heartbeat_seconds: 45 },
      inventory_hash: plain.hash,
    });
    again.close();
    pinned.agent.close();
  });
});

describe('revoke and delete (security.md 18)', () => {
  it('revoking closes the socket at once (4003) and the agent cannot reconnect', async () => {
    const d = await onlineDevice(acme, { hostname: 'revoke-me' });
    const started = Date.now();
    const res = await t.call(acme.session, 'POST', `${P()}/devices/${d.deviceId}/revoke`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ revoked: true, online: false });
    expect(await d.agent.closed).toEqual({ code: 4003, reason: 'credential revoked' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(((await TestAgent.connect(base, d.credential)) as Refused).status).toBe(401);
  });

  it('deleting closes the socket, hides the device and refuses the agent', async () => {
    const d = await onlineDevice(acme, { hostname: 'delete-me' });
    expect((await t.call(acme.session, 'DELETE', `${P()}/devices/${d.deviceId}`)).statusCode).toBe(204);
    expect((await d.agent.closed).code).toBe(4003);
    expect((await t.call(acme.session, 'GET', `${P()}/devices/${d.deviceId}`)).statusCode).toBe(404);
    expect(((await TestAgent.connect(base, d.credential)) as Refused).status).toBe(401);
    const list = (await t.call(acme.session, 'GET', `${P()}/devices?q=delete-me`)).json();
    expect(list.items).toEqual([]);
  });
});

describe('live browser events (GW8)', () => {
  function browser(session: Session): Promise<{ events: { type: string; id: string; partner_id: string }[]; socket: WebSocket }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${base}/api/v1/live`, { headers: { cookie: session.cookie, origin: http } });
      const events: { type: string; id: string; partner_id: string }[] = [];
      socket.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'hello') resolve({ events, socket });
        else events.push(m);
      });
      socket.once('error', reject);
    });
  }

  it('device events reach sessions that can see the device, and no one else', async () => {
    const mine = await browser(acme.session);
    const foreign = await browser(other.session);
    const orgY = (await t.tenancy.createOrganization(acme.partnerId, { name: 'Gamma' }, SYSTEM_ACTOR)).id;
    const siteY = (await t.tenancy.createSite(acme.partnerId, orgY, { name: 'Gamma HQ' }, SYSTEM_ACTOR)).id;
    const outsider = await browser(await scopedUser({ organization_id: orgY }));

    const d = await onlineDevice(acme, { hostname: 'live-host' });
    await expect
      .poll(() => mine.events.filter((e) => e.id === d.deviceId).map((e) => e.type))
      .toEqual(expect.arrayContaining(['device.online', 'device.updated']));
    expect(mine.events[0]).toMatchObject({ partner_id: acme.partnerId });
    d.agent.close();
    await expect.poll(() => mine.events.some((e) => e.id === d.deviceId && e.type === 'device.offline')).toBe(true);

    const y = await onlineDevice({ partnerId: acme.partnerId, organizationId: orgY, siteId: siteY }, { hostname: 'gamma-host' });
    await expect.poll(() => outsider.events.some((e) => e.id === y.deviceId && e.type === 'device.online')).toBe(true);
    y.agent.close();

    expect(outsider.events.filter((e) => e.id === d.deviceId)).toEqual([]);
    expect(JSON.stringify(foreign.events)).not.toContain(acme.partnerId);
    expect(foreign.events).toEqual([]);
    for (const b of [mine, foreign, outsider]) b.socket.close();
  });
});
