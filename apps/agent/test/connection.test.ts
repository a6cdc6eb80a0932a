import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentMessages, matches } from '@cloudrmm/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { statusReport } from '../src/commands/status.js';
import { createRegistry } from '../src/registry.js';
import { readRunStatus } from '../src/state/status-file.js';
import { Backoff } from '../src/transport/backoff.js';
import { AgentConnection } from '../src/transport/connection.js';
import { captureIo } from './support/cli-io.js';
import { startFakeServer, type FakeServer } from './support/fake-server.js';

const servers: FakeServer[] = [];
const connections: AgentConnection[] = [];

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake server, an agent enrolled with it (plaintext loopback, --dev), and a running connection. */
async function connectedAgent(
  setup: (server: FakeServer) => void = () => {},
  backoff?: Backoff,
  afterEnroll: (server: FakeServer) => void = () => {},
) {
  const server = await startFakeServer();
  servers.push(server);
  setup(server);
  const base = mkdtempSync(path.join(os.tmpdir(), 'agent-conn-'));
  writeFileSync(path.join(base, 'machine-id'), 'connection-test\n');
  const env = { CLOUDRMM_AGENT_DIR: path.join(base, 'state'), CLOUDRMM_AGENT_MACHINE_ID_FILE: path.join(base, 'machine-id') };
  const enrolled = captureIo(env);
  expect(await runCli(['enroll', '--server', server.url, '--site-code', 'abc', '--dev'], enrolled.io)).toBe(0);
  afterEnroll(server);
  const { logs } = captureIo(env);
  const connection = new AgentConnection({
    stateDir: env.CLOUDRMM_AGENT_DIR,
    dev: true,
    registry: createRegistry(),
    log: (level, event, fields = {}) => logs.push({ level, event, fields }),
    env,
    backoff,
  });
  connections.push(connection);
  await connection.start();
  return { server, env, connection, logs, dir: env.CLOUDRMM_AGENT_DIR };
}

describe('agent connection (AGT3)', () => {
  it('after welcome sends a valid inventory and status, writes the status file and logs the connect', async () => {
    const { server, dir, logs } = await connectedAgent();
    const inventory = await server.waitFor((f) => f.type === 'inventory', 30_000);
    const status = await server.waitFor((f) => f.type === 'status', 30_000);
    expect(matches(AgentMessages.inventory, inventory.payload)).toBe(true);
    expect(matches(AgentMessages.status, status.payload)).toBe(true);
    // Everything the agent sent passed the server's own checks.
    expect(server.rawFrames.length).toBe(server.frames.length);
    const report = statusReport(dir);
    expect(report).toMatchObject({
      enrolled: true,
      running: true,
      connection: 'connected',
      device_id: server.ids.device_id,
      config: server.behaviour.config,
    });
    expect(logs.map((l) => l.event)).toContain('connection.open');
  });

  it('does not resend an inventory the server already holds', async () => {
    const first = await connectedAgent();
    const sent = await first.server.waitFor((f) => f.type === 'inventory', 30_000);
    const hash = (sent.payload as { hash: string }).hash;
    const second = await connectedAgent((s) => (s.behaviour.inventoryHash = hash));
    await second.server.waitFor((f) => f.type === 'status', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(second.server.frames.filter((f) => f.type === 'inventory')).toHaveLength(0);
  });

  it('applies a pushed config live: the heartbeat is rescheduled without a restart', async () => {
    const { server, dir } = await connectedAgent(
      (s) => (s.behaviour.config = { heartbeat_seconds: 3600, inventory_minutes: 60 }),
    );
    await server.waitFor((f) => f.type === 'status', 30_000);
    server.send('config', { config: { heartbeat_seconds: 5, inventory_minutes: 30 } });
    const beat = await server.waitFor((f) => f.type === 'heartbeat', 8_000);
    expect(beat.payload).toEqual({ seq: 0 });
    expect(readRunStatus(dir)?.config).toEqual({ heartbeat_seconds: 5, inventory_minutes: 30 });
  }, 30_000);

  it('answers bad frames with an error frame and stays connected', async () => {
    const { server, connection } = await connectedAgent();
    await server.waitFor((f) => f.type === 'status', 30_000);
    server.sendRaw('this is not json');
    const malformed = await server.waitFor((f) => f.type === 'error');
    expect(malformed.payload).toMatchObject({ code: 'malformed_frame' });
    server.sendRaw(JSON.stringify({ v: 1, type: 'self.destruct', id: 'req-1', ts: Date.now(), payload: {} }));
    const unknown = await server.waitFor((f) => f.type === 'error' && f.re === 'req-1');
    expect(unknown.payload).toMatchObject({ code: 'unknown_type' });
    server.sendRaw(JSON.stringify({ v: 1, type: 'processes.list', id: 'req-2', ts: Date.now(), payload: { limit: -5 } }));
    const invalid = await server.waitFor((f) => f.type === 'error' && f.re === 'req-2');
    expect(invalid.payload).toMatchObject({ code: 'invalid_payload' });
    expect(connection.state).toBe('connected');
  });

  it('answers processes.list and disk.usage with re = the request id, and failures as error frames', async () => {
    const { server } = await connectedAgent();
    await server.waitFor((f) => f.type === 'status', 30_000);
    server.send('processes.list', { sort: 'cpu', limit: 10 }, { id: 'proc-1' });
    const processes = await server.waitFor((f) => f.re === 'proc-1', 15_000);
    expect(processes.type).toBe('processes.list.result');
    expect((processes.payload as { processes: unknown[] }).processes).toHaveLength(10);

    const tree = mkdtempSync(path.join(os.tmpdir(), 'agent-conn-du-'));
    server.send('disk.usage', { path: tree, top: 5, depth: 1 }, { id: 'du-1' });
    const usage = await server.waitFor((f) => f.re === 'du-1', 15_000);
    expect(usage.type).toBe('disk.usage.result');
    expect(usage.payload).toMatchObject({ path: tree, partial: false });

    server.send('disk.usage', { path: path.join(tree, 'missing') }, { id: 'du-2' });
    const failed = await server.waitFor((f) => f.re === 'du-2', 15_000);
    expect(failed.type).toBe('error');
    expect(failed.payload).toMatchObject({ code: 'failed' });
  });

  it('a 401 on upgrade means revoked: status says so, retries only around the cap, and a re-enrollment recovers', async () => {
    const { server, dir, env, logs } = await connectedAgent((s) => (s.behaviour.revoked = true));
    await vi.waitFor(() => expect(readRunStatus(dir)?.state).toBe('revoked'), { timeout: 10_000 });
    const status = readRunStatus(dir)!;
    expect(status.last_error).toMatch(/HTTP 401.*revoked/);
    expect(Date.parse(status.next_retry_at!) - Date.now()).toBeGreaterThan(140_000);
    const retry = logs.find((l) => l.event === 'connection.retry')!.fields;
    expect(retry).toMatchObject({ state: 'revoked' });
    // Jittered over [cap/2, cap): revoked agents do not all return at the same instant.
    expect(retry.retry_in_ms).toBeGreaterThanOrEqual(150_000);
    expect(retry.retry_in_ms).toBeLessThan(300_000);
    const { io, out } = captureIo(env);
    expect(await runCli(['status'], io)).toBe(0);
    expect(out()).toMatch(/REVOKED/);

    server.behaviour.revoked = false;
    const again = captureIo(env);
    expect(await runCli(['enroll', '--server', server.url, '--token', 'new-token', '--dev'], again.io)).toBe(0);
    await vi.waitFor(() => expect(readRunStatus(dir)?.state).toBe('connected'), { timeout: 12_000 });
  }, 30_000);

  it('close code 4003 means revoked', async () => {
    const { server, dir } = await connectedAgent();
    await server.waitFor((f) => f.type === 'status', 30_000);
    for (const ws of server.sockets) ws.close(4003, 'revoked');
    await vi.waitFor(() => expect(readRunStatus(dir)?.state).toBe('revoked'), { timeout: 10_000 });
    expect(readRunStatus(dir)?.last_error).toMatch(/credential was revoked/);
  });

  it('an ordinary disconnect retries soon with jitter, and reconnects', async () => {
    const { server, dir, logs } = await connectedAgent(undefined, new Backoff({ random: () => 0.1 }));
    await server.waitFor((f) => f.type === 'status', 30_000);
    for (const ws of server.sockets) ws.terminate();
    await vi.waitFor(() => expect(logs.filter((l) => l.event === 'connection.open')).toHaveLength(2), { timeout: 10_000 });
    const retry = logs.find((l) => l.event === 'connection.retry')!;
    expect(retry.fields.retry_in_ms).toBeLessThan(1000);
    expect(readRunStatus(dir)?.state).toBe('connected');
  });

  it.each([502, 503, 429, 408])(
    'hello answered %i (a proxy during a restart, a timeout, a rate limit) retries soon with jitter, not at the cap',
    async (status) => {
      const { server, dir, logs } = await connectedAgent(undefined, new Backoff({ random: () => 0.1 }), (s) => {
        s.behaviour.helloError = { status, body: '<html>Bad Gateway</html>' };
      });
      await vi.waitFor(() => expect(logs.some((l) => l.event === 'connection.retry')).toBe(true), { timeout: 10_000 });
      const retry = logs.find((l) => l.event === 'connection.retry')!.fields;
      expect(retry).toMatchObject({ state: 'disconnected' });
      expect(retry.retry_in_ms).toBeLessThan(1000);
      expect(readRunStatus(dir)?.state).toBe('disconnected');
      expect(logs.some((l) => l.event === 'connection.refused')).toBe(false);

      server.behaviour.helloError = null;
      await vi.waitFor(() => expect(readRunStatus(dir)?.state).toBe('connected'), { timeout: 10_000 });
    },
  );

  it('a hello refused with a 4xx or `rejected` is a refusal, retried around the cap with jitter', async () => {
    const { server, dir, logs } = await connectedAgent(undefined, new Backoff({ random: () => 0.3 }), (s) => {
      s.behaviour.helloError = { status: 403, body: { error: { code: 'forbidden', message: 'this agent is not allowed' } } };
    });
    await vi.waitFor(() => expect(readRunStatus(dir)?.state).toBe('refused'), { timeout: 10_000 });
    expect(logs.find((l) => l.event === 'connection.retry')?.fields).toMatchObject({ state: 'refused', retry_in_ms: 195_000 });
    expect(server.sockets.size).toBe(0);

    const again = await connectedAgent(undefined, new Backoff({ random: () => 0.9 }), (s) => {
      s.behaviour.hello = { action: 'rejected', message: 'device retired' };
    });
    await vi.waitFor(() => expect(readRunStatus(again.dir)?.state).toBe('refused'), { timeout: 10_000 });
    expect(readRunStatus(again.dir)?.last_error).toMatch(/device retired/);
    expect(again.logs.find((l) => l.event === 'connection.retry')?.fields).toMatchObject({ retry_in_ms: 285_000 });
  });
});
