import { Clock, LogOut, MonitorSmartphone, RotateCw } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { EmptyState } from '../../ui/empty-state';
import { plural } from '../../ui/format';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useRevokeOtherSessions, useRevokeSession, useMySessions } from './api';
import type { MySession } from './api';
import { describeUserAgent } from './user-agent';

/** Where the signed-in user is signed in (IAM3): end one session, or all but this one. */
export function MySessionsCard() {
  const sessions = useMySessions();
  const revoke = useRevokeSession();
  const revokeOthers = useRevokeOtherSessions();
  const { toast } = useToast();
  const [ending, setEnding] = useState<MySession | null>(null);
  const [endingOthers, setEndingOthers] = useState(false);

  const items = sessions.data?.items ?? [];
  const others = items.filter((s) => !s.current);

  return (
    <Card aria-labelledby="my-sessions-heading">
      <CardHeader>
        <div className="grid gap-0.5">
          <CardTitle id="my-sessions-heading">Sessions</CardTitle>
          <p className="text-xs text-muted-foreground">Browsers signed in to your account. End any you do not recognise.</p>
        </div>
        <Button size="sm" onClick={() => setEndingOthers(true)} disabled={others.length === 0}>
          <LogOut aria-hidden="true" />
          Sign out everywhere else
        </Button>
      </CardHeader>
      {sessions.isPending ? (
        <div className="grid gap-2 px-4 py-4" aria-busy="true">
          <Skeleton className="h-6 w-full" />
          <Skeleton className="h-6 w-2/3" />
          <span className="sr-only" role="status">
            Loading sessions…
          </span>
        </div>
      ) : sessions.isError ? (
        <EmptyState
          role="alert"
          tone="danger"
          icon={MonitorSmartphone}
          title="Could not load your sessions"
          description={errorMessage(sessions.error)}
          action={
            <Button onClick={() => void sessions.refetch()}>
              <RotateCw aria-hidden="true" />
              Retry
            </Button>
          }
        />
      ) : (
        <Table>
          <TableCaption>Your sessions</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Browser</TableHead>
              <TableHead>Address</TableHead>
              <TableHead>Signed in</TableHead>
              <TableHead>Last active</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((s) => (
              <TableRow key={s.id}>
                <TableCell>
                  <div className="flex flex-wrap items-center gap-2">
                    <span title={s.user_agent} className="font-medium text-foreground">
                      {describeUserAgent(s.user_agent)}
                    </span>
                    {s.current ? <Badge tone="success">This session</Badge> : null}
                    {s.state !== 'active' ? (
                      <Badge tone="warning">
                        <Clock aria-hidden="true" />
                        {s.state === 'awaiting_second_factor' ? 'Waiting for the code' : 'Waiting for 2FA setup'}
                      </Badge>
                    ) : null}
                  </div>
                </TableCell>
                <TableCell className="font-mono text-xs text-muted-foreground">{s.ip ?? '—'}</TableCell>
                <TableCell>
                  <Time value={s.created_at} mode="datetime" />
                </TableCell>
                <TableCell>
                  <Time value={s.last_seen_at} mode="relative" />
                </TableCell>
                <TableCell className="text-right">
                  {s.current ? null : (
                    <Button size="sm" variant="destructive-subtle" onClick={() => setEnding(s)}>
                      Sign out
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      <ConfirmDialog
        open={ending !== null}
        onOpenChange={(open) => !open && setEnding(null)}
        title="Sign out this session?"
        description={
          ending ? (
            <>
              {describeUserAgent(ending.user_agent)} at {ending.ip ?? 'an unknown address'} will be signed out at once.
            </>
          ) : null
        }
        confirmLabel="Sign out"
        onConfirm={async () => {
          await revoke.mutateAsync(ending!.id);
          toast({ title: 'Session signed out' });
        }}
      />
      <ConfirmDialog
        open={endingOthers}
        onOpenChange={setEndingOthers}
        title="Sign out everywhere else?"
        description={`${plural(others.length, 'other session', 'other sessions')} will be signed out at once. This one stays signed in.`}
        confirmLabel="Sign out others"
        onConfirm={async () => {
          const { revoked } = await revokeOthers.mutateAsync();
          toast({ title: `Signed out ${plural(revoked, 'other session', 'other sessions')}` });
        }}
      />
    </Card>
  );
}
