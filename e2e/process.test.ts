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
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

function startProcess(env: Record<string, string>, args: string[] = []) {
  const child = spawn(TSX, [path.join(ROOT, 'apps/server/src/main.ts'), ...args], {
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
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await portOpen(pgPort)).toBe(true);

    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(pgPort)).toBe(false);

    const second = startProcess(env, ['--no-demo']);
    const banner2 = await second.ready;
    expect(banner2).toContain(`(password in ${dataDir}/initial-admin.txt)`);
    expect(banner2).not.toContain('Demo user');
    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
    expect(await portOpen(pgPort)).toBe(false);
  }, 180_000);

  it('refuses to start on bad configuration, naming the variable', async () => {
    const p = startProcess({ PORT: 'not-a-port' });
    await expect(p.ready).rejects.toThrow(/PORT must be a whole number/);
    expect(await exited(p.child)).toBe(2);
  });
});
