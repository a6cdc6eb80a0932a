import { Link, getRouteApi } from '@tanstack/react-router';
import { CalendarClock, Play, Plus } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { cn } from '../../ui/cn';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { RowActions } from '../../ui/row-actions';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan, useSession } from '../auth/session-context';
import { haltedMessage, KIND_LABELS } from '../commands/api';
import { useOpenTask } from '../commands/open-task';
import { usePartnerSummary } from '../partners/use-partner-name';
import { cronText, useApproveSchedule, useDeleteSchedule, useRunScheduleNow, useSchedules, useUpdateSchedule } from './api';
import type { Schedule } from './api';
import { ScheduleFormDialog } from './schedule-form-dialog';

const route = getRouteApi('/_app/partners/$partnerId/schedules');

/** An on/off switch for a row (role="switch", named by the row). */
function EnabledSwitch({
  schedule,
  disabled,
  onChange,
}: {
  schedule: Schedule;
  disabled: boolean;
  onChange: (enabled: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={schedule.enabled}
      aria-label={`Enabled: ${schedule.name}`}
      disabled={disabled}
      onClick={() => onChange(!schedule.enabled)}
      className="inline-flex cursor-pointer items-center gap-2 rounded-md text-xs focus-visible:outline-2 focus-visible:outline-ring disabled:cursor-not-allowed disabled:opacity-60"
    >
      <span
        aria-hidden="true"
        className={cn(
          'relative inline-flex h-4.5 w-8 shrink-0 items-center rounded-full border transition-colors',
          schedule.enabled ? 'border-primary bg-primary' : 'border-input bg-muted',
        )}
      >
        <span
          className={cn(
            'absolute size-3.5 rounded-full bg-background shadow transition-transform',
            schedule.enabled ? 'translate-x-3.5' : 'translate-x-0.5',
          )}
        />
      </span>
      {schedule.enabled ? 'On' : 'Off'}
    </button>
  );
}

export function SchedulesPage() {
  const { partnerId } = route.useParams();
  const partner = usePartnerSummary(partnerId);
  const [q, setQ] = useState('');
  const list = useSchedules(partnerId, q);
  const { items } = flattenPages(list.data?.pages);
  const canRun = useCan('commands.run');
  const canApprove = useCan('commands.approve');
  const me = useSession().user.id;
  const approve = useApproveSchedule(partnerId);
  const update = useUpdateSchedule(partnerId);
  const remove = useDeleteSchedule(partnerId);
  const runNow = useRunScheduleNow(partnerId);
  const openTask = useOpenTask(partnerId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit' | 'delete' | 'run'; schedule: Schedule } | null>(null);
  useDocumentTitle('Schedules', partner.name);

  function toggle(schedule: Schedule, enabled: boolean) {
    update.mutate(
      { id: schedule.id, version: schedule.version, enabled },
      {
        onSuccess: (saved) =>
          toast({
            title: `“${saved.name}” ${saved.enabled ? 'enabled' : 'disabled'}`,
            description:
              saved.enabled && saved.next_run_at ? `Next run ${new Date(saved.next_run_at).toLocaleString()}.` : undefined,
          }),
        onError: (error) => toast({ tone: 'error', title: 'Could not change the schedule', description: errorMessage(error) }),
      },
    );
  }

  function approveSchedule(schedule: Schedule) {
    approve.mutate(schedule, {
      onSuccess: (saved) =>
        toast({ title: `“${saved.name}” approved`, description: 'Its firings now run on all of its devices.' }),
      onError: (error) => toast({ tone: 'error', title: 'Could not approve the schedule', description: errorMessage(error) }),
    });
  }

  const columns: Column<Schedule>[] = [
    {
      id: 'name',
      header: 'Name',
      skeletonClassName: 'w-40',
      cell: (s) => (
        <span className="grid min-w-0" id={`schedule-${s.id}-name`}>
          <Truncate text={s.name} className="font-medium" />
          <Truncate text={KIND_LABELS[s.action.kind] ?? s.action.kind} className="text-xs text-muted-foreground" />
        </span>
      ),
    },
    {
      id: 'cron',
      header: 'When',
      className: 'w-48',
      skeletonClassName: 'w-24',
      cell: (s) => (
        <span className="grid min-w-0">
          <Truncate text={cronText(s.cron)} />
          <span className="font-mono text-xs text-muted-foreground">{s.cron}</span>
        </span>
      ),
    },
    {
      id: 'timezone',
      header: 'Time zone',
      className: 'hidden w-36 lg:table-cell',
      skeletonClassName: 'w-20',
      cell: (s) => <Truncate text={s.timezone} />,
    },
    {
      id: 'next',
      header: 'Next run',
      className: 'w-44',
      skeletonClassName: 'w-20',
      cell: (s) =>
        !s.enabled ? (
          <span className="text-muted-foreground">Disabled</span>
        ) : s.approval === 'pending' ? (
          // Above the fan-out threshold: firings are skipped until a second person approves (security.md 28).
          <span className="flex flex-wrap items-center gap-1.5">
            <Badge tone="warning">Needs approval</Badge>
            {canApprove && s.created_by !== me && s.updated_by !== me ? (
              <Button
                size="sm"
                variant="subtle"
                aria-describedby={`schedule-${s.id}-name`}
                disabled={approve.isPending}
                onClick={() => approveSchedule(s)}
              >
                Approve
              </Button>
            ) : null}
          </span>
        ) : (
          <Time value={s.next_run_at} mode="datetime" />
        ),
    },
    {
      id: 'last',
      header: 'Last run',
      className: 'hidden w-32 md:table-cell',
      skeletonClassName: 'w-16',
      cell: (s) =>
        s.last_task_id ? (
          <Link
            to="/partners/$partnerId/tasks/$taskId"
            params={{ partnerId, taskId: s.last_task_id }}
            className="text-link hover:underline"
          >
            <Time value={s.last_run_at} mode="relative" />
          </Link>
        ) : (
          <Time value={s.last_run_at} mode="relative" />
        ),
    },
    {
      id: 'enabled',
      header: 'Enabled',
      className: 'w-24',
      skeletonClassName: 'w-10',
      cell: (s) => (
        <EnabledSwitch schedule={s} disabled={!canRun || update.isPending} onChange={(enabled) => toggle(s, enabled)} />
      ),
    },
    ...(canRun
      ? [
          {
            id: 'actions',
            header: 'Actions',
            srOnlyHeader: true,
            className: 'w-64 text-right',
            skeletonClassName: 'ml-auto w-24',
            cell: (s: Schedule) => (
              <RowActions
                describedBy={`schedule-${s.id}-name`}
                onEdit={() => setDialog({ kind: 'edit', schedule: s })}
                onDelete={() => setDialog({ kind: 'delete', schedule: s })}
              >
                <Button
                  size="sm"
                  variant="subtle"
                  aria-describedby={`schedule-${s.id}-name`}
                  onClick={() => setDialog({ kind: 'run', schedule: s })}
                >
                  <Play aria-hidden="true" />
                  Run now
                </Button>
              </RowActions>
            ),
          } satisfies Column<Schedule>,
        ]
      : []),
  ];

  const createButton = canRun ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
      <Plus aria-hidden="true" />
      New schedule
    </Button>
  ) : null;

  const selected = dialog && dialog.kind !== 'create' ? dialog.schedule : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Schedules"
        description="Scripts, commands, reboots and inventory refreshes that run by themselves on a cron schedule, in the time zone you choose."
        actions={createButton}
      />
      <Card>
        <ListToolbar>
          <SearchInput label="Search schedules" value={q} onChange={setQ} />
        </ListToolbar>
        <DataTable
          label="Schedules"
          noun={['schedule', 'schedules']}
          columns={columns}
          rows={items}
          rowKey={(s) => s.id}
          rowClassName={(s) => (s.enabled ? undefined : 'text-muted-foreground')}
          sort="name"
          onSortChange={() => undefined}
          {...cursorListProps(list)}
          total={null}
          empty={
            <EmptyState
              icon={CalendarClock}
              title={q ? `No schedules match “${q}”` : 'No schedules yet — create the first one'}
              description="For example: clear temporary files on every device of a site each night at 02:00."
              action={q ? <Button onClick={() => setQ('')}>Clear search</Button> : createButton}
            />
          }
        />
      </Card>

      <ScheduleFormDialog
        partnerId={partnerId}
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        schedule={dialog?.kind === 'edit' ? dialog.schedule : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete schedule?"
        description={
          selected ? (
            <>
              <strong className="font-semibold text-foreground">“{selected.name}”</strong> stops running. Its past runs stay in
              the history.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!selected) return;
          await remove.mutateAsync(selected);
          toast({ title: `Schedule “${selected.name}” deleted` });
        }}
      />
      <ConfirmDialog
        open={dialog?.kind === 'run'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Run this schedule now?"
        destructive={false}
        confirmLabel="Run now"
        description={
          selected ? (
            <>
              <strong className="font-semibold text-foreground">“{selected.name}”</strong> (
              {KIND_LABELS[selected.action.kind] ?? selected.action.kind}) runs once now on its targets. Its regular schedule does
              not change.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!selected) return;
          try {
            const task = await runNow.mutateAsync(selected);
            const on = task.target_count === 1 ? '1 device' : `${task.target_count} devices`;
            toast(
              task.approval === 'pending'
                ? {
                    title: `“${selected.name}” waits for approval`,
                    description: `It targets ${on}, above the fan-out limit: another user with the approve permission must approve it.`,
                  }
                : { title: `“${selected.name}” started`, description: `On ${on}.` },
            );
            void openTask(task);
          } catch (error) {
            throw new Error(haltedMessage(error) ?? errorMessage(error), { cause: error });
          }
        }}
      />
    </div>
  );
}
