// The real agent against the real server (AGT1, AGT3-AGT8, GW1, GW6; security.md 18):
// the built agent bundle enrolls by token and by site code, reports this
// machine's inventory, answers the process list and disk usage, comes back by
// itself after a server restart, and is shut out for good when revoked.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../apps/server/src/app.js';
import { SYSTEM_ACTOR } from '../apps/server/src/platform/audit/audit.js';
import { createUserWithPassword } from '../apps/server/src/platform/auth/users.js';
import { SecretBox } from '../apps/server/src/platform/secrets.js';
import { TenancyService } from '../apps/server/src/modules/tenancy/index.js';
import { PASSWORD, testConfig } from '../apps/server/test/support/app.js';
import { createTestDatabase, type TestDatabase } from '../apps/server/test/support/db.js';
import { freePort } from '../apps/server/test/support/ports.js';

const AGENT = path.resolve(import.meta.dirname, '../apps/agent/dist/cloudrmm-agent.mjs');
const run = promisify(execFile);

let database: TestDatabase;
let app: FastifyInstance | null = null;
let port: number;
let url: string;
const secrets = new SecretBox(randomBytes(32));
let partnerId: string;
let organizationId: string;
let siteId: string;
let cookie: string;
let csrf: string;
const dirs: string[] = [];
const agents: ChildProcess[] = [];

async function startServer() {
  app = await buildApp({
    config: testConfig({ port, publicUrl: url }),
    db: database.db,
    log: pino({ level: 'silent' }),
    secrets,
  });
  await app.listen({ host: '127.0.0.1', port });
}

async function api<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${url}/api/v1${route}`, {
    method,
    headers: {
      cookie,
      'x-csrf-token': csrf,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}

const sitePath = () => `/partners/${partnerId}/organizations/${organizationId}/sites/${siteId}`;

async function agentDir() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-agent-e2e-'));
  dirs.push(dir);
  return path.join(dir, 'state');
}

function agentCli(dir: string, args: string[]) {
  return run(process.execPath, [AGENT, ...args], { env: { ...process.env, CLOUDRMM_AGENT_DIR: dir }, timeout: 60_000 });
}

function startAgent(dir: string) {
  const child = spawn(process.execPath, [AGENT, 'run', '--dev'], {
    env: { ...process.env, CLOUDRMM_AGENT_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  agents.push(child);
  return { child, log: () => log };
}

interface Device {
  id: string;
  hostname: string;
  online: boolean;
  os_name: string;
  ip_addresses: string[];
  revoked: boolean;
  inventory: { os: { name: string; kernel: string }; software: unknown[]; network: unknown[] } | null;
}

async function deviceById(id: string) {
  return (await api<Device>('GET', `/partners/${partnerId}/devices/${id}`)).json;
}

async function status(dir: string) {
  const { stdout } = await agentCli(dir, ['status', '--json']);
  return JSON.parse(stdout) as { enrolled: boolean; device_id?: string; connection?: string; [k: string]: unknown };
}

beforeAll(async () => {
  database = await createTestDatabase();
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await startServer();
  const tenancy = new TenancyService(database.db);
  const partner = await tenancy.createPartner({ name: 'Agent Partner' }, SYSTEM_ACTOR);
  const org = await tenancy.createOrganization(partner.id, { name: 'Agent Org' }, SYSTEM_ACTOR);
  const site = await tenancy.createSite(partner.id, org.id, { name: 'Agent Site' }, SYSTEM_ACTOR);
  [partnerId, organizationId, siteId] = [partner.id, org.id, site.id];
  const email = 'tech@agent-e2e.test';
  await createUserWithPassword(database.db, { email, name: 'Tech', password: PASSWORD, partnerId, roleKey: 'owner' });
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
});

afterAll(async () => {
  for (const a of agents) a.kill('SIGTERM');
  await app?.close();
  await database?.drop();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('the real agent', () => {
  let tokenDir: string;
  let deviceId: string;
  let agent: ReturnType<typeof startAgent>;

  it('enrolls with a one-time token, and the token cannot be used twice', async () => {
    const made = await api<{ token: string }>('POST', `${sitePath()}/enrollment-tokens`, { name: 'e2e', max_uses: 1 });
    expect(made.status).toBe(201);
    tokenDir = await agentDir();
    const { stdout } = await agentCli(tokenDir, ['enroll', '--server', url, '--token', made.json.token, '--dev']);
    expect(stdout).toMatch(/enrolled/i);
    const st = await status(tokenDir);
    expect(st.enrolled).toBe(true);
    deviceId = st.device_id!;
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
    // state directory and credential are for root's eyes only (AGT16, security.md 19)
    expect((await fs.stat(tokenDir)).mode & 0o777).toBe(0o700);
    for (const f of await fs.readdir(tokenDir)) {
      const st = await fs.stat(path.join(tokenDir, f));
      if (st.isFile()) expect(st.mode & 0o077, f).toBe(0);
    }
    // the credential is not stored in the clear
    for (const f of await fs.readdir(tokenDir)) {
      const p = path.join(tokenDir, f);
      if ((await fs.stat(p)).isFile()) expect(await fs.readFile(p, 'utf8'), f).not.toMatch(/crma_[0-9a-f]{32}_/);
    }

    const again = await agentCli(await agentDir(), ['enroll', '--server', url, '--token', made.json.token, '--dev']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(again).toMatchObject({ code: 1 });
    expect((again as { stderr: string }).stderr).toMatch(/used up|already been used|no uses left/i);
  });

  it('connects, shows online, and reports this machine’s real inventory', async () => {
    agent = startAgent(tokenDir);
    await expect.poll(async () => (await deviceById(deviceId)).online, { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => (await deviceById(deviceId)).inventory !== null, { timeout: 30_000 }).toBe(true);
    const device = await deviceById(deviceId);
    expect(device.hostname).toBe(os.hostname());
    // a real distribution name, not just "linux" (AGT4)
    expect(device.os_name.toLowerCase()).not.toBe('linux');
    expect(device.inventory!.os.kernel).toBe(os.release());
    expect(device.inventory!.software.length).toBeGreaterThan(10);
    const ips = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === 'IPv4')
      .map((i) => i!.address);
    for (const ip of ips) expect(device.ip_addresses).toContain(ip);

    // found by the global search, by IP and by OS name
    if (ips[0]) {
      const found = await api<{ items: Device[] }>('GET', `/partners/${partnerId}/devices?q=${encodeURIComponent(ips[0])}`);
      expect(found.json.items.map((d) => d.id)).toContain(deviceId);
    }
    const software = await api<{ items: { name: string }[] }>(
      'GET',
      `/partners/${partnerId}/devices/${deviceId}/software?q=bash`,
    );
    expect(software.json.items.some((s) => s.name === 'bash')).toBe(true);
  });

  it('answers the process list sorted by CPU or memory, and disk usage (AGT7, AGT8)', async () => {
    const byMemory = await api<{ items: { pid: number; memory_bytes: number; name: string }[] }>(
      'GET',
      `/partners/${partnerId}/devices/${deviceId}/processes?sort=memory&limit=50`,
    );
    expect(byMemory.status).toBe(200);
    expect(byMemory.json.items.length).toBeGreaterThan(3);
    const mem = byMemory.json.items.map((p) => p.memory_bytes);
    expect(mem).toEqual([...mem].sort((a, b) => b - a));
    // the agent itself is among the processes
    expect(byMemory.json.items.some((p) => p.pid === agent.child.pid) || byMemory.json.items.length === 50).toBe(true);

    const disk = await api<{ partitions: { mount: string; used_percent: number }[]; folders: { path: string }[] }>(
      'GET',
      `/partners/${partnerId}/devices/${deviceId}/disk-usage?path=${encodeURIComponent(path.resolve(AGENT, '../..'))}&top=5`,
    );
    expect(disk.status).toBe(200);
    expect(disk.json.partitions.some((p) => p.mount === '/')).toBe(true);
    expect(disk.json.folders.length).toBeGreaterThan(0);
  });

  it('takes new settings live, without a restart (GW6)', async () => {
    const before = await api<{ version: number }>('GET', `/partners/${partnerId}/devices/${deviceId}`);
    const patched = await api('PATCH', `/partners/${partnerId}/devices/${deviceId}`, {
      version: before.json.version,
      heartbeat_seconds: 7,
    });
    expect(patched.status).toBe(200);
    await expect
      .poll(async () => JSON.stringify(await status(tokenDir)), { timeout: 10_000 })
      .toMatch(/"heartbeat_seconds":\s*7/);
    expect(agent.child.exitCode).toBeNull();
  });

  it('reconnects by itself after the server restarts', async () => {
    await app!.close();
    app = null;
    await expect.poll(async () => (await status(tokenDir)).connection, { timeout: 15_000 }).not.toBe('connected');
    await startServer();
    await expect.poll(async () => (await deviceById(deviceId)).online, { timeout: 30_000 }).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });

  it('enrolls by site code too, as the install link does', async () => {
    const enrollment = await api<{ site_code: string }>('GET', `${sitePath()}/enrollment`);
    expect(enrollment.status).toBe(200);
    const dir = await agentDir();
    await agentCli(dir, ['enroll', '--server', url, '--site-code', enrollment.json.site_code, '--dev']);
    const st = await status(dir);
    expect(st.enrolled).toBe(true);
    expect(st.device_id).not.toBe(deviceId);
    const listed = await api<{ items: Device[] }>('GET', `/partners/${partnerId}/devices?site_id=${siteId}`);
    expect(listed.json.items.map((d) => d.id)).toEqual(expect.arrayContaining([deviceId, st.device_id]));
  });

  it('is shut out within seconds when revoked, and stays out (security.md 18)', async () => {
    const revoked = await api<Device>('POST', `/partners/${partnerId}/devices/${deviceId}/revoke`);
    expect(revoked.status).toBe(200);
    // the socket is closed at once in this process; the 5-second bound is for other gateways' sweeps
    await expect.poll(async () => (await deviceById(deviceId)).online, { timeout: 7_000 }).toBe(false);
    await expect.poll(async () => (await status(tokenDir)).connection, { timeout: 10_000 }).toBe('revoked');
    // it does not get back in
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await deviceById(deviceId)).online).toBe(false);
    expect(agent.log()).toMatch(/revoked/i);
  });
});
