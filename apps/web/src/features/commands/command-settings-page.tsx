import { Link, getRouteApi } from '@tanstack/react-router';
import { OctagonX, Play, ShieldCheck, ShieldQuestion } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { Dialog } from '../../ui/dialog';
import { EmptyState } from '../../ui/empty-state';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors, PageFormFooter } from '../../ui/form-dialog';
import { Input, Textarea } from '../../ui/input';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { KIND_LABELS, useCommandSettings, useHaltCommands, useReleaseCommands, useTasks, useUpdateCommandSettings } from './api';
import type { CommandSettings, Task } from './api';
import { useCommandLiveUpdates } from './live';
import { targetText } from './task-page';

const route = getRouteApi('/_app/partners/$partnerId/command-settings');

/** Fan-out limit, expiry, the kill switch and tasks waiting for approval (security.md 28). */
export function CommandSettingsPage() {
  const { partnerId } = route.useParams();
  const partner = usePartnerSummary(partnerId);
  const settings = useCommandSettings(partnerId);
  const canManage = useCan('commands.manage');
  const canApprove = useCan('commands.approve');
  useCommandLiveUpdates(partnerId);
  useDocumentTitle('Command settings', partner.name);

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Command settings"
        description="Guard rails for scripts and commands: how many devices one task may reach without a second person, how long a command waits for an offline device, and the kill switch."
      />
      {settings.isError ? (
        <Alert title="Could not load the command settings">{errorMessage(settings.error)}</Alert>
      ) : !settings.data ? (
        <Skeleton className="h-40" />
      ) : (
        <>
          <KillSwitchCard partnerId={partnerId} settings={settings.data} canManage={canManage} />
          <LimitsCard key={settings.data.version} partnerId={partnerId} settings={settings.data} canManage={canManage} />
        </>
      )}
      {canApprove || canManage ? <PendingApprovals partnerId={partnerId} /> : null}
    </div>
  );
}

function KillSwitchCard({
  partnerId,
  settings,
  canManage,
}: {
  partnerId: string;
  settings: CommandSettings;
  canManage: boolean;
}) {
  const [dialog, setDialog] = useState<'halt' | 'release' | null>(null);
  const release = useReleaseCommands(partnerId);
  const { toast } = useToast();
  return (
    <Card aria-labelledby="kill-switch-heading" className={settings.halted ? 'border-destructive' : undefined}>
      <CardHeader>
        <CardTitle id="kill-switch-heading">Kill switch</CardTitle>
        {settings.halted ? (
          <span className="flex items-center gap-1.5 text-xs font-semibold text-destructive-text">
            <OctagonX className="size-3.5" aria-hidden="true" />
            Engaged
          </span>
        ) : (
          <span className="flex items-center gap-1.5 text-xs text-success-text">
            <ShieldCheck className="size-3.5" aria-hidden="true" />
            Commands are running normally
          </span>
        )}
      </CardHeader>
      <CardContent className="grid gap-3 py-4">
        {settings.halted ? (
          <>
            <p className="text-[13px]">
              Engaged{settings.halted_by_name ? ` by ${settings.halted_by_name}` : ''}{' '}
              <Time value={settings.halted_at} mode="datetime" />
              {settings.halted_reason ? (
                <>
                  {' '}
                  — “<span className="font-medium">{settings.halted_reason}</span>”
                </>
              ) : null}
              . Every queued and running command was cancelled, and new ones are refused.
            </p>
            {canManage ? (
              <div>
                <Button variant="primary" onClick={() => setDialog('release')}>
                  <Play aria-hidden="true" />
                  Release the kill switch
                </Button>
              </div>
            ) : null}
          </>
        ) : (
          <>
            <p className="max-w-3xl text-[13px] text-muted-foreground">
              If a script is doing damage, engage the kill switch: every queued, sent and running command of this partner is
              cancelled at once (agents kill the process trees), and nothing new can start until it is released. Both are recorded
              in the audit log.
            </p>
            {canManage ? (
              <div>
                <Button variant="destructive" onClick={() => setDialog('halt')}>
                  <OctagonX aria-hidden="true" />
                  Halt all commands
                </Button>
              </div>
            ) : null}
          </>
        )}
      </CardContent>
      <HaltDialog partnerId={partnerId} open={dialog === 'halt'} onOpenChange={(open) => !open && setDialog(null)} />
      <ConfirmDialog
        open={dialog === 'release'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Release the kill switch?"
        destructive={false}
        confirmLabel="Release"
        description="Scripts, commands and schedules can run again. Commands cancelled while it was engaged stay cancelled."
        onConfirm={async () => {
          await release.mutateAsync();
          toast({ title: 'Kill switch released', description: 'Commands can run again.' });
        }}
      />
    </Card>
  );
}

function HaltDialog({
  partnerId,
  open,
  onOpenChange,
}: {
  partnerId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <HaltForm partnerId={partnerId} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function HaltForm({ partnerId, onDone }: { partnerId: string; onDone: () => void }) {
  const halt = useHaltCommands(partnerId);
  const { toast } = useToast();
  const [reason, setReason] = useState('');
  const [checked, setChecked] = useState(false);
  const errors = formErrors(halt.error, ['reason'], false);
  return (
    <FormDialogContent
      title="Halt all commands?"
      description="Every queued, sent and running command of this partner is cancelled now, and new ones are refused until someone releases the kill switch."
      submitLabel="Halt all commands"
      pending={halt.isPending}
      formError={errors.formError}
      onSubmit={() => {
        setChecked(true);
        if (!reason.trim()) return;
        halt.mutate(reason.trim(), {
          onSuccess: () => {
            toast({ title: 'Commands halted', description: 'Running commands are being cancelled.' });
            onDone();
          },
        });
      }}
      onCancel={onDone}
    >
      <Field
        id="halt-reason"
        label="Reason"
        hint="Shown to everyone in the banner and kept in the audit log."
        error={errors.fieldErrors.reason ?? (checked && !reason.trim() ? 'Say why.' : null)}
      >
        {(control) => (
          <Textarea
            {...control}
            autoFocus
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="e.g. A cleanup script is deleting the wrong folder"
          />
        )}
      </Field>
    </FormDialogContent>
  );
}

function LimitsCard({ partnerId, settings, canManage }: { partnerId: string; settings: CommandSettings; canManage: boolean }) {
  const id = useId();
  const update = useUpdateCommandSettings(partnerId);
  const settingsQuery = useCommandSettings(partnerId);
  const { toast } = useToast();
  const [threshold, setThreshold] = useState(String(settings.fanout_threshold));
  const [expiry, setExpiry] = useState(String(settings.default_expiry_hours));
  const [checked, setChecked] = useState(false);
  const thresholdValue = Number(threshold);
  const expiryValue = Number(expiry);
  const thresholdError =
    Number.isInteger(thresholdValue) && thresholdValue >= 1 && thresholdValue <= 1_000_000
      ? null
      : 'A whole number from 1 to 1,000,000.';
  const expiryError =
    Number.isInteger(expiryValue) && expiryValue >= 1 && expiryValue <= 720 ? null : 'Between 1 and 720 hours (30 days).';
  const errors = formErrors(update.error, ['fanout_threshold', 'default_expiry_hours'], true);
  const dirty = threshold !== String(settings.fanout_threshold) || expiry !== String(settings.default_expiry_hours);

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (thresholdError || expiryError || update.isPending) return;
    update.mutate(
      { version: settings.version, fanout_threshold: thresholdValue, default_expiry_hours: expiryValue },
      { onSuccess: () => toast({ title: 'Command settings saved' }) },
    );
  }

  return (
    <Card aria-labelledby={`${id}-heading`}>
      <CardHeader>
        <CardTitle id={`${id}-heading`}>Limits</CardTitle>
      </CardHeader>
      <CardContent className="py-4">
        <form noValidate onSubmit={submit} className="grid gap-4">
          <div className="grid gap-4 sm:grid-cols-2 lg:max-w-2xl">
            <Field
              id={`${id}-threshold`}
              label="Fan-out threshold (devices)"
              hint="A task that reaches more devices than this waits for a second person with the approve permission."
              error={errors.fieldErrors.fanout_threshold ?? (checked ? thresholdError : null)}
            >
              {(control) => (
                <Input
                  {...control}
                  readOnly={!canManage}
                  inputMode="numeric"
                  value={threshold}
                  onChange={(e) => setThreshold(e.target.value)}
                />
              )}
            </Field>
            <Field
              id={`${id}-expiry`}
              label="Default expiry (hours)"
              hint="How long a command waits for an offline device before it expires."
              error={errors.fieldErrors.default_expiry_hours ?? (checked ? expiryError : null)}
            >
              {(control) => (
                <Input
                  {...control}
                  readOnly={!canManage}
                  inputMode="numeric"
                  value={expiry}
                  onChange={(e) => setExpiry(e.target.value)}
                />
              )}
            </Field>
          </div>
          <PageFormFooter
            errors={errors}
            changedText="These settings changed after the page loaded."
            onReload={() => void settingsQuery.refetch()}
            reloading={settingsQuery.isFetching}
            submitLabel="Save limits"
            pending={update.isPending}
            dirty={dirty}
            canSubmit={canManage}
          />
        </form>
      </CardContent>
    </Card>
  );
}

/** Tasks waiting for a second person: the approver's to-do list. */
function PendingApprovals({ partnerId }: { partnerId: string }) {
  const list = useTasks(partnerId, { status: 'pending_approval' });
  const { items } = flattenPages(list.data?.pages);
  const columns: Column<Task>[] = [
    {
      id: 'title',
      header: 'Task',
      skeletonClassName: 'w-40',
      cell: (t) => (
        <span className="grid min-w-0">
          <Link
            to="/partners/$partnerId/tasks/$taskId"
            params={{ partnerId, taskId: t.id }}
            className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
          >
            <Truncate text={t.title} />
          </Link>
          <span className="text-xs text-muted-foreground">{KIND_LABELS[t.kind] ?? t.kind}</span>
        </span>
      ),
    },
    { id: 'target', header: 'Targets', className: 'w-48', skeletonClassName: 'w-24', cell: (t) => targetText(t) },
    {
      id: 'who',
      header: 'Started by',
      className: 'w-40',
      skeletonClassName: 'w-20',
      cell: (t) => <Truncate text={t.created_by_name ?? '—'} />,
    },
    {
      id: 'when',
      header: 'Requested',
      className: 'w-32 text-muted-foreground',
      skeletonClassName: 'w-16',
      cell: (t) => <Time value={t.created_at} mode="relative" />,
    },
    {
      id: 'expires',
      header: 'Expires',
      className: 'hidden w-32 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-16',
      cell: (t) => <Time value={t.expires_at} mode="relative" />,
    },
  ];
  return (
    <Card aria-labelledby="pending-approvals-heading">
      <CardHeader>
        <CardTitle id="pending-approvals-heading">Waiting for approval</CardTitle>
      </CardHeader>
      <DataTable
        label="Tasks waiting for approval"
        noun={['task', 'tasks']}
        columns={columns}
        rows={items}
        rowKey={(t) => t.id}
        sort="-created_at"
        onSortChange={() => undefined}
        {...cursorListProps(list)}
        total={null}
        empty={
          <EmptyState
            icon={ShieldQuestion}
            title="Nothing waits for approval"
            description="Tasks that reach more devices than the fan-out threshold appear here until a second person approves or rejects them."
          />
        }
      />
    </Card>
  );
}
