// DEV1-DEV3, DEV6, AGT2 in a real browser against the real server: agents
// enrolled with a token made through the API connect over the real agent
// socket (simulated here with `ws`), then the device list, search, device
// page, live process list and disk usage, live online/offline, agent strings
// rendered as text, the site's install section and the partner's health card.
// Screenshots go to test-results/e2e/.
import {
  AGENT_SOCKET_PATH,
  ENROLL_PATH,
  PROTOCOL_VERSION,
  contentHash,
  decodeServerFrame,
  encodeAgentFrame,
  type AgentMessageType,
  type AgentPayload,
  type Inventory,
  type ProcessInfo,
  type ServerFrame,
  type Status,
} from '@cloudrmm/protocol';
import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TenancyService } from '../apps/server/src/modules/tenancy/index.js';
import { SYSTEM_ACTOR } from '../apps/server/src/platform/audit/audit.js';
import { createUserWithPassword } from '../apps/server/src/platform/auth/users.js';
import { launchBrowser, screenshot, watchConsole } from './support/browser.js';
import { buildDashboard, startE2eServer, type E2eServer } from './support/server.js';

const XSS_HOST = '<img src=x onerror=alert(1)>';
const XSS_OS = '<script>alert(2)</script> Linux';

let server: E2eServer;
let browser: Browser;
let page: Page;
let consoleProblems: string[];
const dialogs: string[] = [];
let partnerId: string;
let organizationId: string;
let siteId: string;
const email = 'tech@northwind.test';
const agents: SimAgent[] = [];

/** What a simulated agent answers when the server asks for its processes. */
const PROCESSES: ProcessInfo[] = [
  {
    pid: 812,
    name: 'postgres',
    command: '/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main',
    user: 'postgres',
    cpu_percent: 12.5,
    memory_bytes: 512 * 1024 ** 2,
    memory_percent: 6.2,
    io_read_bytes_per_sec: 2_400_000,
    io_write_bytes_per_sec: 900_000,
  },
  {
    pid: 1337,
    name: 'backup-job',
    command: 'restic backup /srv --exclude-caches --tag nightly --host db-02 --verbose',
    user: 'root',
    cpu_percent: 71.3,
    memory_bytes: 128 * 1024 ** 2,
    memory_percent: 1.6,
    io_read_bytes_per_sec: 48_000_000,
    io_write_bytes_per_sec: 1_200,
  },
  {
    pid: 1,
    name: 'systemd',
    command: '/sbin/init',
    user: 'root',
    cpu_percent: 0.1,
    memory_bytes: 12 * 1024 ** 2,
    memory_percent: 0.2,
    io_read_bytes_per_sec: 0,
    io_write_bytes_per_sec: 0,
  },
  {
    pid: 2201,
    name: 'node',
    command: 'node /opt/app/server.js',
    user: 'app',
    cpu_percent: 4.2,
    memory_bytes: 1900 * 1024 ** 2,
    memory_percent: 23.1,
    io_read_bytes_per_sec: 1_000,
    io_write_bytes_per_sec: 52_000,
  },
];

function inventoryFor(hostname: string, ip: string, mac: string, osName = 'Debian GNU/Linux 12 (bookworm)'): Inventory {
  return {
    hostname,
    fqdn: null,
    os: {
      platform: 'linux',
      name: osName,
      distro: 'debian',
      version: '12',
      codename: 'bookworm',
      kernel: '6.1.0-18-amd64',
      arch: 'x64',
      build: null,
    },
    hardware: {
      vendor: 'Dell Inc.',
      model: 'PowerEdge R650',
      serial: 'CN7X2Q3',
      uuid: null,
      bios_vendor: 'Dell Inc.',
      bios_version: '1.9.2',
      virtual: false,
    },
    cpu: {
      manufacturer: 'Intel',
      brand: 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
      cores: 32,
      physical_cores: 16,
      speed_ghz: 2.4,
    },
    memory: { total_bytes: 8 * 1024 ** 3, swap_total_bytes: 2 * 1024 ** 3 },
    gpus: [{ vendor: 'Matrox', model: 'G200eW3', vram_bytes: 16 * 1024 ** 2 }],
    disks: [
      {
        device: '/dev/sda',
        type: 'SSD',
        name: 'PERC H755',
        vendor: 'DELL',
        serial: null,
        size_bytes: 480 * 1024 ** 3,
        interface: 'SAS',
      },
    ],
    file_systems: [
      { mount: '/', device: '/dev/sda2', fs_type: 'ext4', size_bytes: 100 * 1024 ** 3 },
      { mount: '/srv', device: '/dev/sda3', fs_type: 'xfs', size_bytes: 370 * 1024 ** 3 },
    ],
    network: [
      { name: 'lo', mac: '00:00:00:00:00:00', ipv4: ['127.0.0.1'], ipv6: ['::1'], type: 'loopback', virtual: true },
      {
        name: 'eno1',
        mac,
        ipv4: [ip],
        ipv6: ['fe80::1e2a:3bff:fe4c:5d6e'],
        type: 'wired',
        speed_mbps: 1000,
        default_gateway: '10.20.30.1',
      },
    ],
    software: [
      {
        name: 'openssh-server',
        version: '1:9.2p1-2+deb12u2',
        publisher: 'Debian OpenSSH Maintainers',
        source: 'dpkg',
        installed_at: null,
        size_bytes: 1_900_000,
      },
      {
        name: 'postgresql-16',
        version: '16.2-1.pgdg120+2',
        publisher: 'PostgreSQL Debian',
        source: 'dpkg',
        installed_at: null,
        size_bytes: 45_000_000,
      },
      { name: 'curl', version: '7.88.1-10+deb12u5', publisher: null, source: 'dpkg', installed_at: null, size_bytes: 500_000 },
    ],
    timezone: 'Europe/Berlin',
    boot_time: new Date(Date.now() - 3 * 86_400_000).toISOString(),
  };
}

function statusFor(rootUsedPercent: number): Status {
  return {
    uptime_seconds: 3 * 86_400 + 4 * 3600,
    cpu_percent: 37,
    load_average: [1.12, 0.98, 0.87],
    memory_used_bytes: 5.5 * 1024 ** 3,
    memory_available_bytes: 2.5 * 1024 ** 3,
    file_systems: [
      { mount: '/', used_bytes: (rootUsedPercent / 100) * 100 * 1024 ** 3, size_bytes: 100 * 1024 ** 3 },
      { mount: '/srv', used_bytes: 120 * 1024 ** 3, size_bytes: 370 * 1024 ** 3 },
    ],
    logged_in_users: [
      { user: 'nora', terminal: 'pts/0', host: '10.20.30.200', since: new Date(Date.now() - 3600_000).toISOString() },
    ],
    temperature_source: 'sysfs',
    temperatures: [
      { sensor: 'cpu', label: 'Package id 0', celsius: 54 },
      { sensor: 'disk', label: 'sda', celsius: 38 },
    ],
  };
}

/** A simulated agent on the real agent socket: reports, then answers what the server asks. */
class SimAgent {
  readonly asked: string[] = [];
  /** Settings pushed to this agent (`config` frames). */
  readonly configs: { heartbeat_seconds: number; inventory_minutes: number }[] = [];
  private constructor(
    readonly socket: WebSocket,
    readonly deviceId: string,
  ) {
    socket.on('message', (data: Buffer) => {
      const decoded = decodeServerFrame(data.toString());
      if (!decoded.ok) return;
      this.answer(decoded.frame);
    });
  }

  static async start(token: string, inventory: Inventory, status: Status): Promise<SimAgent> {
    const res = await fetch(`${server.url}${ENROLL_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        hostname: inventory.hostname,
        agent_version: '0.4.2',
        protocol_version: PROTOCOL_VERSION,
        os: 'linux',
        arch: 'x64',
      }),
    });
    const enrolled = (await res.json()) as { credential: string; device_id: string };
    expect(res.status, JSON.stringify(enrolled)).toBe(201);
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${AGENT_SOCKET_PATH}`, {
      headers: { authorization: `Bearer ${enrolled.credential}` },
    });
    const agent = new SimAgent(socket, enrolled.device_id);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    agent.send('inventory', { hash: contentHash(inventory), inventory });
    agent.send('status', { status });
    return agent;
  }

  send<T extends AgentMessageType>(type: T, payload: AgentPayload<T>, re?: string) {
    this.socket.send(encodeAgentFrame(type, payload, re ? { re } : {}));
  }

  private answer(frame: ServerFrame) {
    this.asked.push(frame.type);
    if (frame.type === 'config') this.configs.push(frame.payload.config);
    if (frame.type === 'processes.list') {
      this.send('processes.list.result', { processes: PROCESSES, total: 187, sampled_ms: 500 }, frame.id);
    } else if (frame.type === 'disk.usage') {
      const base = frame.payload.path ?? '/';
      const under = (name: string) => `${base === '/' ? '' : base}/${name}`;
      this.send(
        'disk.usage.result',
        {
          partitions: [
            {
              mount: '/',
              device: '/dev/sda2',
              fs_type: 'ext4',
              size_bytes: 100 * 1024 ** 3,
              used_bytes: 93 * 1024 ** 3,
              available_bytes: 7 * 1024 ** 3,
              used_percent: 93,
            },
            {
              mount: '/srv',
              device: '/dev/sda3',
              fs_type: 'xfs',
              size_bytes: 370 * 1024 ** 3,
              used_bytes: 120 * 1024 ** 3,
              available_bytes: 250 * 1024 ** 3,
              used_percent: 32.4,
            },
          ],
          path: base,
          folders: [
            { path: under('var'), size_bytes: 61 * 1024 ** 3 },
            { path: under('usr'), size_bytes: 14 * 1024 ** 3 },
            { path: under('home'), size_bytes: 9 * 1024 ** 3 },
            { path: under('opt'), size_bytes: 3 * 1024 ** 3 },
          ],
          partial: base === '/',
          scanned_entries: 184_220,
        },
        frame.id,
      );
    }
  }

  close() {
    this.socket.close(1000);
  }
}

/** A call as the signed-in user (cookie + CSRF), from the page. */
async function asUser<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrf_token: string };
      const res = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    { method, path, body },
  );
}

function devicesUrl(query = '') {
  return `${server.url}/partners/${partnerId}/devices${query}`;
}

/** The list's row for a hostname. */
const row = (hostname: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: hostname, exact: true }) });

beforeAll(async () => {
  const webDir = await buildDashboard();
  server = await startE2eServer(webDir);
  const tenancy = new TenancyService(server.database.db);
  partnerId = (await tenancy.createPartner({ name: 'Northwind MSP' }, SYSTEM_ACTOR)).id;
  organizationId = (await tenancy.createOrganization(partnerId, { name: 'Contoso Ltd' }, SYSTEM_ACTOR)).id;
  siteId = (await tenancy.createSite(partnerId, organizationId, { name: 'Head Office' }, SYSTEM_ACTOR)).id;
  await createUserWithPassword(server.database.db, {
    email,
    name: 'Tess Tech',
    password: server.password,
    partnerId,
    roleKey: 'owner',
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  consoleProblems = watchConsole(page);
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });

  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/organizations$/);
}, 180_000);

afterAll(async () => {
  for (const a of agents) a.close();
  await browser?.close();
  await server?.close();
});

describe('devices', () => {
  it('shows the empty state with the way to the install link', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.waitForURL(new RegExp(`/partners/${partnerId}/devices$`));
    await expect.poll(() => page.getByText('No devices yet — copy the install link from a site').count()).toBe(1);
    await screenshot(page, 'devices-01-empty');
  });

  it('lists agents enrolled with a token made through the API', async () => {
    const made = await asUser<{ token: string }>(
      'POST',
      `/partners/${partnerId}/organizations/${organizationId}/sites/${siteId}/enrollment-tokens`,
      { name: 'e2e agents', max_uses: 10, expires_in_hours: 1 },
    );
    expect(made.status).toBe(201);
    const token = made.body.token;
    agents.push(await SimAgent.start(token, inventoryFor('web-01', '10.20.30.41', '1c:2a:3b:4c:5d:01'), statusFor(41)));
    agents.push(await SimAgent.start(token, inventoryFor('db-02', '10.20.30.42', '1c:2a:3b:4c:5d:02'), statusFor(93)));
    agents.push(await SimAgent.start(token, inventoryFor(XSS_HOST, '10.20.30.43', '1c:2a:3b:4c:5d:03', XSS_OS), statusFor(20)));

    await page.goto(devicesUrl());
    await expect.poll(() => page.getByRole('row').count()).toBe(4); // header + 3
    await expect.poll(() => row('db-02').getByText('Online').count()).toBe(1);
    await expect.poll(() => row('db-02').getByText('10.20.30.42').count()).toBe(1);
    await screenshot(page, 'devices-02-list');
  });

  it('searches by IP address and finds only that device', async () => {
    await page.getByRole('searchbox', { name: /Search devices/ }).fill('10.20.30.42');
    await page.waitForURL(/q=10\.20\.30\.42/);
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    expect(await row('db-02').count()).toBe(1);
    await screenshot(page, 'devices-03-search-ip');
    // The export takes the list's filters: only db-02.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^devices-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = (await fs.readFile((await download.path())!, 'utf8')).trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(/^"db-02","online","Contoso Ltd","Head Office",/);
  });

  it('opens the device page with its cards', async () => {
    await page.getByRole('link', { name: 'db-02', exact: true }).click();
    await page.waitForURL(new RegExp(`/devices/${agents[1]!.deviceId}$`));
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('db-02');
    await expect.poll(() => page.getByText('PowerEdge R650').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('cell', { name: 'postgresql-16' }).count()).toBe(1);
    const crumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).textContent();
    expect(crumbs).toContain('Contoso Ltd');
    expect(crumbs).toContain('Head Office');
    expect(crumbs).toContain('db-02');
    await screenshot(page, 'devices-04-device');
  });

  it('the CPU card opens the process list sorted by CPU, asked of the agent live', async () => {
    await page.getByTestId('cpu-card').click();
    await page.waitForURL(/\/processes\?sort=cpu$/);
    await expect.poll(() => page.getByRole('cell', { name: 'backup-job' }).count()).toBe(1);
    const names = await page.locator('tbody tr td:first-child').allTextContents();
    expect(names).toEqual(['backup-job', 'postgres', 'node', 'systemd']);
    expect(agents[1]!.asked).toContain('processes.list');
    await expect.poll(() => page.getByText(/Top 4 of 187 processes/).count()).toBe(1);
    await screenshot(page, 'devices-05-processes');

    await page.getByRole('button', { name: /^Memory/ }).click();
    await page.waitForURL(/sort=memory/);
    await expect.poll(() => page.locator('tbody tr td:first-child').first().textContent()).toBe('node');
  });

  it('the disk view shows partitions and drills into a folder', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/devices/${agents[1]!.deviceId}/disk`);
    await expect.poll(() => page.getByRole('heading', { name: 'Partitions' }).count()).toBe(1);
    await expect.poll(() => page.getByText('Partial scan').count()).toBe(1);
    await screenshot(page, 'devices-06-disk');
    await page.getByRole('button', { name: '/var', exact: true }).click();
    await page.waitForURL(/path=%2Fvar/);
    await expect.poll(() => page.getByRole('button', { name: '/var/usr' }).count()).toBe(1);
    expect(await page.getByText('Partial scan').count()).toBe(0);
  });

  it('renders agent-supplied markup as literal text', async () => {
    await page.goto(devicesUrl(`?q=${encodeURIComponent('10.20.30.43')}`));
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    expect(await page.locator('tbody').getByText(XSS_HOST, { exact: true }).count()).toBe(1);
    await page.locator('tbody a').first().click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(XSS_HOST);
    expect(await page.getByTestId('device-os').textContent()).toContain(XSS_OS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    await screenshot(page, 'devices-07-inert-strings');
    expect(dialogs).toEqual([]);
  });

  it('a device that disconnects flips to Offline without a reload', async () => {
    await page.goto(devicesUrl());
    await expect.poll(() => row('web-01').getByText('Online').count()).toBe(1);
    const marker = await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = Date.now()));
    agents[0]!.close();
    await expect.poll(() => row('web-01').getByText('Offline').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(marker);
    await screenshot(page, 'devices-08-offline-live');

    // Asking an offline device says so plainly, with a way to try again.
    await page.goto(`${server.url}/partners/${partnerId}/devices/${agents[0]!.deviceId}/processes`);
    await expect.poll(() => page.getByText('The device is offline', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await screenshot(page, 'devices-08b-processes-offline');
  });

  it('a manager overrides the heartbeat of one device; the connected agent gets it at once', async () => {
    const db = agents[1]!;
    await page.goto(`${server.url}/partners/${partnerId}/devices/${db.deviceId}`);
    const heartbeat = page.getByLabel('Heartbeat (seconds)');
    await heartbeat.fill('90');
    await page.getByRole('button', { name: 'Save intervals' }).click();
    await expect.poll(() => page.getByText('Device settings saved').count()).toBe(1);
    await expect.poll(() => db.configs.at(-1)?.heartbeat_seconds).toBe(90);
    await screenshot(page, 'devices-12-settings');
  });

  it('revokes and deletes a device after confirmations that name it', async () => {
    const web = agents[0]!;
    await page.goto(`${server.url}/partners/${partnerId}/devices/${web.deviceId}`);
    await page.getByRole('button', { name: 'Revoke agent' }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toContain('“web-01”');
    await screenshot(page, 'devices-13-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revoke agent' }).click();
    await expect.poll(() => page.getByTestId('device-status').first().textContent()).toBe('Revoked');

    await page.getByRole('button', { name: 'Delete device' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('“web-01”');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete device' }).click();
    await page.waitForURL(new RegExp(`/partners/${partnerId}/devices$`));
    await expect.poll(() => page.getByRole('row').count()).toBe(3);
    expect(await row('web-01').count()).toBe(0);
  });

  it('the partner page has a health card whose numbers link to the filtered list', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).click();
    const card = page.getByTestId('devices-health');
    await expect.poll(() => card.getByRole('link', { name: /^2 total/ }).count()).toBe(1);
    await expect.poll(() => card.getByRole('link', { name: /^2 online/ }).count()).toBe(1);
    await expect.poll(() => card.getByRole('link', { name: /^1 low disk/ }).count()).toBe(1);
    await screenshot(page, 'devices-09-partner-dashboard');
    await card.getByRole('link', { name: /^1 low disk/ }).click();
    await page.waitForURL(/low_disk=1/);
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    expect(await row('db-02').count()).toBe(1);
  });

  it('the site page shows the install link, and a new token once', async () => {
    await page.goto(`${server.url}/partners/${partnerId}/organizations/${organizationId}/sites/${siteId}`);
    const link = page.getByTestId('install-link');
    await expect.poll(() => link.textContent()).toMatch(/\/install\/\S+$/);
    await expect.poll(() => page.getByRole('cell', { name: 'e2e agents' }).count()).toBe(1);
    await screenshot(page, 'devices-10-site-install');

    const before = await link.textContent();
    await page.getByRole('button', { name: 'Rotate link' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('stop working');
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate link' }).click();
    await expect.poll(() => link.textContent()).not.toBe(before);

    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Intune rollout');
    await dialog.getByLabel('Max uses').fill('25');
    await dialog.getByLabel('Expires in (hours)').fill('48');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('enrollment-token');
    await shown.waitFor();
    const token = (await shown.textContent())!.trim();
    expect(token).toMatch(/^cret_/);
    expect(await page.getByText('You will not see this token again').count()).toBe(1);
    await screenshot(page, 'devices-11-token-once');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'Intune rollout' }).count()).toBe(1);
    expect(await page.content()).not.toContain(token);
  });

  it('had no console errors or CSP violations', () => {
    // the sign-in page's session probe answers 401 before signing in; asking
    // the offline device for its processes answers 409 device_offline, on purpose
    expect(consoleProblems.filter((p) => !/status of (401|409)/.test(p))).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
