import { Link } from '@tanstack/react-router';
import { AlertTriangle, CircleCheck, HardDrive, Monitor, PowerOff } from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import { errorMessage } from '../../api/client';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { cn } from '../../ui/cn';
import { Skeleton } from '../../ui/skeleton';
import { useCan } from '../auth/session-context';
import { useDevicesSummary } from './api';
import type { DevicesSearch } from './api';
import { platformLabel } from './device-bits';
import { useDeviceLiveUpdates } from './live';

/**
 * The devices health summary of a partner, organization or site (DEV6).
 * Every number is a link to the device list filtered the same way.
 */
export function DevicesHealthCard({
  partnerId,
  organizationId,
  siteId,
}: {
  partnerId: string;
  organizationId?: string;
  siteId?: string;
}) {
  const canView = useCan('devices.view');
  if (!canView) return null;
  return <HealthCard partnerId={partnerId} organizationId={organizationId} siteId={siteId} />;
}

function HealthCard({ partnerId, organizationId, siteId }: { partnerId: string; organizationId?: string; siteId?: string }) {
  const summary = useDevicesSummary(partnerId, { organizationId, siteId });
  useDeviceLiveUpdates(partnerId);
  const scope: DevicesSearch = {
    ...(organizationId ? { organization: organizationId } : {}),
    ...(siteId ? { site: siteId } : {}),
  };
  const data = summary.data;

  return (
    <Card aria-labelledby="devices-health-heading" data-testid="devices-health">
      <CardHeader>
        <CardTitle id="devices-health-heading">Devices</CardTitle>
        <Link
          to="/partners/$partnerId/devices"
          params={{ partnerId }}
          search={scope}
          className="text-xs text-link hover:underline"
        >
          Open the device list
        </Link>
      </CardHeader>
      <CardContent className="py-4">
        {summary.isError ? (
          <p role="alert" className="flex items-center gap-2 text-[13px] text-destructive-text">
            <AlertTriangle className="size-4" aria-hidden="true" />
            Could not load the device counts: {errorMessage(summary.error)}
            <Button size="sm" onClick={() => void summary.refetch()}>
              Retry
            </Button>
          </p>
        ) : !data ? (
          <div className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-busy="true">
            {[0, 1, 2, 3].map((i) => (
              <Skeleton key={i} className="h-14" />
            ))}
          </div>
        ) : data.total === 0 ? (
          <p className="text-[13px] text-muted-foreground">
            No devices yet.{' '}
            {siteId ? 'Install the agent with the link below.' : 'Open a site and copy its install link to add computers.'}
          </p>
        ) : (
          <div className="grid gap-4">
            <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
              <Stat partnerId={partnerId} search={scope} icon={Monitor} label="Total" value={data.total} />
              <Stat
                partnerId={partnerId}
                search={{ ...scope, status: 'online' }}
                icon={CircleCheck}
                label="Online"
                value={data.online}
                tone="text-success-text"
              />
              <Stat
                partnerId={partnerId}
                search={{ ...scope, status: 'offline' }}
                icon={PowerOff}
                label="Offline"
                value={data.offline}
              />
              <Stat
                partnerId={partnerId}
                search={{ ...scope, low_disk: 1 }}
                icon={HardDrive}
                label="Low disk"
                value={data.low_disk}
                tone={data.low_disk > 0 ? 'text-destructive-text' : undefined}
              />
            </div>
            {data.by_platform.length > 0 ? (
              <ul aria-label="Devices by operating system" className="flex flex-wrap gap-2">
                {data.by_platform.map((p) => (
                  <li key={p.platform}>
                    <Link
                      to="/partners/$partnerId/devices"
                      params={{ partnerId }}
                      search={{ ...scope, platform: p.platform }}
                      className="inline-flex items-center gap-1.5 rounded-full border border-border bg-muted px-2.5 py-0.5 text-xs hover:border-link/50 hover:text-link focus-visible:outline-2 focus-visible:outline-ring"
                    >
                      {platformLabel(p.platform)}
                      <span className="font-semibold tabular-nums">{p.count.toLocaleString()}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function Stat({
  partnerId,
  search,
  icon: Icon,
  label,
  value,
  tone,
}: {
  partnerId: string;
  search: DevicesSearch;
  icon: LucideIcon;
  label: string;
  value: number;
  tone?: string;
}) {
  return (
    <Link
      to="/partners/$partnerId/devices"
      params={{ partnerId }}
      search={search}
      aria-label={`${value.toLocaleString()} ${label.toLowerCase()}: show these devices`}
      className="group grid gap-0.5 rounded-md border border-border px-3 py-2 hover:border-link/50 hover:bg-hover/40 focus-visible:outline-2 focus-visible:outline-ring"
    >
      <span className="flex items-center gap-1.5 text-xs text-muted-foreground">
        <Icon className={cn('size-3.5', tone)} aria-hidden="true" />
        {label}
      </span>
      <span className={cn('text-xl font-semibold tabular-nums group-hover:text-link group-hover:underline', tone)}>
        {value.toLocaleString()}
      </span>
    </Link>
  );
}
