import { MonitorCheck, RotateCw } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { EmptyState } from '../../ui/empty-state';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { describeUserAgent } from '../sessions/user-agent';
import { useRevokeTrustedDevice, useTrustedDevices } from './api';
import type { TrustedDevice } from './api';

/** Browsers that skip the code at sign-in for 30 days; revoking one asks for the code there again. */
export function TrustedBrowsersCard() {
  const devices = useTrustedDevices();
  const revoke = useRevokeTrustedDevice();
  const { toast } = useToast();
  const [revoking, setRevoking] = useState<TrustedDevice | null>(null);
  const items = devices.data?.items ?? [];

  return (
    <Card aria-labelledby="trusted-browsers-heading">
      <CardHeader>
        <div className="grid gap-0.5">
          <CardTitle id="trusted-browsers-heading">Trusted browsers</CardTitle>
          <p className="text-xs text-muted-foreground">These browsers sign in without the code until the date shown.</p>
        </div>
      </CardHeader>
      {devices.isPending ? (
        <div className="grid gap-2 px-4 py-4" aria-busy="true">
          <Skeleton className="h-6 w-full" />
          <span className="sr-only" role="status">
            Loading trusted browsers…
          </span>
        </div>
      ) : devices.isError ? (
        <EmptyState
          role="alert"
          tone="danger"
          icon={MonitorCheck}
          title="Could not load your trusted browsers"
          description={errorMessage(devices.error)}
          action={
            <Button onClick={() => void devices.refetch()}>
              <RotateCw aria-hidden="true" />
              Retry
            </Button>
          }
        />
      ) : items.length === 0 ? (
        <EmptyState
          icon={MonitorCheck}
          title="No trusted browsers"
          description="When you sign in with a code, tick “Trust this browser for 30 days” to skip the code in that browser."
        />
      ) : (
        <Table>
          <TableCaption>Trusted browsers</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Browser</TableHead>
              <TableHead>Address</TableHead>
              <TableHead>Trusted since</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>Until</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((d) => (
              <TableRow key={d.id}>
                <TableCell>
                  <div className="flex flex-wrap items-center gap-2">
                    <span title={d.user_agent} className="font-medium text-foreground">
                      {describeUserAgent(d.user_agent)}
                    </span>
                    {d.current ? <Badge tone="success">This browser</Badge> : null}
                  </div>
                </TableCell>
                <TableCell className="font-mono text-xs text-muted-foreground">{d.ip ?? '—'}</TableCell>
                <TableCell>
                  <Time value={d.created_at} />
                </TableCell>
                <TableCell>
                  <Time value={d.last_used_at} mode="relative" />
                </TableCell>
                <TableCell>
                  <Time value={d.expires_at} />
                </TableCell>
                <TableCell className="text-right">
                  <Button size="sm" variant="destructive-subtle" onClick={() => setRevoking(d)}>
                    Revoke
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Stop trusting this browser?"
        description={
          revoking ? (
            <>
              {describeUserAgent(revoking.user_agent)}
              {revoking.current ? ' (this browser)' : ''} will ask for a code at its next sign-in.
            </>
          ) : null
        }
        confirmLabel="Revoke"
        onConfirm={async () => {
          await revoke.mutateAsync(revoking!.id);
          toast({ title: 'Browser no longer trusted' });
        }}
      />
    </Card>
  );
}
