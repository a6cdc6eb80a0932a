import { Link } from '@tanstack/react-router';
import { AlertTriangle, ArrowLeft, Loader2, PowerOff, RotateCw, TimerOff } from 'lucide-react';
import type { ReactNode } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { EmptyState } from '../../ui/empty-state';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import type { Device } from './api';
import { DeviceStatusBadge } from './device-bits';

/* What the processes and disk pages share: the device they ask, and how asking can go. */

export function AskingTheDevice({ what }: { what: string }) {
  return (
    <Card>
      <div className="flex flex-col items-center justify-center gap-3 px-6 py-12 text-center" role="status">
        <Loader2 className="size-6 animate-spin text-muted-foreground" aria-hidden="true" />
        <p className="text-sm font-semibold">Asking the device…</p>
        <p className="max-w-md text-[13px] text-muted-foreground">
          The agent is reading {what} now. This takes a few seconds; a busy computer may take up to 15.
        </p>
      </div>
    </Card>
  );
}

/** The device-offline and timeout answers, said plainly, with what to try. */
export function LiveRequestError({
  error,
  device,
  onRetry,
  retrying,
  back,
}: {
  error: unknown;
  device: Device | undefined;
  onRetry: () => void;
  retrying: boolean;
  back: ReactNode;
}) {
  const code = isApiError(error) ? error.code : null;
  const retry = (
    <Button onClick={onRetry} loading={retrying}>
      {retrying ? null : <RotateCw aria-hidden="true" />}
      Try again
    </Button>
  );
  if (code === 'device_offline' || (isApiError(error) && error.status === 409)) {
    return (
      <Card>
        <EmptyState
          role="alert"
          icon={PowerOff}
          title="The device is offline"
          description={
            <>
              Only a connected agent can be asked. Try again when the device reconnects
              {device?.last_seen_at ? (
                <>
                  {' '}
                  (last seen <Time value={device.last_seen_at} mode="relative" />)
                </>
              ) : null}
              .
            </>
          }
          action={
            <>
              {retry}
              {back}
            </>
          }
        />
      </Card>
    );
  }
  if (code === 'agent_timeout' || (isApiError(error) && error.status === 504)) {
    return (
      <Card>
        <EmptyState
          role="alert"
          tone="danger"
          icon={TimerOff}
          title="The device did not answer in time"
          description={`${errorMessage(error).replace(/\.?$/, '.')} The computer may be very busy or its connection poor.`}
          action={
            <>
              {retry}
              {back}
            </>
          }
        />
      </Card>
    );
  }
  return (
    <Card>
      <EmptyState
        role="alert"
        tone="danger"
        icon={AlertTriangle}
        title="Could not ask the device"
        description={errorMessage(error)}
        action={
          <>
            {retry}
            {back}
          </>
        }
      />
    </Card>
  );
}

export function BackToDevice({ partnerId, deviceId, hostname }: { partnerId: string; deviceId: string; hostname?: string }) {
  return (
    <Button asChild>
      <Link to="/partners/$partnerId/devices/$deviceId" params={{ partnerId, deviceId }}>
        <ArrowLeft aria-hidden="true" />
        {hostname ? `Back to ${hostname}` : 'Back to device'}
      </Link>
    </Button>
  );
}

/** "on <hostname> [Online]": which computer this page is asking. */
export function DeviceSubtitle({ partnerId, device }: { partnerId: string; device: { data?: Device } }) {
  const d = device.data;
  if (!d) return <Skeleton className="h-4 w-48" />;
  return (
    <span className="flex min-w-0 flex-wrap items-center gap-2">
      <span>
        on{' '}
        <Link
          to="/partners/$partnerId/devices/$deviceId"
          params={{ partnerId, deviceId: d.id }}
          className="font-medium text-foreground hover:text-link hover:underline"
        >
          {d.hostname}
        </Link>
      </span>
      <DeviceStatusBadge device={d} />
    </span>
  );
}
