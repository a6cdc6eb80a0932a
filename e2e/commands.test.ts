// Commands end to end (AGT9, AGT18, AUT1, AUT5, DEV8; security.md 26, 27): the
// built agent bundle runs real bash, sh and Python scripts the real server
// signed, streams their output, honours timeouts, caps and cancellation, and
// no run is lost or left running when the server or the agent dies mid-run.
import { execFile } from 'node:child_process';
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
import { RealAgent, signIn, waitOnline, type Api } from './support/agent.js';

const exec = promisify(execFile);

let database: TestDatabase;
let app: FastifyInstance | null = null;
let port: number;
let url: string;
const secrets = new SecretBox(randomBytes(32));
let partnerId: string;
let api: Api;
let deviceId: string;
let agent: RealAgent;
const scratch: string[] = [];

async function startServer() {
  app = await buildApp({
    config: testConfig({ port, publicUrl: url }),
    db: database.db,
    log: pino({ level: 'silent' }),
    secrets,
  });
  await app.listen({ host: '127.0.0.1', port });
}

interface Run {
  id: string;
  task_id: string;
  status: string;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}

const FINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

async function runOf(taskId: string): Promise<Run> {
  const list = await api<{ items: Run[] }>('GET', `/partners/${partnerId}/runs?task_id=${taskId}`);
  expect(list.status).toBe(200);
  expect(list.json.items).toHaveLength(1);
  return (await api<Run>('GET', `/partners/${partnerId}/runs/${list.json.items[0]!.id}`)).json;
}

async function finished(taskId: string, timeout = 30_000): Promise<Run> {
  await expect.poll(async () => (await runOf(taskId)).status, { timeout }).toSatisfy((s: string) => FINAL.includes(s));
  return runOf(taskId);
}

async function task(body: Record<string, unknown>): Promise<string> {
  const made = await api<{ id: string }>('POST', `/partners/${partnerId}/tasks`, {
    target: { type: 'devices', ids: [deviceId] },
    ...body,
  });
  expect(made.status, JSON.stringify(made.json)).toBe(201);
  return made.json.id;
}

async function script(body: Record<string, unknown>): Promise<string> {
  const made = await api<{ id: string }>('POST', `/partners/${partnerId}/scripts`, {
    description: '',
    category: 'Tests',
    target_os: ['linux'],
    default_timeout_seconds: 60,
    run_as: 'system',
    parameters: [],
    ...body,
  });
  expect(made.status, JSON.stringify(made.json)).toBe(201);
  return made.json.id;
}

/** Processes whose command line holds the marker (the test's own pgrep excluded). */
async function processesWith(marker: string): Promise<number> {
  const { stdout } = await exec('ps', ['-eo', 'args']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo')).length;
}

async function tempDir() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-commands-e2e-'));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  database = await createTestDatabase();
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await startServer();
  const tenancy = new TenancyService(database.db);
  const partner = await tenancy.createPartner({ name: 'Commands Partner' }, SYSTEM_ACTOR);
  const org = await tenancy.createOrganization(partner.id, { name: 'Commands Org' }, SYSTEM_ACTOR);
  const site = await tenancy.createSite(partner.id, org.id, { name: 'Commands Site' }, SYSTEM_ACTOR);
  partnerId = partner.id;
  const email = 'tech@commands-e2e.test';
  await createUserWithPassword(database.db, { email, name: 'Tech', password: PASSWORD, partnerId, roleKey: 'owner' });
  api = await signIn(url, email, PASSWORD);
  const token = await api<{ token: string }>(
    'POST',
    `/partners/${partnerId}/organizations/${org.id}/sites/${site.id}/enrollment-tokens`,
    { name: 'commands', max_uses: 1 },
  );
  agent = await RealAgent.create();
  deviceId = await agent.enroll(url, token.json.token);
  agent.start();
  await waitOnline(api, partnerId, deviceId, agent);
});

afterAll(async () => {
  await agent?.dispose();
  await app?.close();
  await database?.drop();
  for (const d of scratch) await fs.rm(d, { recursive: true, force: true });
});

describe('scripts on a real agent', () => {
  it('runs a bash script whose parameters arrive verbatim as argv and environment, never as shell text (security.md 27)', async () => {
    const dir = await tempDir();
    const canary = path.join(dir, 'pwned');
    const hostile = `$(touch ${canary}); \`touch ${canary}\` ; rm -rf ~/nothing "double" 'single' | & > <`;
    const id = await script({
      name: 'Echo parameters',
      language: 'bash',
      body: 'printf "argv1=%s\\n" "$1"\nprintf "env=%s\\n" "$CLOUDRMM_PARAM_MESSAGE"\nprintf "count=%s\\n" "$CLOUDRMM_PARAM_COUNT"\nprintf "host=%s\\n" "$CLOUDRMM_DEVICE_HOSTNAME"\n[ -n "$CLOUDRMM_PARAM_TOKEN" ] && echo "secret arrived"\n',
      parameters: [
        { name: 'message', label: 'Message', type: 'string', required: true },
        { name: 'count', label: 'Count', type: 'number', required: false, default: 3 },
        { name: 'token', label: 'Token', type: 'secret', required: true },
      ],
    });
    const secret = `s3cret-${randomBytes(6).toString('hex')}`;
    const taskId = await task({ kind: 'script', script_id: id, parameters: { message: hostile, token: secret } });
    const run = await finished(taskId);
    expect(run.status, run.stderr + run.error).toBe('succeeded');
    expect(run.exit_code).toBe(0);
    expect(run.stdout).toContain(`argv1=${hostile}\n`);
    expect(run.stdout).toContain(`env=${hostile}\n`);
    expect(run.stdout).toContain('count=3\n');
    expect(run.stdout).toContain(`host=${os.hostname()}\n`);
    expect(run.stdout).toContain('secret arrived');
    expect(run.stdout).not.toContain(secret);
    await expect(fs.stat(canary)).rejects.toThrow();
    // the secret is in no answer of the API
    const t = await api('GET', `/partners/${partnerId}/tasks/${taskId}`);
    expect(JSON.stringify(t.json)).not.toContain(secret);
    expect(JSON.stringify(await api('GET', `/partners/${partnerId}/runs?task_id=${taskId}`))).not.toContain(secret);
  });

  it('runs sh and Python too, and a one-off shell command', async () => {
    const py = await script({
      name: 'Python facts',
      language: 'python',
      body: 'import sys, os\nprint("python", sys.version_info[0])\nprint("args", sys.argv[1:])\nsys.exit(3)\n',
      parameters: [{ name: 'word', label: 'Word', type: 'string', required: true }],
    });
    const pyRun = await finished(await task({ kind: 'script', script_id: py, parameters: { word: 'a b;c' } }));
    expect(pyRun.status).toBe('failed');
    expect(pyRun.exit_code).toBe(3);
    expect(pyRun.stdout).toContain('python 3');
    expect(pyRun.stdout).toContain(`args ['a b;c']`);

    const sh = await finished(await task({ kind: 'shell', interpreter: 'sh', command: 'echo "from sh: $0" >&2; uname -s' }));
    expect(sh.status).toBe('succeeded');
    expect(sh.stdout.trim()).toBe('Linux');
    expect(sh.stderr).toContain('from sh');
  });

  it('streams output while the script runs', async () => {
    const taskId = await task({
      kind: 'shell',
      interpreter: 'bash',
      command: 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 1; done',
    });
    // part of the output is there while the run is still running
    await expect
      .poll(
        async () => {
          const r = await runOf(taskId);
          return r.status === 'running' && r.stdout.includes('line 2') && !r.stdout.includes('line 6');
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    const run = await finished(taskId);
    expect(run.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n');
  });

  it('kills the whole process tree on timeout', async () => {
    const marker = `timeout-marker-${randomBytes(4).toString('hex')}`;
    const taskId = await task({
      kind: 'shell',
      interpreter: 'bash',
      command: `(exec -a ${marker} sleep 300) & wait`,
      timeout_seconds: 2,
    });
    const run = await finished(taskId, 20_000);
    expect(run.status).toBe('timed_out');
    await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toBe(0);
  });

  it('keeps the first bytes of a large output and says it was cut', async () => {
    const run = await finished(
      await task({ kind: 'shell', interpreter: 'sh', command: 'head -c 2000000 /dev/zero | tr "\\0" x' }),
    );
    expect(run.status).toBe('succeeded');
    expect(run.stdout_truncated).toBe(true);
    expect(run.stdout.length).toBeGreaterThan(100_000);
    expect(run.stdout.length).toBeLessThanOrEqual(384 * 1024);
    expect(run.stdout).toMatch(/^x+$/);
  });

  it('cancels a running script and kills what it started', async () => {
    const marker = `cancel-marker-${randomBytes(4).toString('hex')}`;
    const taskId = await task({ kind: 'shell', interpreter: 'bash', command: `(exec -a ${marker} sleep 300) & wait` });
    await expect.poll(async () => (await runOf(taskId)).status, { timeout: 15_000 }).toBe('running');
    await expect.poll(() => processesWith(marker), { timeout: 5_000 }).toBe(1);
    const run = await runOf(taskId);
    expect((await api('POST', `/partners/${partnerId}/runs/${run.id}/cancel`)).status).toBe(200);
    const done = await finished(taskId);
    expect(done.status).toBe('cancelled');
    await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toBe(0);
  });
});

describe('nothing is lost', () => {
  it('a run survives a server restart mid-run: the agent delivers its result when it reconnects', async () => {
    const taskId = await task({ kind: 'shell', interpreter: 'sh', command: 'echo before; sleep 4; echo after' });
    await expect.poll(async () => (await runOf(taskId)).status, { timeout: 15_000 }).toBe('running');
    await app!.close();
    app = null;
    await new Promise((r) => setTimeout(r, 5_000));
    await startServer();
    const run = await finished(taskId, 40_000);
    expect(run.status).toBe('succeeded');
    expect(run.stdout).toBe('before\nafter\n');
  });

  it('a run queued while the device is offline is delivered when it comes back', async () => {
    await agent.stop('SIGTERM');
    await expect
      .poll(async () => (await api<{ online: boolean }>('GET', `/partners/${partnerId}/devices/${deviceId}`)).json.online, {
        timeout: 15_000,
      })
      .toBe(false);
    const taskId = await task({ kind: 'shell', interpreter: 'sh', command: 'echo queued while away' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await runOf(taskId)).status).toBe('queued');
    agent.start();
    const run = await finished(taskId, 40_000);
    expect(run.status).toBe('succeeded');
    expect(run.stdout).toBe('queued while away\n');
  });

  it('an agent killed mid-run reports the run failed when it restarts, and the script is not left running', async () => {
    const marker = `crash-marker-${randomBytes(4).toString('hex')}`;
    const taskId = await task({ kind: 'shell', interpreter: 'bash', command: `(exec -a ${marker} sleep 300) & wait` });
    await expect.poll(async () => (await runOf(taskId)).status, { timeout: 15_000 }).toBe('running');
    await agent.stop('SIGKILL');
    agent.start();
    const run = await finished(taskId, 40_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/agent stopped/i);
    await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toBe(0);
    // and it ran once: no second delivery started it again
    const runs = await api<{ items: Run[] }>('GET', `/partners/${partnerId}/runs?task_id=${taskId}`);
    expect(runs.json.items).toHaveLength(1);
  });
});
