import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { Ban, ListTree, Radio, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DescriptionList } from '../../ui/description-list';
import { DetailPageSkeleton } from '../../ui/detail-page';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useNow } from '../../ui/use-now';
import { useCan } from '../auth/session-context';
import { formatDuration, isFinished, KIND_LABELS, REASON_LABELS, useCancelRun, useDeleteRun, useRerunRun, useRun } from './api';
import { useCommandLiveUpdates, useLiveOutput } from './live';
import { OutputPane } from './output-pane';
import { RerunButton } from './open-task';
import { AllRunsLink, RunStatusBadge } from './run-bits';

const route = getRouteApi('/_app/partners/$partnerId/runs/$runId');

export function RunPage() {
  const { partnerId, runId } = route.useParams();
  const query = useRun(partnerId, runId);
  const run = query.data;
  const output = useLiveOutput(runId, run);
  const canRun = useCan('commands.run');
  const cancel = useCancelRun(partnerId);
  const rerun = useRerunRun(partnerId);
  const remove = useDeleteRun(partnerId);
  const navigate = useNavigate();
  const { toast } = useToast();
  const [confirm, setConfirm] = useState<'cancel' | 'delete' | null>(null);
  const finished = run ? isFinished(run.status) : false;
  const now = useNow(finished ? 60_000 : 1_000);
  useCommandLiveUpdates(partnerId);
  useDocumentTitle(run ? `${run.title} on ${run.hostname}` : 'Run');

  const back = <AllRunsLink partnerId={partnerId} />;

  if (query.isError) return <LoadErrorState error={query.error} thing="run" onRetry={() => void query.refetch()} back={back} />;
  if (!run) return <DetailPageSkeleton thing="run" />;

  const duration = formatDuration(run.started_at, run.finished_at, run.finished_at ? undefined : now.getTime());

  return (
    <div className="grid gap-5">
      <PageHeader
        title={<span title={run.title}>{run.title}</span>}
        badge={<RunStatusBadge status={run.status} />}
        description={
          <span className="flex flex-wrap items-center gap-x-1.5">
            <span>{KIND_LABELS[run.kind] ?? run.kind} on</span>
            <Link
              to="/partners/$partnerId/devices/$deviceId"
              params={{ partnerId, deviceId: run.device_id }}
              className="font-medium text-foreground hover:text-link hover:underline"
            >
              {run.hostname}
            </Link>
            <span>
              ({run.organization_name} › {run.site_name})
            </span>
          </span>
        }
        actions={
          <>
            <Button asChild>
              <Link to="/partners/$partnerId/tasks/$taskId" params={{ partnerId, taskId: run.task_id }}>
                <ListTree aria-hidden="true" />
                Task
              </Link>
            </Button>
            {canRun && !finished && !run.cancel_requested_at ? (
              <Button variant="destructive-ghost" onClick={() => setConfirm('cancel')}>
                <Ban aria-hidden="true" />
                Cancel run
              </Button>
            ) : null}
            {canRun && finished ? (
              <RerunButton partnerId={partnerId} id={runId} rerun={rerun} describe={() => `A new run of “${run.title}”.`} />
            ) : null}
            {canRun && finished ? (
              <Button variant="destructive-ghost" onClick={() => setConfirm('delete')}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            ) : null}
          </>
        }
      />

      {run.cancel_requested_at && !finished ? (
        <Alert tone="warning" title="Cancelling">
          Cancel was requested <Time value={run.cancel_requested_at} mode="relative" />: waiting for the agent to stop the
          process.
        </Alert>
      ) : null}
      {run.error ? <Alert title="The run did not complete normally">{run.error}</Alert> : null}

      <Card aria-labelledby="run-details-heading">
        <CardHeader>
          <CardTitle id="run-details-heading">Details</CardTitle>
        </CardHeader>
        <CardContent className="py-4">
          <DescriptionList
            items={[
              { label: 'Status', value: <RunStatusBadge status={run.status} /> },
              {
                label: 'Exit code',
                value:
                  run.exit_code === null ? (
                    <span className="text-muted-foreground">—</span>
                  ) : (
                    <span className="font-mono" data-testid="run-exit-code">
                      {run.exit_code}
                    </span>
                  ),
              },
              { label: 'Started by', value: run.created_by_name ?? <span className="text-muted-foreground">—</span> },
              { label: 'Why', value: REASON_LABELS[run.reason] ?? run.reason },
              { label: 'Queued', value: <Time value={run.created_at} mode="datetime" /> },
              { label: 'Sent to the agent', value: <Time value={run.sent_at} mode="datetime" /> },
              { label: 'Started', value: <Time value={run.started_at} mode="datetime" /> },
              { label: 'Finished', value: <Time value={run.finished_at} mode="datetime" /> },
              { label: 'Duration', value: duration ?? <span className="text-muted-foreground">—</span> },
            ]}
          />
        </CardContent>
      </Card>

      <Card aria-labelledby="run-output-heading">
        <CardHeader>
          <CardTitle id="run-output-heading">Output</CardTitle>
          {output.live ? (
            <span className="flex items-center gap-1.5 text-xs text-link" role="status">
              <Radio className="size-3.5 animate-pulse" aria-hidden="true" />
              {run.status === 'running' ? 'Streaming live' : 'Waiting for the device'}
            </span>
          ) : null}
        </CardHeader>
        <CardContent className="grid gap-4 py-4">
          <OutputPane
            label="Standard output"
            text={output.stdout}
            truncated={run.stdout_truncated}
            live={output.live}
            emptyText="No output."
          />
          {output.stderr || run.stderr_truncated ? (
            <OutputPane
              label="Standard error"
              tone="error"
              text={output.stderr}
              truncated={run.stderr_truncated}
              live={false}
              emptyText="Nothing on standard error."
            />
          ) : null}
        </CardContent>
      </Card>

      <ConfirmDialog
        open={confirm === 'cancel'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Cancel this run?"
        confirmLabel="Cancel run"
        description={
          <>
            “{run.title}” on <strong className="font-semibold text-foreground">{run.hostname}</strong>{' '}
            {run.status === 'queued' ? 'will not be sent.' : 'is stopped: the agent kills its process tree.'}
          </>
        }
        onConfirm={async () => {
          await cancel.mutateAsync(runId);
          toast({ title: 'Run cancelled' });
        }}
      />
      <ConfirmDialog
        open={confirm === 'delete'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Delete this run?"
        description={
          <>
            The run of “{run.title}” on <strong className="font-semibold text-foreground">{run.hostname}</strong> and its output
            are removed from the history. The audit log keeps that it ran.
          </>
        }
        onConfirm={async () => {
          await remove.mutateAsync(runId);
          toast({ title: 'Run deleted' });
          void navigate({ to: '/partners/$partnerId/runs', params: { partnerId } });
        }}
      />
    </div>
  );
}
