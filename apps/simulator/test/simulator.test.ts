import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AGENT_SOCKET_PATH,
  ENROLL_PATH,
  Inventory,
  contentHash,
  decodeAgentFrame,
  encodeAgentFrame,
  encodeServerFrame,
  matches,
  type AgentFrame,
} from '@cloudrmm/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay } from '../src/backoff.js';
import { loopbackSources, parseFlags } from '../src/cli.js';
import { fastContentHash } from '../src/hash.js';
import { generateDiskUsage, generateInventory, generateProcesses, generateStatus, type SimPlatform } from '../src/inventory.js';
import { parseSimulateArgs } from '../src/main.js';
import { startSimulation } from '../src/simulation.js';
import { addStats, emptyStats } from '../src/stats.js';
import { TimerWheel } from '../src/wheel.js';

describe('generated inventories', () => {
  it('pass the protocol Inventory schema and fit in one frame', () => {
    for (let i = 0; i < 60; i++) {
      const inventory = generateInventory(i);
      expect(matches(Inventory, inventory), `inventory ${i}`).toBe(true);
      const frame = encodeAgentFrame('inventory', { hash: contentHash(inventory), inventory });
      const decoded = decodeAgentFrame(frame);
      expect(decoded.ok, `frame of inventory ${i}: ${decoded.ok ? '' : decoded.message}`).toBe(true);
    }
  });

  it('are the same for the same index', () => {
    expect(generateInventory(1234)).toEqual(generateInventory(1234));
    expect(contentHash(generateInventory(42))).toBe(contentHash(generateInventory(42)));
  });

  it('vary across indices: platforms, OS, hostnames, addresses and 200-2,000 packages', () => {
    const inventories = Array.from({ length: 200 }, (_, i) => generateInventory(i));
    const platforms = new Set(inventories.map((inv) => inv.os.platform));
    expect([...platforms].sort()).toEqual(['darwin', 'linux', 'win32']);
    expect(new Set(inventories.map((inv) => inv.os.name)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(inventories.map((inv) => inv.hostname)).size).toBe(200);
    expect(new Set(inventories.map((inv) => inv.network[0]!.mac)).size).toBe(200);
    expect(new Set(inventories.map((inv) => inv.network[0]!.ipv4[0])).size).toBe(200);
    const counts = inventories.map((inv) => inv.software.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2000);
    expect(new Set(counts).size).toBeGreaterThan(100);
    expect(new Set(inventories.map((inv) => fastContentHash(inv))).size).toBe(200);
    // Windows 10 and 11, several Linux distributions and macOS releases are all there.
    const names = inventories.map((inv) => inv.os.name).join('\n');
    for (const expected of ['Windows 10', 'Windows 11', 'Ubuntu', 'Debian', 'macOS']) expect(names).toContain(expected);
  });

  it('hash the same as the protocol contentHash with the fast path', () => {
    for (let i = 0; i < 20; i++) expect(fastContentHash(generateInventory(i))).toBe(contentHash(generateInventory(i)));
    const odd = { b: [3, { z: 1, a: null }], a: 'x', c: { y: undefined, x: true } };
    expect(fastContentHash(odd)).toBe(contentHash(odd));
  });

  it('a small software range gives small inventories with the same device', () => {
    const full = generateInventory(9);
    const small = generateInventory(9, { min: 0, max: 0 });
    expect(small.software).toEqual([]);
    expect({ ...small, software: full.software }).toEqual(full);
  });
});

describe('frames the simulator sends', () => {
  it('are accepted by decodeAgentFrame', () => {
    for (let i = 0; i < 30; i++) {
      const inventory = generateInventory(i, { min: 0, max: 10 });
      const platform = inventory.os.platform as SimPlatform;
      const frames = [
        encodeAgentFrame('heartbeat', { seq: i }),
        encodeAgentFrame('status', { status: generateStatus(i, inventory) }),
        encodeAgentFrame(
          'processes.list.result',
          { ...generateProcesses(i, platform, { sort: 'memory', limit: 20 }), sampled_ms: 120 },
          { re: randomUUID() },
        ),
        encodeAgentFrame('disk.usage.result', generateDiskUsage(i, inventory, { top: 5 }), { re: randomUUID() }),
      ];
      for (const frame of frames) {
        const decoded = decodeAgentFrame(frame);
        expect(decoded.ok, decoded.ok ? '' : `${decoded.code} ${decoded.message}`).toBe(true);
      }
    }
  });

  it('process lists are sorted and cut as asked', () => {
    const { processes, total } = generateProcesses(5, 'win32', { sort: 'memory', limit: 10 });
    expect(processes).toHaveLength(10);
    expect(total).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < processes.length; i++)
      expect(processes[i - 1]!.memory_bytes).toBeGreaterThanOrEqual(processes[i]!.memory_bytes);
    const byName = generateProcesses(5, 'linux', { sort: 'name', limit: 30 }).processes.map((p) => p.name);
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b)));
  });

  it('a few devices are low on disk, most are not', () => {
    const low = Array.from({ length: 500 }, (_, i) => generateDiskUsage(i, generateInventory(i, { min: 0, max: 0 }))).filter(
      (d) => d.partitions.some((p) => p.used_percent >= 90),
    ).length;
    expect(low).toBeGreaterThan(5);
    expect(low).toBeLessThan(100);
  });
});

describe('reconnect backoff', () => {
  it('is full jitter between 0 and min(5 min, 1 s * 2^attempt)', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      expect(backoffDelay(attempt, () => 0)).toBe(0);
      const top = backoffDelay(attempt, () => 0.999999);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling * 0.999);
      for (let i = 0; i < 20; i++) {
        const d = backoffDelay(attempt);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
    expect(BACKOFF_BASE_MS).toBe(1000);
    expect(BACKOFF_CAP_MS).toBe(300_000);
    expect(backoffDelay(1000, () => 0.5)).toBe(150_000);
  });
});

describe('timer wheel', () => {
  it('fires entries when due, in order, and skips stale tokens', () => {
    let now = 1_000_000;
    const fired: string[] = [];
    const current = new Map<string, number>();
    const wheel = new TimerWheel<string>(
      (item, token) => {
        if (current.get(item) === token) fired.push(item);
      },
      100,
      () => now,
    );
    current.set('a', 1).set('b', 1).set('c', 2);
    wheel.schedule(now + 250, 'b', 1);
    wheel.schedule(now + 50, 'a', 1);
    wheel.schedule(now + 500, 'c', 1); // replaced below: its token is stale
    wheel.schedule(now + 600, 'c', 2);
    wheel.stop();
    wheel.advance();
    expect(fired).toEqual([]);
    now += 300;
    wheel.advance();
    expect(fired).toEqual(['a', 'b']);
    now += 1000;
    wheel.advance();
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(wheel.pending).toBe(0);
    wheel.stop();
  });
});

describe('command line', () => {
  it('parses the simulate options', () => {
    const options = parseSimulateArgs([
      '--server',
      'http://127.0.0.1:3000/',
      '--agents',
      '500',
      '--token',
      'cret_x',
      '--heartbeat-jitter',
    ]);
    expect(options).toMatchObject({ server: 'http://127.0.0.1:3000', agents: 500, token: 'cret_x', heartbeatJitter: true });
    expect(options.stateFile).toBe(path.join('.cloudrmm', 'simulator', '127.0.0.1-3000.json'));
    expect(() => parseSimulateArgs(['--server', 'http://x', '--agents', '5', '--token', 'a', '--site-code', 'b'])).toThrow(
      /not both/,
    );
    expect(() => parseSimulateArgs(['--agents', '5'])).toThrow(/--server/);
    expect(() => parseSimulateArgs(['--server', 'http://x', '--agents', '5', '--bogus', '1'])).toThrow(/unknown option/);
    expect(parseFlags(['gateway', '--agents=3', '--json'], ['json'])).toEqual({
      flags: new Map([
        ['agents', '3'],
        ['json', 'true'],
      ]),
      positional: ['gateway'],
    });
    expect(loopbackSources(3)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  it('adds up the stats of forked shards', () => {
    const a = { ...emptyStats(), agents: 2, connected: 2, errors: 1, error_kinds: { socket_401: 1 } };
    const b = { ...emptyStats(), agents: 3, connected: 1, errors: 2, error_kinds: { socket_401: 1, closed_1006: 1 } };
    expect(addStats(addStats(emptyStats(), a), b)).toMatchObject({
      agents: 5,
      connected: 3,
      errors: 3,
      error_kinds: { socket_401: 2, closed_1006: 1 },
    });
  });
});

/**
 * A stand-in gateway that follows the contract (enroll, Bearer socket, welcome,
 * replies with `re`), checking every frame the simulator sends with the
 * protocol's own decoder.
 */
async function startMockGateway() {
  const credentials = new Map<string, { deviceId: string; hostname: string }>();
  const inventoryHashes = new Map<string, string>();
  const sockets = new Map<string, WebSocket>();
  const frames: AgentFrame[] = [];
  const invalid: string[] = [];
  let enrollments = 0;
  const token = 'cret_' + randomBytes(8).toString('hex');

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== ENROLL_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token?: string; hostname: string };
      if (body.token !== token) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'enrollment_refused', message: 'unknown token' } }));
        return;
      }
      enrollments++;
      const agentId = randomBytes(16).toString('hex');
      const credential = `crma_${agentId}_${randomBytes(32).toString('base64url').slice(0, 43)}`;
      const deviceId = randomUUID();
      credentials.set(credential, { deviceId, hostname: body.hostname });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          agent_id: randomUUID(),
          device_id: deviceId,
          credential,
          partner_id: randomUUID(),
          organization_id: randomUUID(),
          site_id: randomUUID(),
          server_version: 'mock',
        }),
      );
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const device = bearer ? credentials.get(bearer) : undefined;
    if (req.url !== AGENT_SOCKET_PATH || !device) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"error":{"code":"not_authenticated","message":"bad credential"}}',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(device.deviceId, ws);
      ws.on('close', () => sockets.get(device.deviceId) === ws && sockets.delete(device.deviceId));
      ws.on('message', (data: Buffer) => {
        const decoded = decodeAgentFrame(data);
        if (!decoded.ok) {
          invalid.push(`${decoded.code} ${decoded.message}`);
          return;
        }
        frames.push(decoded.frame);
        if (decoded.frame.type === 'inventory') {
          inventoryHashes.set(device.deviceId, decoded.frame.payload.hash);
          ws.send(encodeServerFrame('inventory.ack', { hash: decoded.frame.payload.hash }));
        }
      });
      ws.send(
        encodeServerFrame('welcome', {
          device_id: device.deviceId,
          server_version: 'mock',
          config: { heartbeat_seconds: 5, inventory_minutes: 60 },
          inventory_hash: inventoryHashes.get(device.deviceId) ?? null,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    frames,
    invalid,
    sockets,
    get enrollments() {
      return enrollments;
    },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('simulated fleet against a stand-in gateway', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudrmm-sim-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('enrolls, connects, sends valid frames, answers requests, and reconnects the same fleet from its state file', async () => {
    const gateway = await startMockGateway();
    const stateFile = path.join(dir, 'state.json');
    const options = {
      server: gateway.url,
      agents: 12,
      token: gateway.token,
      stateFile,
      software: { min: 200, max: 400 },
      log: () => {},
    };
    try {
      const first = await startSimulation(options);
      await expect.poll(() => first.stats().welcomed, { timeout: 20_000 }).toBe(12);
      await expect.poll(() => first.stats().inventory_acks, { timeout: 20_000 }).toBe(12);
      // Every agent beats at its own phase within one 5 s interval.
      await expect.poll(() => first.stats().heartbeats, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
      expect(gateway.enrollments).toBe(12);

      // A live request is answered with `re` set to its id.
      const [deviceId, ws] = [...gateway.sockets.entries()][0]!;
      const request = encodeServerFrame('processes.list', { sort: 'memory', limit: 5 });
      const requestId = (JSON.parse(request) as { id: string }).id;
      ws.send(request);
      const disk = encodeServerFrame('disk.usage', { top: 3 });
      const diskId = (JSON.parse(disk) as { id: string }).id;
      ws.send(disk);
      await expect
        .poll(() => gateway.frames.filter((f) => f.re === requestId || f.re === diskId).length, { timeout: 10_000 })
        .toBe(2);
      const reply = gateway.frames.find((f) => f.re === requestId)!;
      expect(reply.type).toBe('processes.list.result');
      if (reply.type === 'processes.list.result') expect(reply.payload.processes).toHaveLength(5);

      // New settings are applied at once; a revoked credential closes with 4003.
      ws.send(encodeServerFrame('config', { config: { heartbeat_seconds: 30, inventory_minutes: 5 } }));
      await expect.poll(() => first.stats().configs, { timeout: 10_000 }).toBe(1);
      ws.close(4003, 'credential revoked');
      await expect.poll(() => first.stats().revoked, { timeout: 10_000 }).toBe(1);
      expect(gateway.sockets.has(deviceId)).toBe(false);

      const stats = await first.stop();
      expect(stats).toMatchObject({ agents: 12, enrolled: 12, enrolled_now: 12, inventories: 12, connected: 0 });
      expect(gateway.invalid).toEqual([]);
      const types = new Set(gateway.frames.map((f) => f.type));
      for (const type of ['inventory', 'status', 'heartbeat', 'processes.list.result', 'disk.usage.result'])
        expect(types).toContain(type);
      const inventories = gateway.frames.filter((f) => f.type === 'inventory');
      for (const f of inventories) if (f.type === 'inventory') expect(contentHash(f.payload.inventory)).toBe(f.payload.hash);
      expect(new Set(inventories.map((f) => (f.type === 'inventory' ? f.payload.inventory.hostname : '')))).toHaveProperty(
        'size',
        12,
      );

      const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { agents: Record<string, { credential: string }> };
      expect(Object.keys(saved.agents)).toHaveLength(12);
      expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);

      // A rerun reconnects the same devices: no new enrollment, no inventory resent (the server has its hash).
      const framesBefore = gateway.frames.length;
      const second = await startSimulation({ ...options, agents: 14 });
      await expect.poll(() => second.stats().welcomed, { timeout: 20_000 }).toBe(14);
      const again = await second.stop();
      expect(gateway.enrollments).toBe(14);
      expect(again.enrolled_now).toBe(2);
      expect(gateway.frames.slice(framesBefore).filter((f) => f.type === 'inventory')).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it('backs off on a refused credential and reports refused enrollments', async () => {
    const gateway = await startMockGateway();
    try {
      const stateFile = path.join(dir, 'bad.json');
      fs.writeFileSync(
        stateFile,
        JSON.stringify({
          version: 1,
          server: gateway.url,
          software: '200-2000',
          agents: { 0: { agent_id: 'x', device_id: 'y', credential: 'crma_' + '0'.repeat(32) + '_' + 'A'.repeat(43) } },
        }),
      );
      const lines: string[] = [];
      const sim = await startSimulation({
        server: gateway.url,
        agents: 2,
        token: 'cret_wrong',
        stateFile,
        log: (line) => lines.push(line),
      });
      await expect
        .poll(() => (sim.stats().error_kinds.socket_401 ?? 0) >= 1 && sim.stats().error_kinds.enroll_403 === 1, {
          timeout: 10_000,
        })
        .toBe(true);
      const stats = await sim.stop();
      expect(stats.connected).toBe(0);
      expect(stats.enroll_failures).toBe(1);
      expect(lines.join('\n')).toContain('unknown token');
    } finally {
      await gateway.close();
    }
  });
});
