import { keepPreviousData, queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { api, isApiError, request } from '../../api/client';
import type { Page, Query } from '../../api/client';
import { PAGE_SIZE } from '../../api/list';

/*
 * Commands (AUT4, AUT5, AGT9, DEV4, DEV8; security.md 28): a task is what to
 * run once, a run is that task on one device. Output comes from the agent and
 * is untrusted text: it is only ever rendered as text.
 */

export const RUN_STATUSES = ['queued', 'sent', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'expired'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const UNFINISHED: readonly RunStatus[] = ['queued', 'sent', 'running'];

export function isFinished(status: RunStatus): boolean {
  return !UNFINISHED.includes(status);
}

export type CommandKind = 'script' | 'shell' | 'reboot' | 'inventory_refresh' | 'process_kill';
export type Interpreter = 'sh' | 'bash' | 'powershell' | 'cmd';
export type RunAs = 'system' | 'user';
export type TargetType = 'devices' | 'sites' | 'organizations' | 'filter' | 'partner';
export type Approval = 'not_required' | 'pending' | 'approved' | 'rejected';

export interface Target {
  type: TargetType;
  ids: string[];
}

export type StatusCounts = Record<RunStatus, number>;

export interface Task {
  id: string;
  kind: CommandKind;
  title: string;
  script_id: string | null;
  script_version: number | null;
  /** As entered; secret values are null. */
  parameters: Record<string, unknown>;
  target: Target;
  target_count: number;
  reason: 'manual' | 'bulk' | 'schedule' | 'policy' | string;
  schedule_id: string | null;
  created_by: string | null;
  created_by_name: string | null;
  approval: Approval;
  approval_by_name: string | null;
  approval_at: string | null;
  expires_at: string;
  created_at: string;
  counts: StatusCounts;
  /** What runs, in one line: interpreter and script, the command, reboot… */
  payload_summary?: string;
}

export interface Run {
  id: string;
  task_id: string;
  device_id: string;
  hostname: string;
  organization_id: string;
  organization_name: string;
  site_id: string;
  site_name: string;
  status: RunStatus;
  title: string;
  kind: CommandKind;
  exit_code: number | null;
  /** The whole output on a run's page; the list sends output_preview instead. */
  stdout?: string;
  stderr?: string;
  output_preview?: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_by_name: string | null;
  reason: string;
  script_id?: string | null;
  expires_at?: string;
  cancel_requested_at?: string | null;
  /** The last output chunk stored, when the server sends it: live chunks up to it are already in stdout/stderr. */
  output_seq?: number;
  /** Client-side: when the request that read this run started and ended (live chunks before it are in the text). */
  fetched_from?: number;
  fetched_at?: number;
}

export interface CommandSettings {
  fanout_threshold: number;
  default_expiry_hours: number;
  halted: boolean;
  halted_at: string | null;
  halted_by_name?: string | null;
  halted_reason: string;
  version: number;
  updated_at?: string;
}

export interface CreateTaskInput {
  kind: CommandKind;
  script_id?: string;
  parameters?: Record<string, unknown>;
  command?: string;
  interpreter?: Interpreter;
  timeout_seconds?: number;
  run_as?: RunAs;
  pid?: number;
  delay_seconds?: number;
  expiry_hours?: number;
  target: Target;
}

/* ---------- Labels ---------- */

export const KIND_LABELS: Record<CommandKind, string> = {
  script: 'Script',
  shell: 'Command',
  reboot: 'Reboot',
  inventory_refresh: 'Refresh inventory',
  process_kill: 'End process',
};

export const INTERPRETER_LABELS: Record<Interpreter, string> = {
  sh: 'sh',
  bash: 'bash',
  powershell: 'PowerShell',
  cmd: 'cmd.exe',
};

export const REASON_LABELS: Record<string, string> = {
  manual: 'Manual',
  bulk: 'Bulk action',
  schedule: 'Schedule',
  policy: 'Policy',
};

/** Why a task cannot start now, said plainly; null if the error is something else. */
export function haltedMessage(error: unknown): string | null {
  if (isApiError(error) && error.code === 'commands_halted') {
    return `${error.message}. The kill switch is released under Command settings.`;
  }
  return null;
}

/* ---------- Keys and paths ---------- */

export const commandKeys = {
  all: ['commands'] as const,
  partner: (partnerId: string) => [...commandKeys.all, partnerId] as const,
  runLists: (partnerId: string) => [...commandKeys.partner(partnerId), 'runs'] as const,
  run: (partnerId: string, runId: string) => [...commandKeys.partner(partnerId), 'run', runId] as const,
  taskLists: (partnerId: string) => [...commandKeys.partner(partnerId), 'tasks'] as const,
  task: (partnerId: string, taskId: string) => [...commandKeys.partner(partnerId), 'task', taskId] as const,
  settings: (partnerId: string) => [...commandKeys.partner(partnerId), 'settings'] as const,
};

const base = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}`;
const tasksPath = (partnerId: string) => `${base(partnerId)}/tasks`;
const taskPath = (partnerId: string, taskId: string) => `${tasksPath(partnerId)}/${encodeURIComponent(taskId)}`;
const runsPath = (partnerId: string) => `${base(partnerId)}/runs`;
const runPath = (partnerId: string, runId: string) => `${runsPath(partnerId)}/${encodeURIComponent(runId)}`;
const settingsPath = (partnerId: string) => `${base(partnerId)}/command-settings`;

/* ---------- Run filters, as they live in the URL ---------- */

export interface RunsSearch {
  status?: RunStatus;
  script?: string;
  user?: string;
  /** Local calendar days, YYYY-MM-DD, both included. */
  from?: string;
  to?: string;
  q?: string;
  task?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function uuid(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? value : undefined;
}

function day(value: unknown): string | undefined {
  return typeof value === 'string' && DAY.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

export function validateRunsSearch(search: Record<string, unknown>): RunsSearch {
  const out: RunsSearch = {};
  const status = RUN_STATUSES.find((s) => s === search.status);
  if (status) out.status = status;
  const script = uuid(search.script);
  if (script) out.script = script;
  const user = uuid(search.user);
  if (user) out.user = user;
  const task = uuid(search.task);
  if (task) out.task = task;
  const from = day(search.from);
  if (from) out.from = from;
  const to = day(search.to);
  if (to) out.to = to;
  if ((typeof search.q === 'string' || typeof search.q === 'number') && String(search.q).trim() !== '') {
    out.q = String(search.q).slice(0, 200);
  }
  return out;
}

function startOfDay(value: string, addDays = 0): string {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + addDays).toISOString();
}

export function runsQuery(search: RunsSearch, deviceId?: string): Query {
  return {
    device_id: deviceId,
    task_id: search.task,
    status: search.status,
    script_id: search.script,
    created_by: search.user,
    since: search.from ? startOfDay(search.from) : undefined,
    until: search.to ? startOfDay(search.to, 1) : undefined,
    q: search.q?.trim() || undefined,
  };
}

/* ---------- Queries ---------- */

export function useRuns(partnerId: string, query: Query, enabled = true) {
  return useInfiniteQuery({
    queryKey: [...commandKeys.runLists(partnerId), query],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Run>>(runsPath(partnerId), { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined }, signal),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function runQueryOptions(partnerId: string, runId: string) {
  return queryOptions({
    queryKey: commandKeys.run(partnerId, runId),
    queryFn: async ({ signal }) => {
      const fetched_from = Date.now();
      const run = await api.get<Run>(runPath(partnerId, runId), undefined, signal);
      return { ...run, fetched_from, fetched_at: Date.now() };
    },
  });
}

export function useRun(partnerId: string, runId: string) {
  return useQuery(runQueryOptions(partnerId, runId));
}

export function useTasks(partnerId: string, query: Query, enabled = true) {
  return useInfiniteQuery({
    queryKey: [...commandKeys.taskLists(partnerId), query],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Task>>(tasksPath(partnerId), { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined }, signal),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useTask(partnerId: string, taskId: string) {
  return useQuery({
    queryKey: commandKeys.task(partnerId, taskId),
    queryFn: ({ signal }) => api.get<Task>(taskPath(partnerId, taskId), undefined, signal),
  });
}

export function commandSettingsQueryOptions(partnerId: string) {
  return queryOptions({
    queryKey: commandKeys.settings(partnerId),
    queryFn: ({ signal }) => api.get<CommandSettings>(settingsPath(partnerId), undefined, signal),
    // The kill switch is engaged by another user: noticed within a minute even without an event.
    refetchInterval: 60_000,
  });
}

export function useCommandSettings(partnerId: string, enabled = true) {
  return useQuery({ ...commandSettingsQueryOptions(partnerId), enabled: enabled && Boolean(partnerId) });
}

/* ---------- Changes ---------- */

export function invalidateCommands(queryClient: QueryClient, partnerId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: commandKeys.runLists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: commandKeys.taskLists(partnerId) }),
  ]);
}

/** The first run of a task: where a one-device task is best watched. */
export async function firstRunOf(partnerId: string, taskId: string): Promise<Run | null> {
  const page = await api.get<Page<Run>>(runsPath(partnerId), { task_id: taskId, limit: 1 }).catch(() => null);
  return page?.items[0] ?? null;
}

/** A new key per submitted form: a repeat of the same request (double click, retry) starts nothing new. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function useCreateTask(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ input, idempotencyKey }: { input: CreateTaskInput; idempotencyKey: string }) =>
      (
        await request<Task>(tasksPath(partnerId), {
          method: 'POST',
          body: input,
          headers: { 'Idempotency-Key': idempotencyKey },
        })
      ).data,
    onSuccess: () => invalidateCommands(queryClient, partnerId),
    onError: (error) => {
      // Halted by someone else since the page loaded: the banner should say so.
      if (haltedMessage(error)) void queryClient.invalidateQueries({ queryKey: commandKeys.settings(partnerId) });
    },
  });
}

function useTaskAction(partnerId: string, action: 'approve' | 'reject' | 'cancel' | 'rerun') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (taskId: string) => api.post<Task>(`${taskPath(partnerId, taskId)}/${action}`),
    onSuccess: (_task, taskId) => {
      void queryClient.invalidateQueries({ queryKey: commandKeys.task(partnerId, taskId) });
      return invalidateCommands(queryClient, partnerId);
    },
  });
}

export const useApproveTask = (partnerId: string) => useTaskAction(partnerId, 'approve');
export const useRejectTask = (partnerId: string) => useTaskAction(partnerId, 'reject');
export const useCancelTask = (partnerId: string) => useTaskAction(partnerId, 'cancel');
export const useRerunTask = (partnerId: string) => useTaskAction(partnerId, 'rerun');

export function useCancelRun(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => api.post<Run>(`${runPath(partnerId, runId)}/cancel`),
    onSuccess: (_run, runId) => {
      void queryClient.invalidateQueries({ queryKey: commandKeys.run(partnerId, runId) });
      return invalidateCommands(queryClient, partnerId);
    },
  });
}

/** Re-running a run starts a new task on its device. */
export function useRerunRun(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => api.post<Task>(`${runPath(partnerId, runId)}/rerun`),
    onSuccess: () => invalidateCommands(queryClient, partnerId),
  });
}

export function useDeleteRun(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => api.delete(runPath(partnerId, runId)),
    onSuccess: (_data, runId) => {
      queryClient.removeQueries({ queryKey: commandKeys.run(partnerId, runId) });
      return invalidateCommands(queryClient, partnerId);
    },
  });
}

export function useClearRuns(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deviceId?: string) =>
      api.post<{ deleted: number }>(`${runsPath(partnerId)}/clear`, deviceId ? { device_id: deviceId } : {}),
    onSuccess: () => invalidateCommands(queryClient, partnerId),
  });
}

export function useUpdateCommandSettings(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { version: number; fanout_threshold: number; default_expiry_hours: number }) =>
      (await request<CommandSettings>(settingsPath(partnerId), { method: 'PUT', body })).data,
    onSuccess: (settings) => queryClient.setQueryData(commandKeys.settings(partnerId), settings),
  });
}

export function useHaltCommands(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) => api.post<CommandSettings>(`${settingsPath(partnerId)}/halt`, { reason }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: commandKeys.settings(partnerId) });
      return invalidateCommands(queryClient, partnerId);
    },
  });
}

export function useReleaseCommands(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<CommandSettings>(`${settingsPath(partnerId)}/release`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: commandKeys.settings(partnerId) }),
  });
}

/* ---------- Small helpers ---------- */

/** "1 min 5 s", "340 ms"; null when the run has not both started and finished. */
export function formatDuration(startIso: string | null, endIso: string | null, now?: number): string | null {
  if (!startIso) return null;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  if (end === undefined || Number.isNaN(start) || Number.isNaN(end)) return null;
  const ms = Math.max(0, end - start);
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function totalOf(counts: Partial<StatusCounts> | undefined): number {
  if (!counts) return 0;
  return Object.values(counts).reduce<number>((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
}
