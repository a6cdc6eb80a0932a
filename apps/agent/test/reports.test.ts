import { contentHash, type AgentConfig, type Inventory, type Status } from '@cloudrmm/protocol';
import { describe, expect, it } from 'vitest';
import { createInventoryFeature } from '../src/features/inventory/index.js';
import { createStatusFeature } from '../src/features/status/index.js';
import type { Feature, Session } from '../src/registry.js';

const config: AgentConfig = { heartbeat_seconds: 30, inventory_minutes: 15 };

const inventory: Inventory = {
  hostname: 'web-01',
  fqdn: 'web-01.acme.test',
  os: {
    platform: 'linux',
    name: 'Debian GNU/Linux 12 (bookworm)',
    distro: 'debian',
    version: '12.7',
    codename: 'bookworm',
    kernel: '6.1.0-25-amd64',
    arch: 'x64',
  },
  hardware: { vendor: 'QEMU', model: 'Standard PC', virtual: true },
  cpu: { brand: 'Intel Xeon', cores: 4, physical_cores: 2, speed_ghz: 2.4 },
  memory: { total_bytes: 8 * 1024 ** 3 },
  disks: [{ device: '/dev/vda', size_bytes: 100 * 1024 ** 3 }],
  file_systems: [{ mount: '/', device: '/dev/vda1', fs_type: 'ext4', size_bytes: 100 * 1024 ** 3 }],
  network: [{ name: 'eth0', mac: '52:54:00:AB:CD:EF', ipv4: ['10.20.30.40'], ipv6: [] }],
  software: [{ name: 'openssl', version: '3.0.14', publisher: 'Debian', source: 'dpkg' }],
  timezone: 'Etc/UTC',
};

const status: Status = {
  uptime_seconds: 3600,
  cpu_percent: 12.5,
  memory_used_bytes: 2 * 1024 ** 3,
  file_systems: [{ mount: '/', used_bytes: 40 * 1024 ** 3, size_bytes: 100 * 1024 ** 3 }],
  logged_in_users: [],
  temperatures: [],
};

/** A session whose socket is open until `drop()`; it records what was sent on it. */
function fakeSession(serverInventoryHash: string | null = null) {
  const sent: { type: string; payload: unknown }[] = [];
  let open = true;
  const session: Session = {
    deviceId: 'device-1',
    partnerId: 'partner-1',
    stateDir: '/nonexistent',
    config,
    serverInventoryHash,
    send(type, payload) {
      if (!open) return false;
      sent.push({ type, payload });
      return true;
    },
    applyConfig() {},
    log() {},
  };
  return {
    session,
    sent,
    drop() {
      open = false;
    },
  };
}

/** A collector the test finishes by hand, one call at a time. */
function manualCollector<T>() {
  const calls: { resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  const collect = () => new Promise<T>((resolve, reject) => calls.push({ resolve, reject }));
  return { collect, calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** What the connection does when the socket drops mid-collection and a new session is welcomed. */
function reconnect(feature: Feature, old: ReturnType<typeof fakeSession>, next: ReturnType<typeof fakeSession>) {
  old.drop();
  feature.stop?.();
  feature.start?.(next.session);
}

describe('inventory and status across a reconnect (AGT4–AGT6)', () => {
  it('an inventory collected while the socket dropped goes to the new session, not the dead one', async () => {
    const collector = manualCollector<Inventory>();
    const feature = createInventoryFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    expect(collector.calls).toHaveLength(1);

    const second = fakeSession();
    reconnect(feature, first, second);
    collector.calls[0]!.resolve(inventory);
    await settle();

    expect(first.sent).toHaveLength(0);
    expect(second.sent.map((f) => f.type)).toEqual(['inventory']);
    expect(second.sent[0]!.payload).toEqual({ hash: contentHash(inventory), inventory });
    feature.stop?.();
  });

  it('a failed collection that outlived its session is redone for the new one', async () => {
    const collector = manualCollector<Inventory>();
    const feature = createInventoryFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    const second = fakeSession();
    reconnect(feature, first, second);
    collector.calls[0]!.reject(new Error('dpkg is locked'));
    await settle();

    expect(collector.calls).toHaveLength(2);
    collector.calls[1]!.resolve(inventory);
    await settle();
    expect(second.sent.map((f) => f.type)).toEqual(['inventory']);
    feature.stop?.();
  });

  it('the new session still skips an inventory its server already holds', async () => {
    const collector = manualCollector<Inventory>();
    const feature = createInventoryFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    const second = fakeSession(contentHash(inventory));
    reconnect(feature, first, second);
    collector.calls[0]!.resolve(inventory);
    await settle();
    expect(second.sent).toHaveLength(0);
    expect(collector.calls).toHaveLength(1);
    feature.stop?.();
  });

  it('with no session when the collection ends, nothing is sent; the next session collects anew', async () => {
    const collector = manualCollector<Inventory>();
    const feature = createInventoryFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    first.drop();
    feature.stop?.();
    collector.calls[0]!.resolve(inventory);
    await settle();
    expect(first.sent).toHaveLength(0);

    const second = fakeSession();
    feature.start?.(second.session);
    expect(collector.calls).toHaveLength(2);
    collector.calls[1]!.resolve(inventory);
    await settle();
    expect(second.sent.map((f) => f.type)).toEqual(['inventory']);
    feature.stop?.();
  });

  it('a status collected while the socket dropped goes to the new session, not the dead one', async () => {
    const collector = manualCollector<Status>();
    const feature = createStatusFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    const second = fakeSession();
    reconnect(feature, first, second);
    collector.calls[0]!.resolve(status);
    await settle();

    expect(first.sent).toHaveLength(0);
    expect(second.sent).toEqual([{ type: 'status', payload: { status } }]);
    feature.stop?.();
  });

  it('a failed status collection that outlived its session is redone for the new one', async () => {
    const collector = manualCollector<Status>();
    const feature = createStatusFeature(collector.collect);
    const first = fakeSession();
    feature.start?.(first.session);
    const second = fakeSession();
    reconnect(feature, first, second);
    collector.calls[0]!.reject(new Error('sensors timed out'));
    await settle();

    expect(collector.calls).toHaveLength(2);
    collector.calls[1]!.resolve(status);
    await settle();
    expect(second.sent).toEqual([{ type: 'status', payload: { status } }]);
    feature.stop?.();
  });

  it('one collection at a time: a second start while collecting for the same session does not collect twice', async () => {
    const collector = manualCollector<Status>();
    const feature = createStatusFeature(collector.collect);
    const only = fakeSession();
    feature.start?.(only.session);
    feature.configure?.(only.session);
    expect(collector.calls).toHaveLength(1);
    collector.calls[0]!.resolve(status);
    await settle();
    expect(only.sent).toHaveLength(1);
    expect(collector.calls).toHaveLength(1);
    feature.stop?.();
  });
});
