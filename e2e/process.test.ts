// OPS1: the server as a real process: starts on an embedded PostgreSQL, prints
// where to go, serves, and stops cleanly (PostgreSQL included) on SIGTERM and SIGINT.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../apps/server/test/support/ports.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

function startProcess(env: Record<string, string>, args: string[] = []) {
  // Node itself with tsx's loader, not the tsx command: that wrapper SIGKILLs its child (exit 130) when the
  // child does not acknowledge a relayed signal within 60 ms, which a busy machine can miss.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'apps/server/src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', CLOUDRMM_WEB_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 90 s:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  return { child, ready, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Processes running with the given agent state directory (the local agent started by the server). */
async function agentProcesses(stateDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`CLOUDRMM_AGENT_DIR=${stateDir}`)) pids.push(Number(entry));
  }
  return pids;
}

async function signIn(base: string, email: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  return { cookie, csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

type LocalDevice = {
  id: string;
  hostname: string;
  online: boolean;
  os_name: string;
  site_name: string;
  organization_name: string;
};

/** This machine, as the demo partner's devices list shows it. */
async function localDevice(base: string, cookie: string): Promise<LocalDevice | undefined> {
  const partners = (await (await fetch(`${base}/api/v1/partners`, { headers: { cookie } })).json()) as {
    items: { id: string }[];
  };
  const devices = (await (
    await fetch(`${base}/api/v1/partners/${partners.items[0]!.id}/devices`, { headers: { cookie } })
  ).json()) as {
    items: LocalDevice[];
  };
  return devices.items.find((d) => d.hostname === os.hostname());
}

describe('the cloudrmm process', () => {
  it('starts, serves, and stops cleanly with its PostgreSQL on SIGTERM; a second start reuses the data', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-proc-'));
    dirs.push(dataDir);
    const port = await freePort();
    const pgPort = await freePort();
    const env = { CLOUDRMM_DATA_DIR: dataDir, PORT: String(port), CLOUDRMM_PG_PORT: String(pgPort) };

    const first = startProcess(env);
    const banner = await first.ready;
    expect(banner).toContain(`Dashboard:  http://localhost:${port}/`);
    expect(banner).toMatch(/Admin:\s+admin@localhost\s+password: \S{20}/);
    expect(banner).toContain('Demo user:  tech@acme.example');
    expect(banner).toContain('This machine: reports as a device through its local agent');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await portOpen(pgPort)).toBe(true);

    // OPS1: this machine is a real device, online with its real inventory, within a minute.
    const base = `http://127.0.0.1:${port}`;
    const demoPassword = /Demo user:\s+tech@acme\.example\s+password: (\S+)/.exec(banner)![1]!;
    const { cookie, csrf } = await signIn(base, 'tech@acme.example', demoPassword);
    await expect.poll(async () => (await localDevice(base, cookie))?.online, { timeout: 60_000 }).toBe(true);
    await expect.poll(async () => (await localDevice(base, cookie))?.os_name, { timeout: 60_000 }).toMatch(/\S+ \S+/);
    expect(await localDevice(base, cookie)).toMatchObject({ organization_name: 'Acme IT (internal)', site_name: 'Office' });
    const stateDir = path.join(dataDir, 'local-agent');
    expect(await agentProcesses(stateDir)).toHaveLength(1);

    // AGT9, AGT18: out of the box the local agent holds the command key and runs what the demo technician sends it.
    const partners = (await (await fetch(`${base}/api/v1/partners`, { headers: { cookie } })).json()) as {
      items: { id: string }[];
    };
    const pid = partners.items[0]!.id;
    const deviceId = (await localDevice(base, cookie))!.id;
    const made = await fetch(`${base}/api/v1/partners/${pid}/tasks`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'shell',
        interpreter: 'sh',
        command: 'echo "from the local agent"',
        target: { type: 'devices', ids: [deviceId] },
      }),
    });
    expect(made.status).toBe(201);
    const taskId = ((await made.json()) as { id: string }).id;
    const runOf = async () =>
      (
        (await (await fetch(`${base}/api/v1/partners/${pid}/runs?task_id=${taskId}`, { headers: { cookie } })).json()) as {
          items: { status: string; output_preview?: string }[];
        }
      ).items[0];
    await expect.poll(async () => (await runOf())?.status, { timeout: 30_000 }).toBe('succeeded');
    expect((await runOf())?.output_preview).toContain('from the local agent');

    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(pgPort)).toBe(false);
    // the local agent stopped with the server
    expect(await agentProcesses(stateDir)).toEqual([]);

    const second = startProcess(env, ['--no-demo']);
    const banner2 = await second.ready;
    expect(banner2).toContain(`(password in ${dataDir}/initial-admin.txt)`);
    expect(banner2).not.toContain('Demo user');
    // the local agent is enrolled already: it just runs again, as the same device
    await expect.poll(() => agentProcesses(stateDir), { timeout: 10_000 }).toHaveLength(1);
    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);
    expect(await agentProcesses(stateDir)).toEqual([]);
  }, 240_000);

  it('--no-local-agent starts no agent', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-proc-'));
    dirs.push(dataDir);
    const p = startProcess(
      { CLOUDRMM_DATA_DIR: dataDir, PORT: String(await freePort()), CLOUDRMM_PG_PORT: String(await freePort()) },
      ['--no-local-agent'],
    );
    expect(await p.ready).not.toContain('This machine:');
    expect(await agentProcesses(path.join(dataDir, 'local-agent'))).toEqual([]);
    p.child.kill('SIGTERM');
    expect(await exited(p.child)).toBe(0);
  }, 180_000);

  it('refuses to start on bad configuration, naming the variable', async () => {
    const p = startProcess({ PORT: 'not-a-port' });
    await expect(p.ready).rejects.toThrow(/PORT must be a whole number/);
    expect(await exited(p.child)).toBe(2);
  });
});
