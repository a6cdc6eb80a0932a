import { getRouteApi } from '@tanstack/react-router';
import { Ban, Check, X } from 'lucide-react';
import { useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DetailPageSkeleton } from '../../ui/detail-page';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useCan, useSession } from '../auth/session-context';
import {
  KIND_LABELS,
  REASON_LABELS,
  RUN_STATUSES,
  totalOf,
  UNFINISHED,
  useApproveTask,
  useCancelTask,
  useRejectTask,
  useRerunTask,
  useTask,
} from './api';
import type { RunsSearch, Task } from './api';
import { useCommandLiveUpdates } from './live';
import { RerunButton } from './open-task';
import { AllRunsLink, ApprovalBadge, runStatusLabel } from './run-bits';
import { RunsList } from './runs-list';

const route = getRouteApi('/_app/partners/$partnerId/tasks/$taskId');

export function targetText(task: Pick<Task, 'target' | 'target_count'>): string {
  const n = task.target_count === 1 ? '1 device' : `${task.target_count} devices`;
  switch (task.target.type) {
    case 'devices':
      return n;
    case 'sites':
      return `${n} of a site`;
    case 'organizations':
      return `${n} of an organization`;
    case 'filter':
      return `${n} of a saved filter`;
    case 'partner':
      return `${n}: every device of the partner`;
    default:
      return n;
  }
}

export function TaskPage() {
  const { partnerId, taskId } = route.useParams();
  const query = useTask(partnerId, taskId);
  const task = query.data;
  const session = useSession();
  const canApprove = useCan('commands.approve');
  const canRun = useCan('commands.run');
  const approve = useApproveTask(partnerId);
  const reject = useRejectTask(partnerId);
  const cancel = useCancelTask(partnerId);
  const rerun = useRerunTask(partnerId);
  const { toast } = useToast();
  const [confirm, setConfirm] = useState<'approve' | 'reject' | 'cancel' | null>(null);
  const [filters, setFilters] = useState<RunsSearch>({});
  useCommandLiveUpdates(partnerId);
  useDocumentTitle(task?.title ?? 'Task');

  const back = <AllRunsLink partnerId={partnerId} />;

  if (query.isError) return <LoadErrorState error={query.error} thing="task" onRetry={() => void query.refetch()} back={back} />;
  if (!task) return <DetailPageSkeleton thing="task" />;

  const unfinished = UNFINISHED.reduce((n, s) => n + (task.counts[s] ?? 0), 0);
  const pending = task.approval === 'pending';
  const own = task.created_by === session.user.id;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={<span title={task.title}>{task.title}</span>}
        badge={<ApprovalBadge approval={task.approval} />}
        description={
          <>
            {KIND_LABELS[task.kind] ?? task.kind} on {targetText(task)} · {REASON_LABELS[task.reason] ?? task.reason}
            {task.created_by_name ? ` by ${task.created_by_name}` : ''} · <Time value={task.created_at} mode="datetime" />
          </>
        }
        actions={
          <>
            {canApprove && pending && !own ? (
              <>
                <Button variant="primary" onClick={() => setConfirm('approve')}>
                  <Check aria-hidden="true" />
                  Approve
                </Button>
                <Button variant="destructive-ghost" onClick={() => setConfirm('reject')}>
                  <X aria-hidden="true" />
                  Reject
                </Button>
              </>
            ) : null}
            {canRun && unfinished > 0 && !pending ? (
              <Button variant="destructive-ghost" onClick={() => setConfirm('cancel')}>
                <Ban aria-hidden="true" />
                Cancel all
              </Button>
            ) : null}
            {canRun && !pending ? <RerunButton partnerId={partnerId} id={taskId} rerun={rerun} describe={targetText} /> : null}
          </>
        }
      />

      {pending ? (
        <Alert tone="warning" title="Waiting for a second person to approve">
          This task targets {targetText(task)}, more than this partner’s fan-out limit. Its runs stay queued until another user
          with the approve permission approves it
          {own ? ' — you started it, so someone else must.' : canApprove ? '.' : '; you cannot approve tasks.'} It expires{' '}
          <Time value={task.expires_at} mode="relative" />.
        </Alert>
      ) : null}
      {task.approval === 'rejected' ? (
        <Alert title={`Rejected${task.approval_by_name ? ` by ${task.approval_by_name}` : ''}`}>Its runs were cancelled.</Alert>
      ) : null}
      {task.approval === 'approved' && task.approval_by_name ? (
        <Alert tone="info" title={`Approved by ${task.approval_by_name}`}>
          <Time value={task.approval_at} mode="datetime" />
        </Alert>
      ) : null}

      {task.payload_summary ? (
        <p className="-mt-2 font-mono text-xs break-all text-muted-foreground" data-testid="task-summary">
          {task.payload_summary}
        </p>
      ) : null}

      <Card aria-label="Runs by status">
        <CardContent className="flex flex-wrap gap-2 py-3">
          <span className="mr-2 self-center text-[13px] font-medium">{totalOf(task.counts).toLocaleString()} runs</span>
          {RUN_STATUSES.filter((s) => (task.counts[s] ?? 0) > 0).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={filters.status === s}
              onClick={() => setFilters((f) => ({ ...f, status: f.status === s ? undefined : s }))}
              className="inline-flex cursor-pointer items-center gap-1.5 rounded-md border border-border px-2.5 py-1 text-xs hover:bg-hover focus-visible:outline-2 focus-visible:outline-ring aria-pressed:border-link aria-pressed:bg-link/10"
            >
              <span className="font-semibold tabular-nums">{(task.counts[s] ?? 0).toLocaleString()}</span>
              {runStatusLabel(s).toLowerCase()}
            </button>
          ))}
        </CardContent>
      </Card>

      <Card>
        <RunsList
          partnerId={partnerId}
          search={{ ...filters, task: taskId }}
          onSearchChange={(patch) => setFilters((f) => ({ ...f, ...patch, task: undefined }))}
        />
      </Card>

      <ConfirmDialog
        open={confirm === 'approve'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Approve this task?"
        destructive={false}
        confirmLabel={`Run on ${task.target_count} devices`}
        description={
          <>
            “{task.title}” ({KIND_LABELS[task.kind] ?? task.kind}) starts on{' '}
            <strong className="font-semibold text-foreground">{targetText(task)}</strong>, as started by{' '}
            {task.created_by_name ?? 'its author'}.
          </>
        }
        onConfirm={async () => {
          await approve.mutateAsync(taskId);
          toast({ title: 'Task approved', description: 'Its runs are being sent.' });
        }}
      />
      <ConfirmDialog
        open={confirm === 'reject'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Reject this task?"
        confirmLabel="Reject"
        description={
          <>
            “{task.title}” never runs: its {task.target_count} queued runs are cancelled.
          </>
        }
        onConfirm={async () => {
          await reject.mutateAsync(taskId);
          toast({ title: 'Task rejected' });
        }}
      />
      <ConfirmDialog
        open={confirm === 'cancel'}
        onOpenChange={(open) => !open && setConfirm(null)}
        title="Cancel every unfinished run?"
        confirmLabel="Cancel runs"
        description={
          <>
            {unfinished} queued or running {unfinished === 1 ? 'run' : 'runs'} of “{task.title}” are stopped; running ones have
            their process tree killed. Finished runs keep their output.
          </>
        }
        onConfirm={async () => {
          await cancel.mutateAsync(taskId);
          toast({ title: 'Runs cancelled' });
        }}
      />
    </div>
  );
}
