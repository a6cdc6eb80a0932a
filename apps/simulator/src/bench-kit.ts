/*
 * What the benchmarks share: a real CloudRMM server with an embedded Postgres
 * in a temporary folder, a signed-in admin session, a partner with a site and
 * an enrollment token for the simulated fleet, and polling helpers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './cli.js';
import type { Simulation } from './simulation.js';
import { progressLine, type FleetStats } from './stats.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export const log = (line: string) => process.stderr.write(line + '\n');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A signed-in admin session against the bench server's REST API. */
export class Api {
  private cookie = '';
  private csrf = '';

  constructor(private readonly base: string) {}

  async login(email: string, password: string): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const body = (await res.json()) as { csrf_token?: string; second_factor_required?: boolean };
    if (res.status !== 200 || body.second_factor_required)
      throw new Error(`sign-in as ${email} failed: ${res.status} ${JSON.stringify(body)}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('crmm_session='));
    if (!cookie) throw new Error('sign-in set no session cookie');
    this.cookie = cookie.split(';')[0]!;
    this.csrf = body.csrf_token!;
  }

  async call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${pathname}`, {
      method,
      headers: {
        cookie: this.cookie,
        'x-csrf-token': this.csrf,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${pathname} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  dataDir: string;
  logFile: string;
  stop: () => Promise<void>;
}

export async function startServer(opts: {
  from: 'src' | 'dist';
  adminEmail: string;
  adminPassword: string;
}): Promise<ServerProcess> {
  if (opts.from === 'dist') {
    // Build output goes to stderr: stdout carries only the result JSON.
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-stale.mjs'), 'protocol', 'server'], {
      cwd: ROOT,
      stdio: ['ignore', 2, 2],
    });
    if (built.status !== 0) throw new Error('building the server failed');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudrmm-bench-'));
  const port = await freePort();
  const pgPort = await freePort();
  const logFile = path.join(dataDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const entry =
    opts.from === 'dist'
      ? [process.execPath, '--enable-source-maps', path.join(ROOT, 'apps/server/dist/main.js')]
      : [process.execPath, '--import', 'tsx', path.join(ROOT, 'apps/server/src/main.ts')];
  // Through a shell only to raise the open-files limit to the hard cap (20,000 here): one per agent socket.
  const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...entry, '--no-demo'], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      CLOUDRMM_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      CLOUDRMM_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CLOUDRMM_PG_PORT: String(pgPort),
      CLOUDRMM_ROLES: 'api,gateway,worker',
      CLOUDRMM_ADMIN_EMAIL: opts.adminEmail,
      CLOUDRMM_ADMIN_PASSWORD: opts.adminPassword,
      CLOUDRMM_WEB_DIR: '',
      LOG_LEVEL: 'warn',
    },
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([done, sleep(25_000)]);
    if (!exited) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error(`the server exited while starting; its log:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer /healthz within 3 minutes; its log:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  return { child, pid: child.pid!, url, dataDir, logFile, stop };
}

export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The embedded Postgres's postmaster (first line of postmaster.pid), if running. */
export function postmasterPid(dataDir: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

export async function waitFor(
  what: string,
  simulation: Simulation,
  done: (stats: FleetStats) => boolean,
  timeoutMs: number,
  progressMs: number,
  started: number,
): Promise<number | null> {
  const t0 = Date.now();
  let lastProgress = Date.now();
  for (;;) {
    const stats = simulation.stats();
    if (done(stats)) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs) {
      log(`[bench] gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
      return null;
    }
    if (progressMs > 0 && Date.now() - lastProgress >= progressMs) {
      lastProgress = Date.now();
      log(progressLine(stats, Date.now() - started));
    }
    await sleep(100);
  }
}

/** Bytes of the files under a folder (Postgres's data, as root: the bench may read it). */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(full);
    else if (e.isFile()) {
      try {
        total += fs.statSync(full).size;
      } catch {
        // removed meanwhile (WAL recycling)
      }
    }
  }
  return total;
}

export function mergeKinds(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** A partner, organization and site for the simulated fleet, and a token that enrolls all of it. */
export async function benchPartner(api: Api, agents: number): Promise<{ partnerId: string; token: string }> {
  const partner = await api.call<{ id: string }>('POST', '/partners', { name: 'Bench MSP' });
  const org = await api.call<{ id: string }>('POST', `/partners/${partner.id}/organizations`, { name: 'Bench Org' });
  const site = await api.call<{ id: string }>('POST', `/partners/${partner.id}/organizations/${org.id}/sites`, {
    name: 'Bench Site',
  });
  const token = await api.call<{ token: string }>(
    'POST',
    `/partners/${partner.id}/organizations/${org.id}/sites/${site.id}/enrollment-tokens`,
    { name: 'bench', max_uses: Math.min(agents, 100_000), expires_in_hours: 24 },
  );
  return { partnerId: partner.id, token: token.token };
}

/**
 * The server a benchmark measures (`--server-from src|dist`), with an admin
 * made for the run and signed in. The server is stopped again if sign-in fails.
 */
export async function startBenchServer(flags: Map<string, string>): Promise<{ server: ServerProcess; api: Api }> {
  const from = (flags.get('server-from') ?? 'dist') as 'src' | 'dist';
  if (from !== 'src' && from !== 'dist') throw new UsageError('--server-from must be src or dist');
  const adminEmail = 'bench@localhost';
  const adminPassword = randomBytes(18).toString('base64url');
  log(`[bench] starting a CloudRMM server (from ${from}) with an embedded Postgres...`);
  const server = await startServer({ from, adminEmail, adminPassword });
  log(`[bench] server pid ${server.pid} at ${server.url}, data in ${server.dataDir}`);
  const api = new Api(server.url);
  try {
    await api.login(adminEmail, adminPassword);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { server, api };
}
