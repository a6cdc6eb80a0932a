import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from '../../api/client';
import { PAGE_SIZE } from '../../api/list';
import { commandKeys } from '../commands/api';
import type { CommandKind, Interpreter, RunAs, Target, Task } from '../commands/api';

/* Schedules (AUT3): a cron expression in a time zone, what to run, and where. */

export interface ScheduleAction {
  kind: CommandKind;
  script_id?: string;
  parameters?: Record<string, unknown>;
  command?: string;
  interpreter?: Interpreter;
  timeout_seconds?: number;
  run_as?: RunAs;
}

export interface Schedule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  action: ScheduleAction;
  target: Target;
  expiry_hours: number | null;
  next_run_at: string | null;
  last_run_at: string | null;
  last_task_id: string | null;
  /** Fan-out approval: pending while the target holds more devices than the threshold and nobody else approved it. */
  approval: 'not_required' | 'pending' | 'approved';
  approval_by_name: string | null;
  approval_at: string | null;
  created_by: string | null;
  updated_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export type ScheduleInput = Pick<Schedule, 'name' | 'description' | 'enabled' | 'cron' | 'timezone' | 'action' | 'target'> & {
  expiry_hours?: number | null;
};

export const scheduleKeys = {
  lists: (partnerId: string) => ['schedules', partnerId, 'list'] as const,
};

const schedulesPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/schedules`;
const schedulePath = (partnerId: string, id: string) => `${schedulesPath(partnerId)}/${encodeURIComponent(id)}`;

export function useSchedules(partnerId: string, q: string) {
  return useInfiniteQuery({
    queryKey: [...scheduleKeys.lists(partnerId), q],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Schedule>>(
        schedulesPath(partnerId),
        { q: q.trim() || undefined, limit: PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

function useInvalidate(partnerId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: scheduleKeys.lists(partnerId) });
}

export function useCreateSchedule(partnerId: string) {
  const invalidate = useInvalidate(partnerId);
  return useMutation({
    mutationFn: (input: ScheduleInput) => api.post<Schedule>(schedulesPath(partnerId), input),
    onSuccess: () => invalidate(),
  });
}

export function useUpdateSchedule(partnerId: string) {
  const invalidate = useInvalidate(partnerId);
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<ScheduleInput> & { id: string; version: number }) =>
      api.patch<Schedule>(schedulePath(partnerId, id), body),
    onSuccess: () => invalidate(),
  });
}

export function useDeleteSchedule(partnerId: string) {
  const invalidate = useInvalidate(partnerId);
  return useMutation({
    mutationFn: (schedule: Pick<Schedule, 'id'>) => api.delete(schedulePath(partnerId, schedule.id)),
    onSuccess: () => invalidate(),
  });
}

/** Approves a schedule above the fan-out threshold, once (not by its creator or last editor). */
export function useApproveSchedule(partnerId: string) {
  const invalidate = useInvalidate(partnerId);
  return useMutation({
    mutationFn: (schedule: Pick<Schedule, 'id' | 'version'>) =>
      api.post<Schedule>(`${schedulePath(partnerId, schedule.id)}/approve`, { version: schedule.version }),
    onSuccess: () => invalidate(),
  });
}

export function useRunScheduleNow(partnerId: string) {
  const queryClient = useQueryClient();
  const invalidate = useInvalidate(partnerId);
  return useMutation({
    mutationFn: (schedule: Pick<Schedule, 'id'>) => api.post<Task>(`${schedulePath(partnerId, schedule.id)}/run-now`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: commandKeys.partner(partnerId) });
      return invalidate();
    },
  });
}

export const CRON_PRESETS: { cron: string; label: string }[] = [
  { cron: '*/15 * * * *', label: 'Every 15 minutes' },
  { cron: '0 * * * *', label: 'Every hour' },
  { cron: '0 2 * * *', label: 'Every day at 02:00' },
  { cron: '0 8 * * 1-5', label: 'Weekdays at 08:00' },
  { cron: '0 3 * * 0', label: 'Every Sunday at 03:00' },
  { cron: '0 4 1 * *', label: 'The 1st of every month at 04:00' },
];

/** "Every day at 02:00" for a preset, otherwise the expression itself. */
export function cronText(cron: string): string {
  return CRON_PRESETS.find((p) => p.cron === cron.trim())?.label ?? cron;
}

/** A quick check before the server's: five fields of cron characters. */
export function checkCron(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return 'Five fields: minute, hour, day of month, month, day of week (e.g. 0 2 * * *).';
  if (!fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f)))
    return 'Only digits, *, /, - and , (or names such as MON) are allowed.';
  return null;
}
