import { Link, getRouteApi } from '@tanstack/react-router';
import {
  ArrowLeft,
  ChevronDown,
  ChevronRight,
  Cpu,
  FileCode2,
  HardDrive,
  History,
  ListOrdered,
  MemoryStick,
  Monitor,
  Power,
  RefreshCw,
  SquareTerminal,
} from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { CopyValue } from '../../ui/copy-button';
import { DescriptionList } from '../../ui/description-list';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '../../ui/dropdown-menu';
import { cn } from '../../ui/cn';
import { useCan } from '../auth/session-context';
import type { RunsSearch } from '../commands/api';
import { QuickActionDialog, RunCommandDialog, RunScriptDialog } from '../commands/run-dialogs';
import { RunsList } from '../commands/runs-list';
import { CustomFieldsCard } from '../custom-fields/custom-fields-card';
import { useDevice } from './api';
import type { Device } from './api';
import { DeviceStatusBadge, UsageBar, formatBytes, formatPercent, formatUptime, platformLabel } from './device-bits';
import { DeviceSettingsSection } from './device-settings';
import { DeviceSoftwareSection } from './device-software';
import { useDeviceLiveUpdates } from './live';

const route = getRouteApi('/_app/partners/$partnerId/devices/$deviceId');

/** `?tab=history`: the device's runs (DEV8). */
export interface DeviceSearch {
  tab?: 'history';
}

export function validateDeviceSearch(search: Record<string, unknown>): DeviceSearch {
  return search.tab === 'history' ? { tab: 'history' } : {};
}

type CommandDialog = 'script' | 'command' | 'reboot' | 'inventory' | null;

const none = <span className="text-muted-foreground">—</span>;

/** Text from the agent, or a dash. */
function text(value: string | null | undefined): ReactNode {
  return value ? value : none;
}

export function DevicePage() {
  const { partnerId, deviceId } = route.useParams();
  const { tab } = route.useSearch();
  const navigate = route.useNavigate();
  const query = useDevice(partnerId, deviceId);
  const device = query.data;
  const canManage = useCan('devices.manage');
  const canRun = useCan('commands.run');
  const canViewRuns = useCan('commands.view');
  const [dialog, setDialog] = useState<CommandDialog>(null);
  const [historySearch, setHistorySearch] = useState<RunsSearch>({});
  const history = tab === 'history' && canViewRuns;
  useDeviceLiveUpdates(partnerId);
  useDocumentTitle(device?.hostname ?? 'Device', device?.organization_name);

  const back = (
    <Button asChild>
      <Link to="/partners/$partnerId/devices" params={{ partnerId }}>
        <ArrowLeft aria-hidden="true" />
        All devices
      </Link>
    </Button>
  );

  if (query.isError) {
    return <LoadErrorState error={query.error} thing="device" onRetry={() => void query.refetch()} back={back} />;
  }

  if (!device) {
    return (
      <div className="grid gap-5" aria-busy="true">
        <Skeleton className="h-7 w-64" />
        <div className="grid gap-4 md:grid-cols-3">
          <Skeleton className="h-28" />
          <Skeleton className="h-28" />
          <Skeleton className="h-28" />
        </div>
        <Skeleton className="h-48" />
        <span className="sr-only" role="status">
          Loading device…
        </span>
      </div>
    );
  }

  const os = device.inventory?.os;
  const osName = device.os_name || os?.name || platformLabel(device.platform);
  const osVersion = device.os_version || os?.version || '';
  // "Debian GNU/Linux 12 (bookworm)" already says 12.
  const osLine = osVersion && !osName.includes(osVersion) ? `${osName} ${osVersion}` : osName;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={<span title={device.hostname}>{device.hostname}</span>}
        badge={<DeviceStatusBadge device={device} />}
        description={
          <span className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
            <span data-testid="device-os">{osLine}</span>
            <span aria-hidden="true">·</span>
            <span className="flex min-w-0 items-center gap-1">
              <Link
                to="/partners/$partnerId/organizations/$organizationId"
                params={{ partnerId, organizationId: device.organization_id }}
                className="font-medium text-foreground hover:text-link hover:underline"
              >
                {device.organization_name}
              </Link>
              <ChevronRight className="size-3.5 shrink-0" aria-label="›" />
              <Link
                to="/partners/$partnerId/organizations/$organizationId/sites/$siteId"
                params={{ partnerId, organizationId: device.organization_id, siteId: device.site_id }}
                className="font-medium text-foreground hover:text-link hover:underline"
              >
                {device.site_name}
              </Link>
            </span>
            <span aria-hidden="true">·</span>
            <span>
              {device.online ? (
                <>
                  Connected <Time value={device.connected_at} mode="relative" />
                </>
              ) : (
                <>Last seen {device.last_seen_at ? <Time value={device.last_seen_at} mode="relative" /> : 'never'}</>
              )}
            </span>
          </span>
        }
        actions={
          <>
            {canRun ? (
              <>
                <Button variant="primary" onClick={() => setDialog('script')}>
                  <FileCode2 aria-hidden="true" />
                  Run script
                </Button>
                <Button onClick={() => setDialog('command')}>
                  <SquareTerminal aria-hidden="true" />
                  Run command
                </Button>
                <DropdownMenu>
                  <DropdownMenuTrigger asChild>
                    <Button aria-label="More device actions">
                      More
                      <ChevronDown aria-hidden="true" />
                    </Button>
                  </DropdownMenuTrigger>
                  <DropdownMenuContent align="end">
                    <DropdownMenuItem onSelect={() => setDialog('reboot')}>
                      <Power aria-hidden="true" />
                      Reboot
                    </DropdownMenuItem>
                    <DropdownMenuItem onSelect={() => setDialog('inventory')}>
                      <RefreshCw aria-hidden="true" />
                      Refresh inventory
                    </DropdownMenuItem>
                  </DropdownMenuContent>
                </DropdownMenu>
              </>
            ) : null}
            <Button asChild>
              <Link
                to="/partners/$partnerId/devices/$deviceId/processes"
                params={{ partnerId, deviceId }}
                search={{ sort: 'cpu' }}
              >
                <ListOrdered aria-hidden="true" />
                Processes
              </Link>
            </Button>
            <Button asChild>
              <Link to="/partners/$partnerId/devices/$deviceId/disk" params={{ partnerId, deviceId }}>
                <HardDrive aria-hidden="true" />
                Disk usage
              </Link>
            </Button>
          </>
        }
      />

      {device.revoked ? (
        <Alert tone="warning" title="This device’s agent was revoked">
          It can no longer connect. To manage this computer again, install the agent afresh from its site’s install link.
        </Alert>
      ) : null}

      {canViewRuns ? (
        <div role="tablist" aria-label="Device views" className="flex gap-1 border-b border-border">
          <DeviceTab selected={!history} onClick={() => void navigate({ search: {}, replace: true })}>
            <Monitor className="size-3.5" aria-hidden="true" />
            Overview
          </DeviceTab>
          <DeviceTab selected={history} onClick={() => void navigate({ search: { tab: 'history' }, replace: true })}>
            <History className="size-3.5" aria-hidden="true" />
            History
          </DeviceTab>
        </div>
      ) : null}

      {history ? (
        <Card role="tabpanel" aria-label="History">
          <RunsList
            partnerId={partnerId}
            deviceId={deviceId}
            deviceName={device.hostname}
            search={historySearch}
            onSearchChange={(patch) => setHistorySearch((s) => ({ ...s, ...patch }))}
          />
        </Card>
      ) : (
        <div role={canViewRuns ? 'tabpanel' : undefined} aria-label={canViewRuns ? 'Overview' : undefined} className="grid gap-5">
          <MetricCards partnerId={partnerId} device={device} />

          <div className="grid gap-4 xl:grid-cols-2">
            <SystemCard device={device} />
            <HardwareCard device={device} />
          </div>

          <NetworkCard device={device} />

          <div className="grid gap-4 xl:grid-cols-2">
            <UsersCard device={device} />
            <TemperaturesCard device={device} />
          </div>

          <CustomFieldsCard partnerId={partnerId} entity="device" entityId={deviceId} entityName={device.hostname} />

          <DeviceSoftwareSection partnerId={partnerId} deviceId={deviceId} />

          {canManage ? <DeviceSettingsSection partnerId={partnerId} device={device} /> : null}
        </div>
      )}

      <RunScriptDialog
        partnerId={partnerId}
        open={dialog === 'script'}
        onOpenChange={(open) => !open && setDialog(null)}
        devices={[{ id: device.id, hostname: device.hostname }]}
      />
      <RunCommandDialog
        partnerId={partnerId}
        open={dialog === 'command'}
        onOpenChange={(open) => !open && setDialog(null)}
        devices={[{ id: device.id, hostname: device.hostname }]}
        platform={device.platform}
      />
      <QuickActionDialog
        partnerId={partnerId}
        kind="reboot"
        open={dialog === 'reboot'}
        onOpenChange={(open) => !open && setDialog(null)}
        devices={[{ id: device.id, hostname: device.hostname }]}
      />
      <QuickActionDialog
        partnerId={partnerId}
        kind="inventory_refresh"
        open={dialog === 'inventory'}
        onOpenChange={(open) => !open && setDialog(null)}
        devices={[{ id: device.id, hostname: device.hostname }]}
      />
    </div>
  );
}

function DeviceTab({ selected, onClick, children }: { selected: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={selected}
      onClick={onClick}
      className={cn(
        '-mb-px inline-flex cursor-pointer items-center gap-1.5 border-b-2 px-3 py-2 text-[13px] font-medium focus-visible:outline-2 focus-visible:outline-ring',
        selected ? 'border-primary text-foreground' : 'border-transparent text-muted-foreground hover:text-foreground',
      )}
    >
      {children}
    </button>
  );
}

/** A metric card that is one big link to its drill-down (DEV3). */
function MetricLink({
  to,
  icon: Icon,
  title,
  action,
  children,
  testId,
}: {
  /** Renders the link, given its classes and content. */
  to: (props: { className: string; children: ReactNode }) => ReactNode;
  icon: LucideIcon;
  title: string;
  action: string;
  children: ReactNode;
  testId: string;
}) {
  return to({
    className:
      'group grid content-start gap-2 rounded-lg border border-border bg-card px-4 py-3 text-card-foreground transition-colors hover:border-link/50 hover:bg-hover/40 focus-visible:outline-2 focus-visible:outline-ring',
    children: (
      <span data-testid={testId} className="contents">
        <span className="flex items-center justify-between gap-2">
          <span className="flex items-center gap-2 text-sm font-semibold">
            <Icon className="size-4 text-muted-foreground" aria-hidden="true" />
            {title}
          </span>
          <span className="flex items-center gap-0.5 text-xs text-link group-hover:underline">
            {action}
            <ChevronRight className="size-3.5" aria-hidden="true" />
          </span>
        </span>
        {children}
      </span>
    ),
  });
}

/** A metric card's reading: the percentage, its bar, and a line of detail. */
function MetricReading({
  percent,
  label,
  detail,
  stale,
}: {
  percent: number | null;
  label: string;
  detail: string;
  /** " (when last seen)" for an offline device's last reading. */
  stale: string;
}) {
  return (
    <>
      <span className="text-2xl font-semibold tabular-nums">{formatPercent(percent)}</span>
      <UsageBar percent={percent} label={label} />
      <span className="text-xs text-muted-foreground">
        {detail}
        {stale}
      </span>
    </>
  );
}

function MetricCards({ partnerId, device }: { partnerId: string; device: Device }) {
  const id = device.id;
  const status = device.status;
  const totalMemory = device.inventory?.memory.total_bytes ?? null;
  const usedMemory = status?.memory_used_bytes ?? null;
  const memoryPercent =
    totalMemory && usedMemory !== null ? (usedMemory / totalMemory) * 100 : (device.memory_used_percent ?? null);
  const cpu = status?.cpu_percent ?? device.cpu_percent;
  const fileSystems = status?.file_systems ?? [];
  const stale = status && !device.online ? ' (when last seen)' : '';
  // The CPU and memory cards open the processes, sorted by what they show.
  const processesBy =
    (sort: 'cpu' | 'memory', label: string) =>
    ({ className, children }: { className: string; children: ReactNode }) => (
      <Link
        to="/partners/$partnerId/devices/$deviceId/processes"
        params={{ partnerId, deviceId: id }}
        search={{ sort }}
        className={className}
        aria-label={label}
      >
        {children}
      </Link>
    );

  return (
    <div className="grid gap-4 md:grid-cols-3">
      <MetricLink
        testId="cpu-card"
        icon={Cpu}
        title="CPU"
        action="Processes by CPU"
        to={processesBy('cpu', `CPU ${formatPercent(cpu)}${stale}. Open the processes sorted by CPU`)}
      >
        <MetricReading
          percent={cpu}
          label="CPU in use"
          detail={
            status?.load_average && status.load_average.length > 0
              ? `Load ${status.load_average.map((n) => n.toFixed(2)).join(' · ')}`
              : device.inventory
                ? `${device.inventory.cpu.cores} logical cores`
                : 'No reading yet'
          }
          stale={stale}
        />
      </MetricLink>
      <MetricLink
        testId="memory-card"
        icon={MemoryStick}
        title="Memory"
        action="Processes by memory"
        to={processesBy('memory', `Memory ${formatPercent(memoryPercent)} used${stale}. Open the processes sorted by memory`)}
      >
        <MetricReading
          percent={memoryPercent}
          label="Memory in use"
          detail={
            usedMemory !== null && totalMemory
              ? `${formatBytes(usedMemory)} of ${formatBytes(totalMemory)} used`
              : totalMemory
                ? `${formatBytes(totalMemory)} installed`
                : 'No reading yet'
          }
          stale={stale}
        />
      </MetricLink>
      <MetricLink
        testId="disk-card"
        icon={HardDrive}
        title="Disk"
        action="Partitions and folders"
        to={({ className, children }) => (
          <Link
            to="/partners/$partnerId/devices/$deviceId/disk"
            params={{ partnerId, deviceId: id }}
            className={className}
            aria-label={`Disk: fullest ${formatPercent(device.disk_used_percent)}${stale}. Open partitions and largest folders`}
          >
            {children}
          </Link>
        )}
      >
        {fileSystems.length === 0 ? (
          <span className="text-[13px] text-muted-foreground">No reading yet</span>
        ) : (
          <span className="grid gap-2">
            {fileSystems.slice(0, 4).map((fs) => {
              const percent = fs.size_bytes > 0 ? (fs.used_bytes / fs.size_bytes) * 100 : null;
              return (
                <span key={fs.mount} className="grid gap-1">
                  <span className="flex items-baseline justify-between gap-2 text-xs">
                    <Truncate text={fs.mount} className="font-mono" />
                    <span className="shrink-0 text-muted-foreground tabular-nums">
                      {formatBytes(fs.used_bytes)} / {formatBytes(fs.size_bytes)} · {formatPercent(percent)}
                    </span>
                  </span>
                  <UsageBar percent={percent} label={`${fs.mount} used`} />
                </span>
              );
            })}
            {fileSystems.length > 4 ? (
              <span className="text-xs text-muted-foreground">and {fileSystems.length - 4} more</span>
            ) : null}
          </span>
        )}
      </MetricLink>
    </div>
  );
}

function SectionCard({ id, title, children, aside }: { id: string; title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <Card aria-labelledby={`${id}-heading`}>
      <CardHeader>
        <CardTitle id={`${id}-heading`}>{title}</CardTitle>
        {aside ? <span className="text-xs text-muted-foreground">{aside}</span> : null}
      </CardHeader>
      {children}
    </Card>
  );
}

/** A card's aside for data the agent reported: "Status from 5 minutes ago"; nothing before the first report. */
function reportedAt(what: string, at: string | null | undefined): ReactNode {
  return at ? (
    <>
      {what} from <Time value={at} mode="relative" />
    </>
  ) : null;
}

/** A card's one line of text in place of its table (nothing reported, or nothing to list). */
function CardNote({ children }: { children: ReactNode }) {
  return (
    <CardContent>
      <p className="text-[13px] text-muted-foreground">{children}</p>
    </CardContent>
  );
}

function SystemCard({ device }: { device: Device }) {
  const os = device.inventory?.os;
  return (
    <SectionCard id="system" title="System" aside={reportedAt('Status', device.status_at)}>
      <CardContent className="py-4">
        <DescriptionList
          className="xl:grid-cols-2"
          items={[
            { label: 'Operating system', value: text(os?.name ?? device.os_name) },
            {
              label: 'Version',
              value: text([os?.version ?? device.os_version, os?.codename ? `(${os.codename})` : null].filter(Boolean).join(' ')),
            },
            { label: 'Kernel', value: text(os?.kernel) },
            { label: 'Architecture', value: text(os?.arch ?? device.arch) },
            { label: 'Uptime', value: device.status ? formatUptime(device.status.uptime_seconds) : none },
            { label: 'Boot time', value: <Time value={device.inventory?.boot_time} mode="datetime" /> },
            { label: 'Timezone', value: text(device.inventory?.timezone) },
            { label: 'Agent version', value: text(device.agent_version) },
            { label: 'Enrolled', value: <Time value={device.enrolled_at} mode="datetime" /> },
            {
              label: 'Last seen',
              value: device.online ? 'Now (connected)' : <Time value={device.last_seen_at} mode="datetime" />,
            },
            { label: 'Remote IP', value: device.remote_ip ? <span className="font-mono">{device.remote_ip}</span> : none },
            { label: 'Device ID', value: <CopyValue value={device.id} label="device ID" /> },
          ]}
        />
      </CardContent>
    </SectionCard>
  );
}

function HardwareCard({ device }: { device: Device }) {
  const inv = device.inventory;
  const hw = inv?.hardware;
  const cpu = inv?.cpu;
  const gpus = inv?.gpus ?? [];
  return (
    <SectionCard id="hardware" title="Hardware" aside={reportedAt('Inventory', device.inventory_at)}>
      <CardContent className="py-4">
        {inv ? (
          <DescriptionList
            className="xl:grid-cols-2"
            items={[
              { label: 'Vendor', value: text(hw?.vendor) },
              {
                label: 'Model',
                value: (
                  <>
                    {text(hw?.model)}
                    {hw?.virtual ? (
                      <span className="ml-1 text-xs text-muted-foreground">
                        (virtual machine{hw.virtual_host ? ` on ${hw.virtual_host}` : ''})
                      </span>
                    ) : null}
                  </>
                ),
              },
              { label: 'Serial number', value: hw?.serial ? <CopyValue value={hw.serial} label="serial number" /> : none },
              { label: 'BIOS', value: text([hw?.bios_vendor, hw?.bios_version].filter(Boolean).join(' ')) },
              { label: 'CPU', value: text(cpu?.brand), wide: false },
              {
                label: 'Cores and speed',
                value: cpu
                  ? `${cpu.physical_cores} physical / ${cpu.cores} logical${cpu.speed_ghz ? ` · ${cpu.speed_ghz.toFixed(2)} GHz` : ''}`
                  : none,
              },
              {
                label: 'Memory',
                value: `${formatBytes(inv.memory.total_bytes)}${inv.memory.swap_total_bytes ? ` (+ ${formatBytes(inv.memory.swap_total_bytes)} swap)` : ''}`,
              },
              {
                label: 'Graphics',
                value:
                  gpus.length === 0 ? (
                    none
                  ) : (
                    <ul className="grid gap-0.5">
                      {gpus.map((g, i) => (
                        <li key={i}>
                          {[g.vendor, g.model].filter(Boolean).join(' ')}
                          {g.vram_bytes ? <span className="text-muted-foreground"> · {formatBytes(g.vram_bytes)}</span> : null}
                        </li>
                      ))}
                    </ul>
                  ),
              },
              {
                label: 'Disks',
                value:
                  inv.disks.length === 0 ? (
                    none
                  ) : (
                    <ul className="grid gap-0.5">
                      {inv.disks.map((d, i) => (
                        <li key={i} className="flex min-w-0 gap-1">
                          <span className="font-mono text-xs">{d.device}</span>
                          <span className="text-muted-foreground">
                            {[d.name ?? d.vendor, d.type, d.interface, formatBytes(d.size_bytes)].filter(Boolean).join(' · ')}
                          </span>
                        </li>
                      ))}
                    </ul>
                  ),
              },
            ]}
          />
        ) : (
          <p className="text-[13px] text-muted-foreground">The agent has not sent its inventory yet.</p>
        )}
      </CardContent>
    </SectionCard>
  );
}

function NetworkCard({ device }: { device: Device }) {
  // The loopback interface is the same on every computer: not worth a row.
  const interfaces = (device.inventory?.network ?? []).filter(
    (n) => ![...n.ipv4, ...n.ipv6].every((ip) => ip.startsWith('127.') || ip === '::1') || n.ipv4.length + n.ipv6.length === 0,
  );
  return (
    <SectionCard id="network" title="Network" aside={device.remote_ip ? `Connects from ${device.remote_ip}` : null}>
      {interfaces.length === 0 ? (
        <CardNote>No network interfaces reported.</CardNote>
      ) : (
        <Table className="table-fixed">
          <TableCaption>Network interfaces</TableCaption>
          <TableHeader>
            <tr>
              <TableHead scope="col" className="w-40">
                Interface
              </TableHead>
              <TableHead scope="col">IPv4</TableHead>
              <TableHead scope="col" className="hidden lg:table-cell">
                IPv6
              </TableHead>
              <TableHead scope="col" className="w-44">
                MAC
              </TableHead>
              <TableHead scope="col" className="hidden w-36 md:table-cell">
                Gateway
              </TableHead>
            </tr>
          </TableHeader>
          <TableBody>
            {interfaces.map((n, i) => (
              <TableRow key={`${n.name}-${i}`}>
                <TableCell>
                  <span className="grid min-w-0">
                    <Truncate text={n.name} className="font-medium" />
                    <span className="text-xs text-muted-foreground">
                      {[n.type, n.speed_mbps ? `${n.speed_mbps} Mb/s` : null, n.virtual ? 'virtual' : null]
                        .filter(Boolean)
                        .join(' · ') || '\u00a0'}
                    </span>
                  </span>
                </TableCell>
                <TableCell className="font-mono text-xs">
                  {n.ipv4.length ? n.ipv4.map((ip) => <Truncate key={ip} text={ip} />) : none}
                </TableCell>
                <TableCell className="hidden font-mono text-xs lg:table-cell">
                  {n.ipv6.length ? n.ipv6.map((ip) => <Truncate key={ip} text={ip} />) : none}
                </TableCell>
                <TableCell className="font-mono text-xs">{text(n.mac)}</TableCell>
                <TableCell className="hidden font-mono text-xs md:table-cell">{text(n.default_gateway)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </SectionCard>
  );
}

function UsersCard({ device }: { device: Device }) {
  const users = device.status?.logged_in_users ?? [];
  return (
    <SectionCard id="users" title="Logged-in users">
      {users.length === 0 ? (
        <CardNote>{device.status ? 'Nobody is signed in.' : 'The agent has not reported yet.'}</CardNote>
      ) : (
        <Table className="table-fixed">
          <TableCaption>Logged-in users</TableCaption>
          <TableHeader>
            <tr>
              <TableHead scope="col">User</TableHead>
              <TableHead scope="col" className="w-28">
                Terminal
              </TableHead>
              <TableHead scope="col" className="w-36">
                From
              </TableHead>
              <TableHead scope="col" className="w-32">
                Since
              </TableHead>
            </tr>
          </TableHeader>
          <TableBody>
            {users.map((u, i) => (
              <TableRow key={`${u.user}-${u.terminal ?? ''}-${i}`}>
                <TableCell>
                  <Truncate text={u.user} className="font-medium" />
                </TableCell>
                <TableCell className="font-mono text-xs">{text(u.terminal)}</TableCell>
                <TableCell className="font-mono text-xs">{u.host ? <Truncate text={u.host} /> : none}</TableCell>
                <TableCell className="text-muted-foreground">
                  <Time value={u.since} mode="relative" />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </SectionCard>
  );
}

function TemperaturesCard({ device }: { device: Device }) {
  const temps = device.status?.temperatures ?? [];
  const source = device.status?.temperature_source;
  return (
    <SectionCard id="temperatures" title="Temperatures" aside={source ? `Source: ${source}` : null}>
      {temps.length === 0 ? (
        <CardNote>
          {device.status
            ? 'No temperature sensors could be read on this device (common on virtual machines).'
            : 'The agent has not reported yet.'}
        </CardNote>
      ) : (
        <Table className="table-fixed">
          <TableCaption>Temperatures</TableCaption>
          <TableHeader>
            <tr>
              <TableHead scope="col" className="w-28">
                Sensor
              </TableHead>
              <TableHead scope="col">Label</TableHead>
              <TableHead scope="col" className="w-24 text-right">
                °C
              </TableHead>
            </tr>
          </TableHeader>
          <TableBody>
            {temps.map((t, i) => (
              <TableRow key={`${t.sensor}-${t.label ?? ''}-${i}`}>
                <TableCell>{t.sensor}</TableCell>
                <TableCell>{t.label ? <Truncate text={t.label} /> : none}</TableCell>
                <TableCell
                  className={
                    t.celsius >= 85 ? 'text-right font-medium text-destructive-text tabular-nums' : 'text-right tabular-nums'
                  }
                >
                  {t.celsius.toFixed(0)} °C{t.celsius >= 85 ? ' (hot)' : ''}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </SectionCard>
  );
}
