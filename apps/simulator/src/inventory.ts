import type {
  FolderUsage,
  Inventory,
  NetworkInterfaceInfo,
  PartitionUsage,
  ProcessInfo,
  SoftwareItem,
  SoftwareSource,
  Status,
} from '@cloudrmm/protocol';
import { Rng, seedFor } from './random.js';

/*
 * Deterministic, varied devices for simulated agents. Everything here is a pure
 * function of the agent index (and, for the changing numbers, of the time), so
 * a rerun describes the same fleet and its inventory hashes match the server's.
 */

export type SimPlatform = 'linux' | 'win32' | 'darwin';

export interface SoftwareRange {
  min: number;
  max: number;
}

export const DEFAULT_SOFTWARE: SoftwareRange = { min: 200, max: 2000 };

interface OsChoice {
  platform: SimPlatform;
  name: string;
  distro: string;
  version: string;
  codename: string | null;
  kernel: string;
  build: string | null;
  source: SoftwareSource;
}

const OS_CHOICES: readonly (readonly [OsChoice, number])[] = [
  [os('win32', 'Windows 11 Pro', 'windows', '11', null, '10.0.22631', '22631.4460', 'windows'), 26],
  [os('win32', 'Windows 11 Enterprise', 'windows', '11', null, '10.0.26100', '26100.2314', 'windows'), 8],
  [os('win32', 'Windows 10 Pro', 'windows', '10', null, '10.0.19045', '19045.5131', 'windows'), 18],
  [os('win32', 'Windows Server 2022 Standard', 'windows', '2022', null, '10.0.20348', '20348.2849', 'windows'), 6],
  [os('win32', 'Windows Server 2019 Datacenter', 'windows', '2019', null, '10.0.17763', '17763.6532', 'windows'), 3],
  [os('linux', 'Ubuntu 22.04.5 LTS', 'ubuntu', '22.04', 'jammy', '5.15.0-125-generic', null, 'dpkg'), 8],
  [os('linux', 'Ubuntu 24.04.1 LTS', 'ubuntu', '24.04', 'noble', '6.8.0-49-generic', null, 'dpkg'), 6],
  [os('linux', 'Debian GNU/Linux 12 (bookworm)', 'debian', '12', 'bookworm', '6.1.0-27-amd64', null, 'dpkg'), 6],
  [os('linux', 'Red Hat Enterprise Linux 9.4 (Plow)', 'rhel', '9.4', 'Plow', '5.14.0-427.42.1.el9_4.x86_64', null, 'rpm'), 3],
  [
    os('linux', 'Rocky Linux 8.10 (Green Obsidian)', 'rocky', '8.10', 'Green Obsidian', '4.18.0-553.el8_10.x86_64', null, 'rpm'),
    2,
  ],
  [os('linux', 'Alpine Linux v3.20', 'alpine', '3.20.3', null, '6.6.58-0-lts', null, 'apk'), 1],
  [os('darwin', 'macOS Sequoia', 'macos', '15.1', 'Sequoia', '24.1.0', '24B83', 'macos'), 5],
  [os('darwin', 'macOS Sonoma', 'macos', '14.7.1', 'Sonoma', '23.6.0', '23H222', 'macos'), 6],
  [os('darwin', 'macOS Ventura', 'macos', '13.7.1', 'Ventura', '22.6.0', '22H221', 'macos'), 2],
];

function os(
  platform: SimPlatform,
  name: string,
  distro: string,
  version: string,
  codename: string | null,
  kernel: string,
  build: string | null,
  source: SoftwareSource,
): OsChoice {
  return { platform, name, distro, version, codename, kernel, build, source };
}

const WORDS = [
  'alpha', 'atlas', 'beacon', 'cedar', 'delta', 'ember', 'falcon', 'granite', 'harbor', 'ion', 'juniper', 'kestrel',
  'lumen', 'maple', 'nova', 'orbit', 'pine', 'quartz', 'raven', 'summit', 'tundra', 'vertex', 'willow', 'zephyr',
]; // prettier-ignore
const COMPANIES = ['acme', 'contoso', 'fabrikam', 'northwind', 'globex', 'initech', 'umbrella', 'wayne', 'stark', 'tyrell'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy'];

const WINDOWS_APPS = [
  ['Google Chrome', 'Google LLC'],
  ['Microsoft Edge', 'Microsoft Corporation'],
  ['Mozilla Firefox (x64 en-US)', 'Mozilla'],
  ['Microsoft 365 Apps for enterprise - en-us', 'Microsoft Corporation'],
  ['Microsoft Teams', 'Microsoft Corporation'],
  ['Microsoft OneDrive', 'Microsoft Corporation'],
  ['Microsoft Visual C++ 2015-2022 Redistributable (x64)', 'Microsoft Corporation'],
  ['Microsoft Visual C++ 2015-2022 Redistributable (x86)', 'Microsoft Corporation'],
  ['Microsoft .NET Runtime - 8.0.11 (x64)', 'Microsoft Corporation'],
  ['Adobe Acrobat Reader (64-bit)', 'Adobe'],
  ['7-Zip 24.08 (x64)', 'Igor Pavlov'],
  ['Notepad++ (64-bit x64)', 'Notepad++ Team'],
  ['Zoom Workplace (64-bit)', 'Zoom Video Communications, Inc.'],
  ['VLC media player', 'VideoLAN'],
  ['Git', 'The Git Development Community'],
  ['Python 3.12.7 (64-bit)', 'Python Software Foundation'],
  ['Slack', 'Slack Technologies Inc.'],
  ['Cisco Secure Client - AnyConnect VPN', 'Cisco Systems, Inc.'],
  ['Dell Command | Update', 'Dell Inc.'],
  ['Microsoft Update Health Tools', 'Microsoft Corporation'],
] as const;

const LINUX_PACKAGES = [
  'adduser', 'apt', 'base-files', 'bash', 'bsdutils', 'ca-certificates', 'coreutils', 'curl', 'dash', 'dbus', 'debconf',
  'diffutils', 'dpkg', 'e2fsprogs', 'findutils', 'gcc-12-base', 'gnupg', 'grep', 'gzip', 'hostname', 'init-system-helpers',
  'iproute2', 'iputils-ping', 'less', 'libc6', 'libssl3', 'libsystemd0', 'login', 'logrotate', 'lsb-release', 'mawk',
  'mount', 'nano', 'ncurses-base', 'netbase', 'openssh-client', 'openssh-server', 'openssl', 'passwd', 'perl-base', 'procps',
  'python3', 'rsyslog', 'sed', 'sudo', 'systemd', 'systemd-sysv', 'tar', 'tzdata', 'util-linux', 'vim-tiny', 'wget', 'zlib1g',
  'nginx', 'postgresql-15', 'docker-ce', 'containerd.io', 'htop', 'tmux', 'git', 'jq', 'unzip', 'cron', 'chrony', 'auditd',
]; // prettier-ignore

const MAC_APPS = [
  ['Safari', 'Apple'],
  ['Google Chrome', 'Google LLC'],
  ['Microsoft Word', 'Microsoft Corporation'],
  ['Microsoft Excel', 'Microsoft Corporation'],
  ['Microsoft Outlook', 'Microsoft Corporation'],
  ['Slack', 'Slack Technologies'],
  ['zoom.us', 'Zoom Video Communications'],
  ['Visual Studio Code', 'Microsoft Corporation'],
  ['1Password 8', 'AgileBits Inc.'],
  ['Xcode', 'Apple'],
  ['Keynote', 'Apple'],
  ['Numbers', 'Apple'],
  ['Pages', 'Apple'],
  ['iTerm', 'George Nachman'],
] as const;

const HOMEBREW = [
  'git',
  'wget',
  'node',
  'python@3.12',
  'openssl@3',
  'jq',
  'ripgrep',
  'fd',
  'gh',
  'awscli',
  'terraform',
  'kubectl',
];

const VENDORS: Record<SimPlatform, readonly (readonly [string, readonly string[]])[]> = {
  win32: [
    ['Dell Inc.', ['Latitude 5440', 'OptiPlex 7010', 'Precision 3581', 'Latitude 7450']],
    ['LENOVO', ['ThinkPad T14 Gen 4', 'ThinkCentre M70q Gen 4', 'ThinkPad X1 Carbon Gen 11']],
    ['HP', ['EliteBook 840 G10', 'ProDesk 400 G9', 'ZBook Firefly 14 G10']],
    ['Microsoft Corporation', ['Virtual Machine', 'Surface Laptop 5']],
  ],
  linux: [
    ['QEMU', ['Standard PC (Q35 + ICH9, 2009)']],
    ['VMware, Inc.', ['VMware Virtual Platform']],
    ['Dell Inc.', ['PowerEdge R650', 'PowerEdge R750']],
    ['Supermicro', ['SYS-5019C-M']],
    ['Amazon EC2', ['m6i.large', 't3.medium']],
  ],
  darwin: [['Apple Inc.', ['MacBookPro18,3', 'MacBookAir10,1', 'Mac14,2', 'Mac15,6', 'iMac21,1']]],
};

const MAC_OUIS = ['3c:52:82', 'f4:8e:38', '00:15:5d', '00:50:56', '52:54:00', 'a4:83:e7', '98:fa:9b', 'dc:a6:32'];

const CPUS: Record<SimPlatform, readonly (readonly [string, string, number])[]> = {
  win32: [
    ['Intel', '13th Gen Intel(R) Core(TM) i5-1345U', 12],
    ['Intel', '12th Gen Intel(R) Core(TM) i7-1265U', 12],
    ['AMD', 'AMD Ryzen 7 PRO 7840U w/ Radeon 780M Graphics', 16],
    ['Intel', 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 8],
  ],
  linux: [
    ['Intel', 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', 4],
    ['AMD', 'AMD EPYC 7763 64-Core Processor', 8],
    ['Intel', 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz', 32],
    ['AMD', 'AMD EPYC 9354 32-Core Processor', 16],
  ],
  darwin: [
    ['Apple', 'Apple M1', 8],
    ['Apple', 'Apple M2 Pro', 12],
    ['Apple', 'Apple M3', 8],
  ],
};

const GIB = 1024 ** 3;

/** The seed of each independent stream of an agent's data. */
const SALT = { inventory: 1, software: 2, status: 3, processes: 4, disk: 5 } as const;

/** What the simulator needs without generating the whole inventory (enrollment). */
export function deviceIdentity(index: number): { hostname: string; platform: SimPlatform; arch: string } {
  const rng = new Rng(seedFor(index, SALT.inventory));
  const choice = rng.weighted(OS_CHOICES);
  const arch = archFor(choice.platform, rng);
  return { hostname: hostnameFor(index, choice, rng), platform: choice.platform, arch };
}

function archFor(platform: SimPlatform, rng: Rng): string {
  if (platform === 'darwin') return rng.chance(0.8) ? 'arm64' : 'x64';
  return rng.chance(0.06) ? 'arm64' : 'x64';
}

function hostnameFor(index: number, choice: OsChoice, rng: Rng): string {
  const n = String(index).padStart(5, '0');
  const company = rng.pick(COMPANIES);
  if (choice.platform === 'darwin') return `${rng.pick(PEOPLE)}s-macbook-${n}`;
  if (choice.platform === 'win32') {
    if (choice.name.includes('Server')) return `${company.toUpperCase()}-SRV-${n}`;
    return rng.chance(0.3) ? `DESKTOP-${rng.hex(4).toUpperCase()}${n}` : `${company.toUpperCase()}-LT-${n}`;
  }
  return `${rng.pick(['web', 'db', 'app', 'cache', 'build', 'mail', 'files'])}-${company}-${n}`;
}

/** The device's stable description, valid against the protocol's `Inventory` schema. */
export function generateInventory(index: number, software: SoftwareRange = DEFAULT_SOFTWARE): Inventory {
  const rng = new Rng(seedFor(index, SALT.inventory));
  const choice = rng.weighted(OS_CHOICES);
  const arch = archFor(choice.platform, rng);
  const hostname = hostnameFor(index, choice, rng);
  const [vendor, models] = rng.pick(VENDORS[choice.platform]);
  const model = rng.pick(models);
  const virtual = /Virtual|QEMU|VMware|EC2/.test(`${vendor} ${model}`);
  const [cpuVendor, cpuBrand, cores] = rng.pick(CPUS[choice.platform]);
  const memoryGib = rng.pick(choice.platform === 'linux' ? [4, 8, 16, 32, 64, 128] : [8, 16, 16, 32, 64]);
  const diskGib = rng.pick([128, 256, 256, 512, 512, 1024, 2048]);

  const fileSystems: Inventory['file_systems'] =
    choice.platform === 'win32'
      ? [{ mount: 'C:', device: 'C:', fs_type: 'NTFS', size_bytes: diskGib * GIB }]
      : choice.platform === 'darwin'
        ? [
            { mount: '/', device: '/dev/disk3s1s1', fs_type: 'apfs', size_bytes: diskGib * GIB },
            { mount: '/System/Volumes/Data', device: '/dev/disk3s5', fs_type: 'apfs', size_bytes: diskGib * GIB },
          ]
        : [
            { mount: '/', device: '/dev/sda2', fs_type: 'ext4', size_bytes: Math.round(diskGib * 0.9 * GIB) },
            { mount: '/boot/efi', device: '/dev/sda1', fs_type: 'vfat', size_bytes: 512 * 1024 * 1024 },
          ];
  if (choice.platform === 'win32' && rng.chance(0.25)) {
    fileSystems.push({ mount: 'D:', device: 'D:', fs_type: 'NTFS', size_bytes: rng.pick([500, 1000, 2000]) * GIB });
  }
  if (choice.platform === 'linux' && rng.chance(0.4)) {
    fileSystems.push({
      mount: '/var/lib/data',
      device: '/dev/sdb1',
      fs_type: 'xfs',
      size_bytes: rng.pick([200, 500, 1000]) * GIB,
    });
  }

  const subnet = `10.${(index >> 8) & 0xff}.${index & 0xff}`;
  const mac = () => `${rng.pick(MAC_OUIS)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`;
  const network: NetworkInterfaceInfo[] = [
    {
      name: choice.platform === 'win32' ? 'Ethernet' : choice.platform === 'darwin' ? 'en0' : 'eth0',
      mac: mac(),
      ipv4: [`${subnet}.${rng.int(10, 250)}`],
      ipv6: [`fe80::${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}`],
      type: choice.platform === 'darwin' ? 'wireless' : 'wired',
      speed_mbps: choice.platform === 'darwin' ? null : rng.pick([1000, 1000, 10000]),
      virtual: false,
      default_gateway: `${subnet}.1`,
    },
  ];
  if (choice.platform !== 'linux' && rng.chance(0.4)) {
    network.push({
      name: choice.platform === 'win32' ? 'Wi-Fi' : 'en1',
      mac: mac(),
      ipv4: [`192.168.${rng.int(0, 9)}.${rng.int(2, 250)}`],
      ipv6: [],
      type: 'wireless',
      speed_mbps: null,
      virtual: false,
      default_gateway: null,
    });
  }
  if (choice.platform === 'linux' && rng.chance(0.3)) {
    network.push({
      name: 'docker0',
      mac: mac(),
      ipv4: ['172.17.0.1'],
      ipv6: [],
      type: 'bridge',
      speed_mbps: null,
      virtual: true,
    });
  }

  const bootDaysAgo = rng.int(0, 60);
  return {
    hostname,
    fqdn: choice.platform === 'linux' ? `${hostname}.${rng.pick(COMPANIES)}.internal` : null,
    os: {
      platform: choice.platform,
      name: choice.name,
      distro: choice.distro,
      version: choice.version,
      codename: choice.codename,
      kernel: choice.kernel,
      arch,
      build: choice.build,
    },
    hardware: {
      vendor,
      model,
      serial: virtual ? null : rng.hex(10).toUpperCase(),
      uuid: `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`,
      bios_vendor: choice.platform === 'darwin' ? 'Apple Inc.' : vendor,
      bios_version: `${rng.int(1, 3)}.${rng.int(0, 30)}.${rng.int(0, 9)}`,
      virtual,
      virtual_host: virtual ? (vendor === 'QEMU' ? 'KVM' : vendor === 'VMware, Inc.' ? 'VMware' : 'Hyper-V') : null,
    },
    cpu: {
      manufacturer: cpuVendor,
      brand: cpuBrand,
      cores,
      physical_cores: Math.max(1, cores / 2),
      speed_ghz: rng.int(18, 36) / 10,
    },
    memory: { total_bytes: memoryGib * GIB, swap_total_bytes: choice.platform === 'win32' ? 0 : rng.pick([0, 2, 4]) * GIB },
    disks: [
      {
        device: choice.platform === 'win32' ? '\\\\.\\PHYSICALDRIVE0' : choice.platform === 'darwin' ? '/dev/disk0' : '/dev/sda',
        type: 'SSD',
        name: rng.pick(['Samsung SSD 980 PRO', 'KXG80ZNV512G KIOXIA', 'APPLE SSD AP0512Z', 'QEMU HARDDISK', 'WD PC SN740']),
        vendor: null,
        serial: virtual ? null : rng.hex(12).toUpperCase(),
        size_bytes: diskGib * GIB,
        interface: rng.pick(['NVMe', 'SATA', 'SCSI']),
      },
    ],
    file_systems: fileSystems,
    network,
    software: generateSoftware(index, choice, software),
    timezone: rng.pick(['Europe/Berlin', 'America/New_York', 'America/Chicago', 'Europe/London', 'UTC', 'Asia/Singapore']),
    boot_time: new Date(Date.UTC(2025, 0, 1) - bootDaysAgo * 86_400_000 - rng.int(0, 86_399) * 1000).toISOString(),
  };
}

function generateSoftware(index: number, choice: OsChoice, range: SoftwareRange): SoftwareItem[] {
  const rng = new Rng(seedFor(index, SALT.software));
  const count = rng.int(range.min, Math.max(range.min, range.max));
  const items: SoftwareItem[] = [];
  const date = () => new Date(Date.UTC(2022 + rng.int(0, 3), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10);
  const version = () => `${rng.int(0, 30)}.${rng.int(0, 20)}.${rng.int(0, 200)}`;
  const push = (name: string, publisher: string | null, source: SoftwareSource) => {
    if (items.length >= count) return;
    items.push({ name, version: version(), publisher, source, installed_at: date(), size_bytes: rng.int(10, 500_000) * 1024 });
  };

  if (choice.platform === 'win32') {
    for (const [name, publisher] of WINDOWS_APPS) if (rng.chance(0.7)) push(name, publisher, 'windows');
    for (let i = 0; items.length < count; i++) {
      push(`KB${5000000 + ((index * 7919 + i * 104729) % 999999)} Update for Windows`, 'Microsoft Corporation', 'windows');
      push(`${cap(rng.pick(COMPANIES))} ${cap(rng.pick(WORDS))} ${i}`, `${cap(rng.pick(COMPANIES))} Ltd.`, 'windows');
    }
  } else if (choice.platform === 'darwin') {
    for (const [name, publisher] of MAC_APPS) if (rng.chance(0.75)) push(name, publisher, 'macos');
    for (const name of HOMEBREW) if (rng.chance(0.5)) push(name, null, 'homebrew');
    for (let i = 0; items.length < count; i++) {
      push(`com.apple.pkg.${cap(rng.pick(WORDS))}${i}`, 'Apple', 'macos');
      push(`${cap(rng.pick(WORDS))} ${cap(rng.pick(WORDS))}`, `${cap(rng.pick(COMPANIES))} Inc.`, 'macos');
    }
  } else {
    for (const name of LINUX_PACKAGES) push(name, choice.distro === 'debian' ? 'Debian' : cap(choice.distro), choice.source);
    for (let i = 0; items.length < count; i++) {
      push(`lib${rng.pick(WORDS)}${rng.int(0, 9)}-${i}`, null, choice.source);
      push(`${rng.pick(WORDS)}-${rng.pick(['utils', 'common', 'data', 'tools', 'dev', 'doc'])}-${i}`, null, choice.source);
    }
  }
  return items;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** How full the device's file systems are: a few percent of devices run low on disk. */
function usedFractions(index: number, count: number): number[] {
  const rng = new Rng(seedFor(index, SALT.disk));
  const low = rng.chance(0.06);
  return Array.from({ length: count }, (_, i) => (low && i === 0 ? 0.9 + rng.next() * 0.09 : 0.15 + rng.next() * 0.6));
}

/** The changing numbers at `now`; file systems come from the inventory's. */
export function generateStatus(
  index: number,
  inventory: Pick<Inventory, 'file_systems' | 'memory' | 'os' | 'boot_time'>,
  now = Date.now(),
): Status {
  const rng = new Rng(seedFor(index, SALT.status) ^ Math.floor(now / 1000));
  const fractions = usedFractions(index, inventory.file_systems.length);
  const boot = inventory.boot_time ? Date.parse(inventory.boot_time) : now - 3_600_000;
  const total = inventory.memory.total_bytes;
  const memUsed = Math.round(total * (0.3 + rng.next() * 0.6));
  const users = new Rng(seedFor(index, SALT.status));
  const user = users.pick(PEOPLE);
  return {
    uptime_seconds: Math.max(0, Math.round((now - boot) / 1000)),
    cpu_percent: Math.round(rng.next() * 1000) / 10,
    load_average: inventory.os.platform === 'win32' ? [] : [rng.next() * 4, rng.next() * 3, rng.next() * 2],
    memory_used_bytes: memUsed,
    memory_available_bytes: total - memUsed,
    swap_used_bytes: 0,
    file_systems: inventory.file_systems.map((fs, i) => ({
      mount: fs.mount,
      size_bytes: fs.size_bytes,
      used_bytes: Math.round(fs.size_bytes * fractions[i]!),
    })),
    logged_in_users:
      inventory.os.name.includes('Server') || inventory.os.platform === 'linux'
        ? []
        : [
            {
              user,
              terminal: inventory.os.platform === 'darwin' ? 'console' : 'Console',
              host: null,
              since: inventory.boot_time ?? null,
            },
          ],
    temperature_source: inventory.os.platform === 'linux' ? 'sysfs' : 'systeminformation',
    temperatures: [{ sensor: 'cpu', label: 'Package', celsius: 35 + Math.round(rng.next() * 400) / 10 }],
  };
}

const PROCESS_NAMES: Record<SimPlatform, readonly string[]> = {
  win32: ['System', 'svchost.exe', 'explorer.exe', 'chrome.exe', 'msedge.exe', 'Teams.exe', 'OUTLOOK.EXE', 'MsMpEng.exe', 'lsass.exe', 'services.exe', 'csrss.exe', 'winlogon.exe', 'RuntimeBroker.exe', 'SearchHost.exe', 'dwm.exe'],
  linux: ['systemd', 'kthreadd', 'sshd', 'nginx', 'postgres', 'containerd', 'dockerd', 'cron', 'rsyslogd', 'journald', 'node', 'python3', 'bash', 'chronyd', 'agetty'],
  darwin: ['launchd', 'kernel_task', 'WindowServer', 'Finder', 'Dock', 'Google Chrome Helper', 'Slack Helper', 'mds_stores', 'coreaudiod', 'cfprefsd', 'Safari', 'zoom.us', 'Terminal', 'loginwindow', 'bluetoothd'],
}; // prettier-ignore

/** A plausible process list, sorted and cut as the server asked (AGT7). */
export function generateProcesses(
  index: number,
  platform: SimPlatform,
  options: { sort?: 'cpu' | 'memory' | 'io' | 'name'; limit?: number } = {},
  totalMemory = 16 * GIB,
): { processes: ProcessInfo[]; total: number } {
  const rng = new Rng(seedFor(index, SALT.processes) ^ Math.floor(Date.now() / 5000));
  const total = rng.int(80, 400);
  const names = PROCESS_NAMES[platform];
  const started = new Date(Date.now() - rng.int(60, 86_400) * 1000).toISOString();
  const processes: ProcessInfo[] = [];
  for (let i = 0; i < total; i++) {
    const name = i < names.length ? names[i]! : rng.pick(names);
    const memory = rng.int(1, 800) * 1024 * 1024;
    processes.push({
      pid: i === 0 ? (platform === 'win32' ? 4 : 1) : 100 + i * 7,
      parent_pid: i === 0 ? 0 : 1,
      name,
      command: platform === 'win32' ? `C:\\Windows\\System32\\${name}` : `/usr/bin/${name}`,
      user: i < 5 ? (platform === 'win32' ? 'SYSTEM' : 'root') : rng.pick(PEOPLE),
      state: rng.pick(['running', 'sleeping', 'sleeping', 'sleeping']),
      cpu_percent: Math.round(rng.next() * rng.next() * 500) / 10,
      memory_bytes: memory,
      memory_percent: Math.round((memory / totalMemory) * 1000) / 10,
      io_read_bytes_per_sec: rng.int(0, 2_000_000),
      io_write_bytes_per_sec: rng.int(0, 500_000),
      started_at: started,
    });
  }
  const by = options.sort ?? 'cpu';
  const key: Record<typeof by, (a: ProcessInfo, b: ProcessInfo) => number> = {
    cpu: (a, b) => b.cpu_percent - a.cpu_percent,
    memory: (a, b) => b.memory_bytes - a.memory_bytes,
    io: (a, b) =>
      (b.io_read_bytes_per_sec ?? 0) +
      (b.io_write_bytes_per_sec ?? 0) -
      (a.io_read_bytes_per_sec ?? 0) -
      (a.io_write_bytes_per_sec ?? 0),
    name: (a, b) => a.name.localeCompare(b.name),
  };
  processes.sort(key[by]);
  return { processes: processes.slice(0, options.limit ?? 50), total };
}

/** Partitions with their use, and the largest folders under `path` (AGT8). */
export function generateDiskUsage(
  index: number,
  inventory: Pick<Inventory, 'file_systems' | 'os'>,
  options: { path?: string; top?: number; depth?: number } = {},
): { partitions: PartitionUsage[]; path: string; folders: FolderUsage[]; partial: boolean; scanned_entries: number } {
  const fractions = usedFractions(index, inventory.file_systems.length);
  const partitions = inventory.file_systems.map((fs, i) => {
    const used = Math.round(fs.size_bytes * fractions[i]!);
    return {
      mount: fs.mount,
      device: fs.device,
      fs_type: fs.fs_type,
      size_bytes: fs.size_bytes,
      used_bytes: used,
      available_bytes: fs.size_bytes - used,
      used_percent: Math.round(fractions[i]! * 1000) / 10,
    };
  });
  const windows = inventory.os.platform === 'win32';
  const root = options.path ?? (windows ? 'C:\\' : '/');
  const sep = windows ? '\\' : '/';
  const rng = new Rng(seedFor(index, SALT.disk) ^ root.length);
  const children = windows
    ? ['Users', 'Windows', 'Program Files', 'Program Files (x86)', 'ProgramData', 'Temp', 'inetpub', 'Recovery']
    : ['usr', 'var', 'home', 'opt', 'srv', 'tmp', 'root', 'etc', 'snap', 'lib'];
  const base = root.endsWith(sep) ? root : root + sep;
  const folders = children
    .map((name) => ({ path: base + name, size_bytes: rng.int(1, 80_000) * 1024 * 1024 }))
    .sort((a, b) => b.size_bytes - a.size_bytes)
    .slice(0, options.top ?? 20);
  return { partitions, path: root, folders, partial: false, scanned_entries: rng.int(10_000, 900_000) };
}
