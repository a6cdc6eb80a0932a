import { Ban, CircleCheck, Clock, Download, KeyRound, Plus, RefreshCw, TicketX, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyCommand } from '../../ui/copy-button';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import {
  useEnrollmentTokens,
  useRevokeEnrollmentToken,
  useRotateSiteCode,
  useSetSiteEnrollmentEnabled,
  useSiteEnrollment,
} from './api';
import type { EnrollmentToken, EnrollmentTokenStatus, SiteRef } from './api';
import { CreateTokenDialog } from './create-token-dialog';

/**
 * "Install agents" on a site page, for users who may enroll devices: the
 * site's install link and commands, and one-time enrollment tokens.
 */
export function InstallAgentsSection(props: SiteRef & { siteName: string }) {
  const canEnroll = useCan('devices.enroll');
  if (!canEnroll) return null;
  return <InstallAgents {...props} />;
}

function InstallAgents({ siteName, ...site }: SiteRef & { siteName: string }) {
  const enrollment = useSiteEnrollment(site);
  const rotate = useRotateSiteCode(site);
  const setEnabled = useSetSiteEnrollmentEnabled(site);
  const { toast } = useToast();
  const [confirm, setConfirm] = useState<'rotate' | 'disable' | null>(null);
  const link = enrollment.data;

  return (
    <Card aria-labelledby="install-agents-heading" id="install">
      <CardHeader>
        <div className="flex items-center gap-2">
          <CardTitle id="install-agents-heading">Install agents</CardTitle>
          {link ? (
            link.enabled ? (
              <Badge tone="success">
                <CircleCheck aria-hidden="true" />
                Link enabled
              </Badge>
            ) : (
              <Badge tone="warning">
                <Ban aria-hidden="true" />
                Link disabled
              </Badge>
            )
          ) : null}
        </div>
        {link ? (
          <div className="flex items-center gap-2">
            <Button size="sm" variant="subtle" onClick={() => setConfirm('rotate')}>
              <RefreshCw aria-hidden="true" />
              Rotate link
            </Button>
            {link.enabled ? (
              <Button size="sm" variant="subtle" onClick={() => setConfirm('disable')}>
                <Ban aria-hidden="true" />
                Disable link
              </Button>
            ) : (
              <Button
                size="sm"
                loading={setEnabled.isPending}
                onClick={() =>
                  setEnabled.mutate(true, {
                    onSuccess: () => toast({ title: 'Install link enabled' }),
                    onError: (e) => toast({ tone: 'error', title: 'Could not enable the link', description: errorMessage(e) }),
                  })
                }
              >
                Enable link
              </Button>
            )}
          </div>
        ) : null}
      </CardHeader>
      <CardContent className="grid gap-5 py-4">
        {enrollment.isError ? (
          <Alert
            action={
              <Button size="sm" onClick={() => void enrollment.refetch()}>
                Retry
              </Button>
            }
          >
            Could not load the install link: {errorMessage(enrollment.error)}
          </Alert>
        ) : !link ? (
          <div className="grid gap-2" aria-busy="true">
            <Skeleton className="h-4 w-1/3" />
            <Skeleton className="h-8 w-full" />
            <Skeleton className="h-8 w-full" />
          </div>
        ) : (
          <>
            <p className="text-[13px] text-muted-foreground">
              Every computer installed with this link joins <span className="font-medium text-foreground">{siteName}</span>. Send
              the link to whoever installs, or run a command below as administrator (root) on the computer.
            </p>
            {link.enabled ? null : (
              <Alert tone="warning" title="Installing by link is disabled">
                The link and the commands below are refused until you enable it again. Enrollment tokens still work.
              </Alert>
            )}
            <CopyCommand
              label="Install link"
              hint="Opens a page with the command for the visitor’s system"
              value={link.install_url}
              testId="install-link"
            />
            <div className="grid gap-3 lg:grid-cols-1">
              <CopyCommand label="Linux command" hint="Runs with sudo" value={link.commands.linux} testId="install-linux" />
              <CopyCommand label="macOS command" hint="In Terminal; runs with sudo" value={link.commands.macos} />
              <CopyCommand label="Windows command" hint="Run in PowerShell as Administrator" value={link.commands.windows} />
            </div>
            {link.rotated_at ? (
              <p className="text-xs text-muted-foreground">
                Link last rotated <Time value={link.rotated_at} mode="datetime" />.
              </p>
            ) : null}
          </>
        )}
        <EnrollmentTokens site={site} siteName={siteName} />
      </CardContent>

      <ConfirmDialog
        open={confirm === 'rotate'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Rotate the install link?"
        confirmLabel="Rotate link"
        description={
          <>
            The old install links and commands for <strong className="font-semibold text-foreground">“{siteName}”</strong> stop
            working at once. Devices already installed are not affected.
          </>
        }
        onConfirm={async () => {
          await rotate.mutateAsync();
          toast({ title: 'Install link rotated', description: 'Old links stop working; share the new one.' });
        }}
      />
      <ConfirmDialog
        open={confirm === 'disable'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Disable the install link?"
        confirmLabel="Disable link"
        description={
          <>
            Nobody can install new agents into <strong className="font-semibold text-foreground">“{siteName}”</strong> with the
            link until you enable it again. Installed devices keep working; enrollment tokens still work.
          </>
        }
        onConfirm={async () => {
          await setEnabled.mutateAsync(false);
          toast({ title: 'Install link disabled' });
        }}
      />
    </Card>
  );
}

const TOKEN_STATUS: Record<
  EnrollmentTokenStatus,
  { label: string; tone: 'success' | 'neutral' | 'warning' | 'danger'; icon: typeof Ban }
> = {
  active: { label: 'Active', tone: 'success', icon: CircleCheck },
  expired: { label: 'Expired', tone: 'neutral', icon: Clock },
  exhausted: { label: 'Used up', tone: 'neutral', icon: TicketX },
  revoked: { label: 'Revoked', tone: 'danger', icon: Ban },
};

function TokenStatusBadge({ status }: { status: EnrollmentTokenStatus }) {
  const s = TOKEN_STATUS[status] ?? TOKEN_STATUS.revoked;
  const Icon = s.icon;
  return (
    <Badge tone={s.tone}>
      <Icon aria-hidden="true" />
      {s.label}
    </Badge>
  );
}

function EnrollmentTokens({ site, siteName }: { site: SiteRef; siteName: string }) {
  const tokens = useEnrollmentTokens(site);
  const revoke = useRevokeEnrollmentToken(site);
  const { toast } = useToast();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<EnrollmentToken | null>(null);
  const items = tokens.data?.items ?? [];

  return (
    <section aria-labelledby="enrollment-tokens-heading" className="grid gap-3 border-t border-border pt-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid gap-0.5">
          <h3 id="enrollment-tokens-heading" className="flex items-center gap-1.5 text-[13px] font-semibold">
            <KeyRound className="size-4 text-muted-foreground" aria-hidden="true" />
            Enrollment tokens
          </h3>
          <p className="text-xs text-muted-foreground">
            For scripted installs: a token enrolls a set number of computers within a set time, then stops working.
          </p>
        </div>
        <Button size="sm" variant="primary" onClick={() => setCreating(true)}>
          <Plus aria-hidden="true" />
          New token
        </Button>
      </div>
      {tokens.isError ? (
        <Alert
          action={
            <Button size="sm" onClick={() => void tokens.refetch()}>
              Retry
            </Button>
          }
        >
          Could not load the tokens: {errorMessage(tokens.error)}
        </Alert>
      ) : tokens.isPending ? (
        <Skeleton className="h-16 w-full" />
      ) : items.length === 0 ? (
        <p className="rounded-md border border-dashed border-border px-3 py-4 text-center text-[13px] text-muted-foreground">
          <Download className="mr-1.5 inline size-4 align-text-bottom" aria-hidden="true" />
          No tokens yet. The install link above is enough for most installs.
        </p>
      ) : (
        <div className="rounded-md border border-border">
          <Table className="table-fixed">
            <TableCaption>Enrollment tokens</TableCaption>
            <TableHeader>
              <tr>
                <TableHead scope="col">Name</TableHead>
                <TableHead scope="col" className="w-36">
                  Token
                </TableHead>
                <TableHead scope="col" className="w-20 text-right">
                  Uses
                </TableHead>
                <TableHead scope="col" className="w-36">
                  Expires
                </TableHead>
                <TableHead scope="col" className="hidden w-32 md:table-cell">
                  Last used
                </TableHead>
                <TableHead scope="col" className="w-28">
                  Status
                </TableHead>
                <TableHead scope="col" className="w-24 text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </tr>
            </TableHeader>
            <TableBody>
              {items.map((t) => (
                <TableRow key={t.id}>
                  <TableCell id={`token-${t.id}-name`}>
                    {t.name ? (
                      <Truncate text={t.name} className="font-medium" />
                    ) : (
                      <span className="text-muted-foreground">Unnamed</span>
                    )}
                  </TableCell>
                  <TableCell className="font-mono text-xs text-muted-foreground">{t.prefix}…</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {t.use_count.toLocaleString()} / {t.max_uses.toLocaleString()}
                  </TableCell>
                  <TableCell className="text-muted-foreground">
                    <Time value={t.expires_at} mode={t.status === 'active' ? 'relative' : 'datetime'} />
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">
                    {t.last_used_at ? <Time value={t.last_used_at} mode="relative" /> : 'Never'}
                  </TableCell>
                  <TableCell>
                    <TokenStatusBadge status={t.status} />
                  </TableCell>
                  <TableCell className="text-right">
                    {t.status === 'active' ? (
                      <Button
                        size="sm"
                        variant="destructive-subtle"
                        aria-describedby={`token-${t.id}-name`}
                        onClick={() => setRevoking(t)}
                      >
                        <Trash2 aria-hidden="true" />
                        Revoke
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      <CreateTokenDialog site={site} siteName={siteName} open={creating} onOpenChange={setCreating} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Revoke this enrollment token?"
        confirmLabel="Revoke token"
        description={
          revoking ? (
            <>
              Token <strong className="font-semibold text-foreground">“{revoking.name || revoking.prefix}”</strong> can no longer
              enroll computers into {siteName}. Devices it already enrolled keep working.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!revoking) return;
          await revoke.mutateAsync(revoking);
          toast({ title: 'Enrollment token revoked' });
        }}
      />
    </section>
  );
}
