import { Type, type Static, type TSchema } from 'typebox';

// Every string and list an agent sends is bounded: the gateway refuses a
// frame that breaks a bound before anything acts on it (security.md 20).
const Text = (max = 255) => Type.String({ maxLength: max });
const OptText = (max = 255) => Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]));
const Bytes = Type.Number({ minimum: 0 });
const OptNumber = Type.Optional(Type.Union([Type.Number(), Type.Null()]));
const List = <T extends TSchema>(item: T, max: number) => Type.Array(item, { maxItems: max });

export const OsInfo = Type.Object({
  /** Node's platform name: linux, darwin, win32, freebsd. */
  platform: Text(32),
  /** What a technician calls it: "Debian GNU/Linux 12 (bookworm)", "Windows 11 Pro", "macOS Sonoma". */
  name: Text(),
  /** debian, ubuntu, rhel, alpine, windows, macos ... */
  distro: Text(64),
  version: Text(64),
  codename: OptText(64),
  kernel: Text(128),
  arch: Text(32),
  build: OptText(64),
});
export type OsInfo = Static<typeof OsInfo>;

export const HardwareInfo = Type.Object({
  vendor: OptText(),
  model: OptText(),
  serial: OptText(),
  uuid: OptText(64),
  bios_vendor: OptText(),
  bios_version: OptText(),
  /** True on a virtual machine, with the hypervisor when known. */
  virtual: Type.Optional(Type.Boolean()),
  virtual_host: OptText(64),
});
export type HardwareInfo = Static<typeof HardwareInfo>;

export const CpuInfo = Type.Object({
  manufacturer: OptText(),
  brand: Text(),
  cores: Type.Integer({ minimum: 0, maximum: 100_000 }),
  physical_cores: Type.Integer({ minimum: 0, maximum: 100_000 }),
  speed_ghz: OptNumber,
});
export type CpuInfo = Static<typeof CpuInfo>;

export const DiskInfo = Type.Object({
  device: Text(),
  type: OptText(32),
  name: OptText(),
  vendor: OptText(),
  serial: OptText(),
  size_bytes: Bytes,
  interface: OptText(32),
});
export type DiskInfo = Static<typeof DiskInfo>;

export const FileSystemInfo = Type.Object({
  mount: Text(1024),
  device: Text(1024),
  fs_type: Text(64),
  size_bytes: Bytes,
});
export type FileSystemInfo = Static<typeof FileSystemInfo>;

export const NetworkInterfaceInfo = Type.Object({
  name: Text(),
  mac: OptText(32),
  ipv4: List(Text(64), 64),
  ipv6: List(Text(128), 64),
  type: OptText(32),
  speed_mbps: OptNumber,
  virtual: Type.Optional(Type.Boolean()),
  default_gateway: OptText(64),
});
export type NetworkInterfaceInfo = Static<typeof NetworkInterfaceInfo>;

export const SoftwareSource = Type.Union([
  Type.Literal('dpkg'),
  Type.Literal('rpm'),
  Type.Literal('apk'),
  Type.Literal('homebrew'),
  Type.Literal('windows'),
  Type.Literal('macos'),
  Type.Literal('other'),
]);
export type SoftwareSource = Static<typeof SoftwareSource>;

export const SoftwareItem = Type.Object({
  name: Text(),
  version: OptText(128),
  publisher: OptText(),
  source: SoftwareSource,
  installed_at: OptText(40),
  size_bytes: OptNumber,
});
export type SoftwareItem = Static<typeof SoftwareItem>;

/**
 * The stable part of a device's description (AGT4–AGT6). Sent as a
 * content-hashed snapshot: the agent sends it only when its hash changes.
 * Anything that changes by the minute (uptime, free space, users, temperatures)
 * is in `Status` instead, so the snapshot stays unchanged for days.
 */
export const Inventory = Type.Object({
  hostname: Text(),
  fqdn: OptText(),
  os: OsInfo,
  hardware: HardwareInfo,
  cpu: CpuInfo,
  memory: Type.Object({ total_bytes: Bytes, swap_total_bytes: Type.Optional(Bytes) }),
  gpus: Type.Optional(List(Type.Object({ vendor: OptText(), model: Text(), vram_bytes: OptNumber }), 16)),
  disks: List(DiskInfo, 256),
  file_systems: List(FileSystemInfo, 256),
  network: List(NetworkInterfaceInfo, 256),
  software: List(SoftwareItem, 20_000),
  timezone: OptText(64),
  boot_time: OptText(40),
});
export type Inventory = Static<typeof Inventory>;

export const Temperature = Type.Object({
  /** cpu, gpu, disk, board, ... */
  sensor: Text(64),
  label: OptText(),
  celsius: Type.Number({ minimum: -100, maximum: 300 }),
});
export type Temperature = Static<typeof Temperature>;

/** The changing numbers, sent at the inventory interval and shown on the device page. */
export const Status = Type.Object({
  uptime_seconds: Type.Number({ minimum: 0 }),
  cpu_percent: OptNumber,
  load_average: Type.Optional(List(Type.Number(), 3)),
  memory_used_bytes: Bytes,
  memory_available_bytes: Type.Optional(Bytes),
  swap_used_bytes: Type.Optional(Bytes),
  file_systems: List(Type.Object({ mount: Text(1024), used_bytes: Bytes, size_bytes: Bytes }), 256),
  logged_in_users: List(Type.Object({ user: Text(128), terminal: OptText(64), host: OptText(), since: OptText(40) }), 256),
  /** Where the readings came from, first that worked: e.g. "systeminformation", "sysfs", "none". */
  temperature_source: OptText(64),
  temperatures: List(Temperature, 128),
});
export type Status = Static<typeof Status>;

/** One process in the on-demand process list (AGT7). */
export const ProcessInfo = Type.Object({
  pid: Type.Integer({ minimum: 0 }),
  parent_pid: Type.Optional(Type.Integer({ minimum: 0 })),
  name: Text(),
  command: OptText(4096),
  user: OptText(128),
  state: OptText(32),
  cpu_percent: Type.Number({ minimum: 0 }),
  memory_bytes: Bytes,
  memory_percent: Type.Number({ minimum: 0 }),
  /** Bytes read and written per second (since the previous sample), when the OS reports it. */
  io_read_bytes_per_sec: OptNumber,
  io_write_bytes_per_sec: OptNumber,
  started_at: OptText(40),
});
export type ProcessInfo = Static<typeof ProcessInfo>;

/** Disk usage on demand (AGT8): every partition, and the largest folders under a path. */
export const PartitionUsage = Type.Object({
  mount: Text(1024),
  device: Text(1024),
  fs_type: Text(64),
  size_bytes: Bytes,
  used_bytes: Bytes,
  available_bytes: Bytes,
  used_percent: Type.Number({ minimum: 0, maximum: 100 }),
});
export type PartitionUsage = Static<typeof PartitionUsage>;

export const FolderUsage = Type.Object({
  path: Text(4096),
  size_bytes: Bytes,
});
export type FolderUsage = Static<typeof FolderUsage>;
