import { readFile } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { DiskInfo, FileSystemInfo, Inventory, NetworkInterfaceInfo, OsInfo, SoftwareItem } from '@cloudrmm/protocol';
import { installedSoftware, osRelease } from '../../platform/index.js';
import { amount, clean, text } from '../../text.js';

const settle = async <T>(promise: Promise<T>, fallback: T): Promise<T> => promise.catch(() => fallback);

async function describeOs(info: si.Systeminformation.OsData): Promise<OsInfo> {
  const release = await osRelease();
  const platform = process.platform;
  let name: string;
  let distro: string;
  if (platform === 'linux') {
    name = release?.name ?? `${info.distro} ${info.release}`.trim();
    distro = release?.id ?? info.distro.toLowerCase().split(/\s+/)[0] ?? 'linux';
  } else if (platform === 'darwin') {
    name = ['macOS', info.codename, info.release].filter(Boolean).join(' ');
    distro = 'macos';
  } else if (platform === 'win32') {
    name = info.distro.replace(/^Microsoft\s+/i, '');
    distro = 'windows';
  } else {
    name = `${info.distro} ${info.release}`.trim();
    distro = info.distro.toLowerCase() || platform;
  }
  return {
    platform,
    name: text(name, platform),
    distro: text(distro, platform, 64),
    version: text(release?.version ?? info.release, 'unknown', 64),
    codename: clean(release?.codename ?? info.codename, 64),
    kernel: text(info.kernel || os.release(), 'unknown', 128),
    arch: os.arch(),
    build: clean(info.build, 64),
  };
}

/** Boot time must not wobble by a second between collections, or the inventory hash would change. */
async function bootTime(): Promise<string | null> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => null);
  const btime = stat ? /^btime\s+(\d+)/m.exec(stat)?.[1] : undefined;
  if (btime) return new Date(Number(btime) * 1000).toISOString();
  const minute = 60_000;
  return new Date(Math.round((Date.now() - os.uptime() * 1000) / minute) * minute).toISOString();
}

async function describeNetwork(): Promise<NetworkInterfaceInfo[]> {
  const [details, gateway] = await Promise.all([
    settle(si.networkInterfaces(), [] as si.Systeminformation.NetworkInterfacesData[]),
    settle(si.networkGatewayDefault(), ''),
  ]);
  const detailList = Array.isArray(details) ? details : [details];
  const byName = new Map(detailList.map((d) => [d.iface, d]));
  const result: NetworkInterfaceInfo[] = [];
  // Node lists every address of an interface; systeminformation only one per family.
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (!addresses || addresses.every((a) => a.internal)) continue;
    const detail = byName.get(name);
    const mac = addresses.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac ?? null;
    result.push({
      name: name.slice(0, 255),
      mac,
      ipv4: addresses
        .filter((a) => a.family === 'IPv4')
        .map((a) => a.address)
        .slice(0, 64),
      ipv6: addresses
        .filter((a) => a.family === 'IPv6')
        .map((a) => a.address)
        .slice(0, 64),
      type: clean(detail?.type, 32),
      speed_mbps: detail?.speed && detail.speed > 0 ? detail.speed : null,
      virtual: detail?.virtual ?? false,
      default_gateway: detail?.default && gateway ? clean(gateway, 64) : null,
    });
  }
  return result.slice(0, 256);
}

async function describeDisks(): Promise<DiskInfo[]> {
  const layout = await settle(si.diskLayout(), []);
  if (layout.length > 0) {
    return layout.slice(0, 256).map((d) => ({
      device: text(d.device, d.name || 'disk'),
      type: clean(d.type, 32),
      name: clean(d.name),
      vendor: clean(d.vendor),
      serial: clean(d.serialNum),
      size_bytes: amount(d.size) ?? 0,
      interface: clean(d.interfaceType, 32),
    }));
  }
  // Virtual machines and containers often have no SMART/lsblk layout; the block devices still say enough.
  const blocks = await settle(si.blockDevices(), []);
  return blocks
    .filter((b) => b.type === 'disk' && b.size > 0)
    .slice(0, 256)
    .map((b) => ({
      device: text(b.device || `/dev/${b.name}`, b.name),
      type: clean(b.physical, 32),
      name: clean(b.model) ?? clean(b.name),
      vendor: null,
      serial: clean(b.serial),
      size_bytes: amount(b.size) ?? 0,
      interface: clean(b.protocol, 32),
    }));
}

async function describeFileSystems(): Promise<FileSystemInfo[]> {
  const fs = await settle(si.fsSize(), []);
  return fs.slice(0, 256).map((f) => ({
    mount: text(f.mount, f.fs, 1024),
    device: text(f.fs, 'unknown', 1024),
    fs_type: text(f.type, 'unknown', 64),
    size_bytes: amount(f.size) ?? 0,
  }));
}

/**
 * Collects the stable description of the device. The software list is the
 * expensive part (package databases), so it is cached for `softwareMaxAgeMs`.
 */
export function createInventoryCollector() {
  let software: { items: SoftwareItem[]; at: number } | null = null;

  async function softwareList(maxAgeMs: number): Promise<SoftwareItem[]> {
    if (software && Date.now() - software.at < maxAgeMs) return software.items;
    const items = (await settle(installedSoftware(), [])).slice(0, 20_000);
    items.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source));
    software = { items, at: Date.now() };
    return items;
  }

  return async function collectInventory(softwareMaxAgeMs = 0): Promise<Inventory> {
    const [osData, system, bios, cpu, mem, graphics, disks, fileSystems, network, items, boot] = await Promise.all([
      si.osInfo(),
      settle(si.system(), null),
      settle(si.bios(), null),
      settle(si.cpu(), null),
      settle(si.mem(), null),
      settle(si.graphics(), null),
      describeDisks(),
      describeFileSystems(),
      describeNetwork(),
      softwareList(softwareMaxAgeMs),
      bootTime(),
    ]);
    const cpus = os.cpus();
    return {
      hostname: text(os.hostname(), 'unknown'),
      fqdn: clean(osData.fqdn),
      os: await describeOs(osData),
      hardware: {
        vendor: clean(system?.manufacturer),
        model: clean(system?.model),
        serial: clean(system?.serial),
        uuid: clean(system?.uuid, 64),
        bios_vendor: clean(bios?.vendor),
        bios_version: clean(bios?.version),
        virtual: system?.virtual ?? false,
        virtual_host: clean(system?.virtualHost, 64),
      },
      cpu: {
        manufacturer: clean(cpu?.manufacturer),
        brand: text(cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : cpus[0]?.model, 'unknown'),
        cores: cpu?.cores || cpus.length,
        physical_cores: cpu?.physicalCores || cpus.length,
        speed_ghz: cpu?.speed ? cpu.speed : null,
      },
      memory: { total_bytes: mem?.total ?? os.totalmem(), swap_total_bytes: mem?.swaptotal ?? 0 },
      gpus: (graphics?.controllers ?? []).slice(0, 16).map((g) => ({
        vendor: clean(g.vendor),
        model: text(g.model, 'unknown'),
        vram_bytes: g.vram ? g.vram * 1024 * 1024 : null,
      })),
      disks,
      file_systems: fileSystems,
      network,
      software: items,
      timezone: clean(Intl.DateTimeFormat().resolvedOptions().timeZone, 64),
      boot_time: boot,
    };
  };
}
