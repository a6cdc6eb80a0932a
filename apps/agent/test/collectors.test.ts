import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentMessages, Inventory, ProcessInfo, Status, contentHash, matches } from '@cloudrmm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskUsage } from '../src/features/disk-usage/index.js';
import { scanFolders } from '../src/features/disk-usage/scan.js';
import { createInventoryCollector } from '../src/features/inventory/collect.js';
import { fitInventory } from '../src/features/inventory/index.js';
import { sampleProcesses } from '../src/features/processes/sample.js';
import { createStatusCollector } from '../src/features/status/collect.js';

describe('inventory and status on this machine (AGT4–AGT6)', () => {
  let inventory: Inventory;
  const collect = createInventoryCollector();

  beforeAll(async () => {
    inventory = await collect(60_000);
  }, 60_000);

  it('is a schema-valid Inventory', () => {
    expect(matches(Inventory, inventory)).toBe(true);
    expect(matches(AgentMessages.inventory, { hash: contentHash(inventory), inventory })).toBe(true);
  });

  it('names the OS as the distribution does, never just "linux"', () => {
    expect(inventory.os.platform).toBe(process.platform);
    expect(inventory.os.name).not.toBe('linux');
    if (process.platform === 'linux') {
      expect(inventory.os.name).toMatch(/\S+ \S+/);
      expect(inventory.os.distro).toMatch(/^[a-z]/);
      expect(inventory.os.kernel).toBe(os.release());
    }
    expect(inventory.os.arch).toBe(os.arch());
  });

  it('lists network interfaces with at least one IP and no loopback', () => {
    const addresses = inventory.network.flatMap((n) => [...n.ipv4, ...n.ipv6]);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses).not.toContain('127.0.0.1');
    expect(inventory.network.map((n) => n.name)).not.toContain('lo');
  });

  it('lists installed software from the package manager', () => {
    expect(inventory.software.length).toBeGreaterThan(0);
    if (process.platform === 'linux' && inventory.os.distro === 'debian') {
      const bash = inventory.software.find((s) => s.name === 'bash');
      expect(bash).toMatchObject({ source: 'dpkg' });
      expect(bash?.version).toBeTruthy();
      expect(bash?.size_bytes).toBeGreaterThan(0);
    }
  });

  it('hashes the same when nothing changed (the server is not sent a copy each interval)', async () => {
    const again = await collect(60_000);
    expect(contentHash(again)).toBe(contentHash(inventory));
  });

  it('trims the software list, not the rest, when a snapshot would exceed the frame limit', () => {
    const software = Array.from({ length: 20_000 }, (_, i) => ({
      name: `package-${i}-${'x'.repeat(60)}`,
      version: '1.0.0-1',
      publisher: 'Someone <someone@example.com>',
      source: 'dpkg' as const,
      installed_at: null,
      size_bytes: 1024,
    }));
    const fitted = fitInventory({ ...inventory, software });
    expect(fitted.software.length).toBeLessThan(20_000);
    expect(fitted.software.length).toBeGreaterThan(1000);
    expect(fitted.os).toEqual(inventory.os);
  });

  it('produces a schema-valid Status with memory, mounts and a temperature source', async () => {
    const status = await createStatusCollector()();
    expect(matches(Status, status)).toBe(true);
    expect(status.uptime_seconds).toBeGreaterThan(0);
    expect(status.memory_used_bytes).toBeGreaterThan(0);
    expect(status.file_systems.length).toBeGreaterThan(0);
    expect(status.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(status.temperature_source).toMatch(/^(systeminformation|sysfs|lm-sensors|none)$/);
  });
});

describe('processes.list (AGT7)', () => {
  it('includes this test process with sane numbers, sorted as asked', async () => {
    const result = await sampleProcesses('memory', 5000);
    expect(matches(AgentMessages['processes.list.result'], result)).toBe(true);
    const self = result.processes.find((p) => p.pid === process.pid);
    expect(self).toBeDefined();
    expect(matches(ProcessInfo, self)).toBe(true);
    expect(self!.memory_bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(self!.memory_bytes).toBeLessThan(os.totalmem());
    expect(self!.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(self!.command).toContain('node');
    if (process.platform === 'linux') expect(self!.io_read_bytes_per_sec).not.toBeNull();
    expect(result.sampled_ms).toBeGreaterThanOrEqual(900);
    expect(result.total).toBeGreaterThanOrEqual(result.processes.length);
    const memory = result.processes.map((p) => p.memory_bytes);
    expect(memory).toEqual([...memory].sort((a, b) => b - a));
  });

  it('honours the limit', async () => {
    const result = await sampleProcesses('name', 3);
    expect(result.processes).toHaveLength(3);
  });
});

describe('disk.usage (AGT8)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'agent-du-'));
    const file = (rel: string, bytes: number) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), Buffer.alloc(bytes));
    };
    file('big/a.bin', 300_000);
    file('big/deep/b.bin', 200_000);
    file('medium/c.bin', 150_000);
    file('small/d.bin', 10_000);
    file('top.bin', 999_999);
    // A loop: followed, it would never end; the scan must not follow symlinks.
    symlinkSync(root, path.join(root, 'big', 'loop'));
    symlinkSync('..', path.join(root, 'medium', 'up'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('returns the largest folders with cumulative sizes, and partial:false', async () => {
    const result = await scanFolders({ path: root, top: 3, depth: 1 });
    expect(result.partial).toBe(false);
    expect(result.folders).toEqual([
      { path: path.join(root, 'big'), size_bytes: 500_000 },
      { path: path.join(root, 'medium'), size_bytes: 150_000 },
      { path: path.join(root, 'small'), size_bytes: 10_000 },
    ]);
    expect(result.scanned_entries).toBeGreaterThanOrEqual(9);
  });

  it('reports folders down to the requested depth', async () => {
    const result = await scanFolders({ path: root, top: 10, depth: 2 });
    expect(result.folders).toContainEqual({ path: path.join(root, 'big', 'deep'), size_bytes: 200_000 });
  });

  it('stops at its entry budget and says the result is partial', async () => {
    const result = await scanFolders({ path: root, top: 10, depth: 2, maxEntries: 2 });
    expect(result.partial).toBe(true);
  });

  it('answers a schema-valid disk.usage.result with partitions', async () => {
    const result = await diskUsage({ path: root, top: 5, depth: 1 });
    expect(matches(AgentMessages['disk.usage.result'], result)).toBe(true);
    expect(result.partitions.length).toBeGreaterThan(0);
    await expect(diskUsage({ path: 'relative/path' })).rejects.toThrow(/not an absolute path/);
    await expect(diskUsage({ path: path.join(root, 'top.bin') })).rejects.toThrow(/is not a folder/);
  });
});
