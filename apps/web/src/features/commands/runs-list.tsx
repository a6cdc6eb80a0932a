import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Eraser, FilterX, History, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import { api } from '../../api/client';
import type { Page } from '../../api/client';
import { flattenPages } from '../../api/list';
import { Button } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { Input } from '../../ui/input';
import { FilterSelect, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useNow } from '../../ui/use-now';
import { useCan, useSession } from '../auth/session-context';
import { useScriptChoices } from '../scripts/api';
import { formatDuration, isFinished, RUN_STATUSES, runsQuery, useClearRuns, useDeleteRun, useRuns } from './api';
import type { Run, RunsSearch } from './api';
import { useCommandLiveUpdates } from './live';
import { RunStatusBadge, runStatusLabel } from './run-bits';

/** The partner's users, for the "Started by" filter (only for those who may see users). */
function useUserChoices(partnerId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['users', partnerId, 'choices'],
    enabled,
    queryFn: async ({ signal }) =>
      (
        await api.get<Page<{ id: string; name: string; email: string }>>(
          `/partners/${encodeURIComponent(partnerId)}/users`,
          { limit: 500, sort: 'name' },
          signal,
        )
      ).items,
  });
}

export function hasRunFilters(search: RunsSearch): boolean {
  return Boolean(search.status || search.script || search.user || search.from || search.to || search.q || search.task);
}

/**
 * The history of runs (AUT4, DEV8): every device's, or one device's. Filters
 * by status, script, who started it, time and output text; updates live.
 */
export function RunsList({
  partnerId,
  deviceId,
  deviceName,
  search,
  onSearchChange,
}: {
  partnerId: string;
  /** One device's history: no Device column. */
  deviceId?: string;
  deviceName?: string;
  search: RunsSearch;
  onSearchChange: (patch: Partial<RunsSearch>) => void;
}) {
  const session = useSession();
  const id = useId();
  const list = useRuns(partnerId, runsQuery(search, deviceId));
  const { items } = flattenPages(list.data?.pages);
  const scripts = useScriptChoices(partnerId);
  const canSeeUsers = useCan('users.view');
  const users = useUserChoices(partnerId, canSeeUsers);
  const canRun = useCan('commands.run');
  const remove = useDeleteRun(partnerId);
  const clear = useClearRuns(partnerId);
  const { toast } = useToast();
  const [deleting, setDeleting] = useState<Run | null>(null);
  const [clearing, setClearing] = useState(false);
  const now = useNow(5_000).getTime();
  useCommandLiveUpdates(partnerId);

  const filtered = hasRunFilters(search);
  const clearFilters = () =>
    onSearchChange({
      status: undefined,
      script: undefined,
      user: undefined,
      from: undefined,
      to: undefined,
      q: undefined,
      task: undefined,
    });
  const userOptions = users.data ?? [];

  const columns: Column<Run>[] = [
    ...(deviceId
      ? []
      : [
          {
            id: 'device',
            header: 'Device',
            className: 'w-44',
            skeletonClassName: 'w-24',
            cell: (r: Run) => (
              <span className="grid min-w-0">
                <Link
                  to="/partners/$partnerId/devices/$deviceId"
                  params={{ partnerId, deviceId: r.device_id }}
                  className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
                >
                  <Truncate text={r.hostname} />
                </Link>
                <Truncate text={`${r.organization_name} › ${r.site_name}`} className="text-xs text-muted-foreground" />
              </span>
            ),
          } satisfies Column<Run>,
        ]),
    {
      id: 'title',
      header: 'What',
      skeletonClassName: 'w-40',
      cell: (r) => (
        <span className="grid min-w-0" id={`run-${r.id}-title`}>
          <Link
            to="/partners/$partnerId/runs/$runId"
            params={{ partnerId, runId: r.id }}
            className="min-w-0 text-foreground hover:text-link hover:underline"
          >
            <Truncate text={r.title} />
          </Link>
          {r.output_preview ? (
            <Truncate text={r.output_preview} className="font-mono text-xs text-muted-foreground" />
          ) : r.error ? (
            <Truncate text={r.error} className="text-xs text-destructive-text" />
          ) : null}
        </span>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      className: 'w-32',
      skeletonClassName: 'w-20',
      cell: (r) => (
        <span className="flex items-center gap-1.5">
          <RunStatusBadge status={r.status} />
          {r.exit_code !== null && r.exit_code !== 0 ? (
            <span className="font-mono text-xs text-muted-foreground" title="Exit code">
              {r.exit_code}
            </span>
          ) : null}
        </span>
      ),
    },
    {
      id: 'who',
      header: 'Started by',
      className: 'hidden w-36 lg:table-cell',
      skeletonClassName: 'w-20',
      cell: (r) => (
        <span className="grid min-w-0">
          <Truncate text={r.created_by_name ?? '—'} />
          {r.reason !== 'manual' ? <span className="text-xs text-muted-foreground capitalize">{r.reason}</span> : null}
        </span>
      ),
    },
    {
      id: 'started',
      header: 'Started',
      className: 'w-32 text-muted-foreground',
      skeletonClassName: 'w-16',
      cell: (r) => <Time value={r.started_at ?? r.created_at} mode="relative" />,
    },
    {
      id: 'duration',
      header: 'Duration',
      className: 'hidden w-24 text-muted-foreground tabular-nums md:table-cell',
      skeletonClassName: 'w-12',
      cell: (r) => formatDuration(r.started_at, r.finished_at, r.finished_at ? undefined : now) ?? '—',
    },
    ...(canRun
      ? [
          {
            id: 'actions',
            header: 'Actions',
            srOnlyHeader: true,
            className: 'w-24 text-right',
            skeletonClassName: 'ml-auto w-12',
            cell: (r: Run) =>
              isFinished(r.status) ? (
                <Button
                  size="sm"
                  variant="destructive-subtle"
                  aria-describedby={`run-${r.id}-title`}
                  onClick={() => setDeleting(r)}
                >
                  <Trash2 aria-hidden="true" />
                  Delete
                </Button>
              ) : null,
          } satisfies Column<Run>,
        ]
      : []),
  ];

  return (
    <>
      <ListToolbar
        actions={
          <>
            {filtered ? (
              <Button size="sm" variant="subtle" onClick={clearFilters}>
                <FilterX aria-hidden="true" />
                Clear filters
              </Button>
            ) : null}
            {canRun ? (
              <Button size="sm" onClick={() => setClearing(true)}>
                <Eraser aria-hidden="true" />
                Clear finished
              </Button>
            ) : null}
          </>
        }
      >
        <SearchInput
          label="Search the output"
          placeholder="Search the output…"
          className="w-56"
          value={search.q ?? ''}
          onChange={(q) => onSearchChange({ q: q || undefined })}
        />
        <FilterSelect
          label="Status"
          className="w-32"
          value={search.status}
          onChange={(status) => onSearchChange({ status: status as RunsSearch['status'] })}
          anyLabel="Any status"
          options={RUN_STATUSES.map((s) => ({ value: s, label: runStatusLabel(s) }))}
          chosenLabel="Chosen status"
        />
        <FilterSelect
          label="Script"
          className="w-44"
          value={search.script}
          onChange={(script) => onSearchChange({ script })}
          anyLabel="Any script or command"
          options={(scripts.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          chosenLabel="Chosen script"
        />
        <FilterSelect
          label="Started by"
          className="w-40"
          value={search.user}
          onChange={(user) => onSearchChange({ user })}
          anyLabel="Anyone"
          options={[
            { value: session.user.id, label: 'Me' },
            ...userOptions.filter((u) => u.id !== session.user.id).map((u) => ({ value: u.id, label: u.name || u.email })),
          ]}
          chosenLabel="Chosen user"
        />
        <div className="flex items-center gap-1.5">
          <label htmlFor={`${id}-from`} className="text-xs text-muted-foreground">
            From
          </label>
          <Input
            id={`${id}-from`}
            type="date"
            className="w-36"
            value={search.from ?? ''}
            max={search.to}
            onChange={(e) => onSearchChange({ from: e.target.value || undefined })}
          />
          <label htmlFor={`${id}-to`} className="text-xs text-muted-foreground">
            to
          </label>
          <Input
            id={`${id}-to`}
            type="date"
            className="w-36"
            value={search.to ?? ''}
            min={search.from}
            onChange={(e) => onSearchChange({ to: e.target.value || undefined })}
          />
        </div>
      </ListToolbar>
      <DataTable
        label={deviceName ? `Runs on ${deviceName}` : 'Runs'}
        noun={['run', 'runs']}
        columns={columns}
        rows={items}
        rowKey={(r) => r.id}
        sort="-created_at"
        onSortChange={() => undefined}
        {...cursorListProps(list)}
        total={null}
        empty={
          filtered ? (
            <EmptyState
              icon={FilterX}
              title="No runs match these filters"
              description="Widen the dates, pick another status, or clear the filters."
              action={<Button onClick={clearFilters}>Clear filters</Button>}
            />
          ) : (
            <EmptyState
              icon={History}
              title={deviceId ? 'Nothing has run on this device yet' : 'Nothing has run yet'}
              description={
                deviceId
                  ? 'Use “Run script” or “Run command” above: each run and its output are kept here.'
                  : 'Run a script or a command from a device, from the device list, or from the script library; every run shows up here.'
              }
              action={
                deviceId ? null : (
                  <Button asChild>
                    <Link to="/partners/$partnerId/scripts" params={{ partnerId }}>
                      Open the script library
                    </Link>
                  </Button>
                )
              }
            />
          )
        }
      />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete this run?"
        description={
          deleting ? (
            <>
              The run of “{deleting.title}” on <strong className="font-semibold text-foreground">{deleting.hostname}</strong> and
              its output are removed from the history.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!deleting) return;
          await remove.mutateAsync(deleting.id);
          toast({ title: 'Run deleted' });
        }}
      />
      <ConfirmDialog
        open={clearing}
        onOpenChange={setClearing}
        title={deviceName ? `Clear the finished runs of ${deviceName}?` : 'Clear every finished run?'}
        confirmLabel="Clear finished"
        description={
          deviceName ? (
            <>
              Every finished run on <strong className="font-semibold text-foreground">{deviceName}</strong> and its output are
              deleted. Queued and running ones stay.
            </>
          ) : (
            'Every finished run of every device of this partner, and its output, is deleted. Queued and running ones stay. This cannot be undone.'
          )
        }
        onConfirm={async () => {
          const result = await clear.mutateAsync(deviceId);
          toast({ title: `${result?.deleted ?? 0} finished ${result?.deleted === 1 ? 'run' : 'runs'} deleted` });
        }}
      />
    </>
  );
}
