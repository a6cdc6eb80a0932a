import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from './support/cli-io.js';
import { startFakeServer, type FakeServer } from './support/fake-server.js';

const agentRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(agentRoot, 'dist', 'cloudrmm-agent.mjs');
const servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function env() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'agent-cli-'));
  writeFileSync(path.join(base, 'machine-id'), 'cli-test\n');
  return { CLOUDRMM_AGENT_DIR: path.join(base, 'state'), CLOUDRMM_AGENT_MACHINE_ID_FILE: path.join(base, 'machine-id') };
}

async function cli(args: string[], environment: NodeJS.ProcessEnv = env()) {
  const { io, out, err } = captureIo(environment);
  const code = await runCli(args, io);
  return { code, out: out(), err: err() };
}

describe('CLI usage', () => {
  it('--help prints usage and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/cloudrmm-agent enroll --server URL \(--site-code CODE \| --token TOKEN\)/);
  });

  it.each([
    [[], /Usage/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['enroll', '--site-code', 'x'], /enroll needs --server URL/],
    [['enroll', '--server', 'https://rmm.example.com'], /exactly one of --site-code or --token/],
    [
      ['enroll', '--server', 'https://rmm.example.com', '--site-code', 'a', '--token', 'b'],
      /exactly one of --site-code or --token/,
    ],
    [['enroll', '--server', 'not a url', '--site-code', 'a'], /is not a URL/],
    [['run', '--bogus'], /Unknown option '--bogus'/],
    [['status', 'extra'], /Unexpected argument 'extra'/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await cli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('run without an enrollment says how to enroll (exit 1)', async () => {
    const result = await cli(['run']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/not enrolled .*cloudrmm-agent enroll/);
  });

  it('status when not enrolled says so, in text and JSON', async () => {
    const environment = env();
    expect((await cli(['status'], environment)).out).toMatch(/^Not enrolled/);
    const json = JSON.parse((await cli(['status', '--json'], environment)).out) as { enrolled: boolean; connection: string };
    expect(json).toMatchObject({ enrolled: false, connection: 'not running' });
  });
});

describe('enrollment refusals print the server message and exit 1', () => {
  async function server() {
    const s = await startFakeServer();
    servers.push(s);
    return s;
  }

  it('an expired token', async () => {
    const s = await server();
    s.behaviour.enroll = {
      status: 403,
      body: { error: { code: 'enrollment_refused', message: 'this enrollment token has expired' } },
    };
    const environment = env();
    const result = await cli(['enroll', '--server', s.url, '--token', 'cret_x', '--dev'], environment);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/enrollment refused: this enrollment token has expired \(enrollment_refused\)/);
    expect(existsSync(environment.CLOUDRMM_AGENT_DIR) ? readdirSync(environment.CLOUDRMM_AGENT_DIR) : []).not.toContain(
      'credential.enc',
    );
  });

  it('a validation failure', async () => {
    const s = await server();
    s.behaviour.enroll = {
      status: 400,
      body: { error: { code: 'validation_failed', message: 'site_code: must be at most 128 characters' } },
    };
    const result = await cli(['enroll', '--server', s.url, '--site-code', 'x', '--dev']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/site_code: must be at most 128 characters/);
  });

  it('hello says upgrade_required or rejected', async () => {
    const s = await server();
    s.behaviour.hello = { action: 'upgrade_required', message: 'agent protocol 1 is too old; install the current agent' };
    let result = await cli(['enroll', '--server', s.url, '--site-code', 'x', '--dev']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/upgrade required: agent protocol 1 is too old/);
    s.behaviour.hello = { action: 'rejected', message: 'this server is older than the agent; upgrade the server' };
    result = await cli(['enroll', '--server', s.url, '--site-code', 'x', '--dev']);
    expect(result.err).toMatch(/refused: this server is older than the agent/);
  });

  it('an unreachable server', async () => {
    const result = await cli(['enroll', '--server', 'http://127.0.0.1:1', '--site-code', 'x', '--dev']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});

describe('the bundle', () => {
  beforeAll(() => {
    // Rebuild when any source is newer than the bundle.
    const newest = (dir: string): number =>
      Math.max(
        ...readdirSync(dir, { withFileTypes: true }).map((e) =>
          e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
        ),
      );
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(path.join(agentRoot, 'src'))) {
      execFileSync(process.execPath, [path.join(agentRoot, 'scripts', 'build.mjs')], { cwd: agentRoot, stdio: 'pipe' });
    }
  }, 60_000);

  it('is one executable file that runs --help from a directory without node_modules', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'agent-bundle-'));
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, '--help'], { cwd });
    expect(stdout).toMatch(/^cloudrmm-agent \d+\.\d+\.\d+: the CloudRMM endpoint agent/);
    expect(statSync(bundle).mode & 0o111).not.toBe(0);
    expect(statSync(bundle).size).toBeLessThan(1024 * 1024);
  });

  it('runs status (systeminformation, typebox and ws load from the bundle)', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'agent-bundle-'));
    const { stdout } = await promisify(execFile)(process.execPath, [bundle, 'status', '--json'], {
      cwd,
      env: { ...process.env, ...env() },
    });
    expect(JSON.parse(stdout)).toMatchObject({ enrolled: false });
  });

  it('enrolls, runs as its own process, answers status from another, and stops cleanly on SIGTERM', async () => {
    const s = await startFakeServer();
    servers.push(s);
    const environment = { ...process.env, ...env() };
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'agent-bundle-'));
    const exec = promisify(execFile);
    await exec(process.execPath, [bundle, 'enroll', '--server', s.url, '--site-code', 'abc', '--dev'], { cwd, env: environment });
    const agent = spawn(process.execPath, [bundle, 'run', '--dev'], {
      cwd,
      env: environment,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    agent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await s.waitFor((f) => f.type === 'inventory', 30_000);
      await vi.waitFor(
        async () => {
          const { stdout } = await exec(process.execPath, [bundle, 'status', '--json'], { cwd, env: environment });
          expect(JSON.parse(stdout)).toMatchObject({
            enrolled: true,
            running: true,
            connection: 'connected',
            device_id: s.ids.device_id,
          });
        },
        { timeout: 10_000, interval: 300 },
      );
      const { stdout: text } = await exec(process.execPath, [bundle, 'status'], { cwd, env: environment });
      expect(text).toMatch(/Connection\s+connected/);
    } finally {
      agent.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => agent.on('exit', resolve));
    expect(code).toBe(0);
    const events = stderr
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toContain('connection.open');
    expect(events).toContain('agent.stopped');
  }, 60_000);
});
