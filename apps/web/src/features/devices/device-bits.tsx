import { Ban, CircleCheck, PowerOff } from 'lucide-react';
import { Badge } from '../../ui/badge';
import { cn } from '../../ui/cn';

/* Small pieces the device pages share: status, usage bars, units. */

export type DeviceState = 'online' | 'offline' | 'revoked';

export function deviceState(device: { online: boolean; revoked: boolean }): DeviceState {
  if (device.revoked) return 'revoked';
  return device.online ? 'online' : 'offline';
}

const STATE = {
  online: { label: 'Online', tone: 'success', icon: CircleCheck },
  offline: { label: 'Offline', tone: 'neutral', icon: PowerOff },
  revoked: { label: 'Revoked', tone: 'danger', icon: Ban },
} as const;

/** Icon and word, never colour alone. */
export function DeviceStatusBadge({ device, className }: { device: { online: boolean; revoked: boolean }; className?: string }) {
  const state = STATE[deviceState(device)];
  const Icon = state.icon;
  return (
    <Badge tone={state.tone} className={className} data-testid="device-status">
      <Icon aria-hidden="true" />
      {state.label}
    </Badge>
  );
}

export const PLATFORM_LABELS: Record<string, string> = {
  linux: 'Linux',
  darwin: 'macOS',
  win32: 'Windows',
  freebsd: 'FreeBSD',
  openbsd: 'OpenBSD',
  aix: 'AIX',
  sunos: 'Solaris',
};

export function platformLabel(platform: string): string {
  return PLATFORM_LABELS[platform] ?? platform;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Binary sizes, in the units Windows and most technicians use ("15.6 GB"). */
export function formatBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSec: number | null | undefined): string {
  if (typeof bytesPerSec !== 'number' || !Number.isFinite(bytesPerSec)) return '—';
  if (bytesPerSec === 0) return '0';
  return `${formatBytes(bytesPerSec)}/s`;
}

export function formatPercent(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return `${value < 10 && value > 0 ? value.toFixed(1) : Math.round(value)} %`;
}

export function formatUptime(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min`;
}

/** A bar's tone: 90 % and above is the "low disk" line the list filters by. */
function usageTone(percent: number): string {
  if (percent >= 90) return 'bg-destructive-text';
  if (percent >= 75) return 'bg-warning-text';
  return 'bg-link';
}

/**
 * A usage bar. The number is always beside it in text, so the colour is
 * never the only signal; screen readers get a meter with its value.
 */
export function UsageBar({
  percent,
  label,
  className,
}: {
  percent: number | null | undefined;
  label: string;
  className?: string;
}) {
  const value = typeof percent === 'number' && Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : null;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value ?? undefined}
      aria-valuetext={value === null ? 'unknown' : `${Math.round(value)} percent`}
      className={cn('h-1.5 w-full overflow-hidden rounded-full bg-muted', className)}
    >
      {value === null ? null : (
        <div className={cn('h-full rounded-full', usageTone(value))} style={{ width: `${Math.max(value, 1)}%` }} />
      )}
    </div>
  );
}

/** A percentage with a thin bar under it, for table cells. */
export function PercentCell({ value, label }: { value: number | null | undefined; label: string }) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="grid gap-1">
      <span className={cn('tabular-nums', value >= 90 && 'font-medium text-destructive-text')}>{formatPercent(value)}</span>
      <UsageBar percent={value} label={label} className="h-1" />
    </div>
  );
}
