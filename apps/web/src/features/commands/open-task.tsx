import { useNavigate } from '@tanstack/react-router';
import type { UseMutationResult } from '@tanstack/react-query';
import { RotateCcw } from 'lucide-react';
import { errorMessage } from '../../api/client';
import { Button } from '../../ui/button';
import { useToast } from '../../ui/toast';
import { firstRunOf, haltedMessage } from './api';
import type { Task } from './api';

/** Opens a task just started: its run when it reaches one device (the output streams there), else the task's page. */
export function useOpenTask(partnerId: string) {
  const navigate = useNavigate();
  return async (task: Task) => {
    const run = task.target_count === 1 && task.approval !== 'pending' ? await firstRunOf(partnerId, task.id) : null;
    if (run) void navigate({ to: '/partners/$partnerId/runs/$runId', params: { partnerId, runId: run.id } });
    else void navigate({ to: '/partners/$partnerId/tasks/$taskId', params: { partnerId, taskId: task.id } });
  };
}

/** Re-run of a run or a task: starts it again and opens what it started. */
export function RerunButton({
  partnerId,
  id,
  rerun,
  describe,
}: {
  partnerId: string;
  /** The run or task to start again. */
  id: string;
  rerun: UseMutationResult<Task, unknown, string>;
  /** The toast's description for the new task. */
  describe: (task: Task) => string;
}) {
  const openTask = useOpenTask(partnerId);
  const { toast } = useToast();
  return (
    <Button
      onClick={() =>
        rerun.mutate(id, {
          onSuccess: async (task) => {
            toast({ title: 'Started again', description: describe(task) });
            await openTask(task);
          },
          onError: (error) =>
            toast({ tone: 'error', title: 'Could not run it again', description: haltedMessage(error) ?? errorMessage(error) }),
        })
      }
      loading={rerun.isPending}
    >
      {rerun.isPending ? null : <RotateCcw aria-hidden="true" />}
      Re-run
    </Button>
  );
}
