import { DEFAULT_OUTPUT_CAP_BYTES, MAX_OUTPUT_CAP_BYTES, type RunOutcome } from '@cloudrmm/protocol';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Visibility } from '../../platform/auth/principal.js';
import type { DB, Json, RunStatus } from '../../platform/db/schema.js';
import type { Tx } from '../../platform/db/database.js';
import { paginateBy, type Page } from '../../platform/http/pagination.js';
import type { Counts, Run, RunQuery, Task, TaskQuery } from './commands.schemas.js';

/**
 * All SQL of tasks, runs and command settings. RLS keeps each partner to its
 * own rows; `Visibility` narrows runs to the organizations and sites a scoped
 * user may see. Whatever touches many runs (creating a task, delivering,
 * storing results and output) is one statement per batch, never one per run.
 */

// Keeps `in (...)` valid when a principal can see none.
const NO_ID = '00000000-0000-0000-0000-000000000000';
/** Rows per insert statement when a task's runs are written. */
const INSERT_CHUNK = 5_000;
/** What a run list shows of the output. */
const PREVIEW_CHARS = 2_048;

export const DEFAULT_SETTINGS = { fanout_threshold: 50, default_expiry_hours: 24 };

export interface SettingsRow {
  fanout_threshold: number;
  default_expiry_hours: number;
  halted: boolean;
  halted_at: string | null;
  halted_reason: string;
  version: number;
}

export interface NewRun {
  id: string;
  device_id: string;
  organization_id: string;
  site_id: string;
  nonce: string;
  key_id: string;
  payload_hash: string;
  signature: string;
  device_input_encrypted: string | null;
}

/** A run owed to a connected agent: what its envelope is made of. */
export interface OwedRun {
  id: string;
  task_id: string;
  device_id: string;
  organization_id: string;
  site_id: string;
  status: RunStatus;
  nonce: string;
  key_id: string;
  payload_hash: string;
  signature: string;
  expires_at: string;
  device_input_encrypted: string | null;
  cancel_requested_at: string | null;
}

/** A run that changed, with what an event about it needs. */
export interface ChangedRun {
  id: string;
  task_id: string;
  device_id: string;
  organization_id: string;
  site_id: string;
  status: RunStatus;
}

/**
 * Locks these runs in id order before a batch updates them. Batches of
 * acceptances, output, results and deliveries run side by side and overlap
 * (an agent's result arrives while its acceptance is being written); an
 * UPDATE ... FROM locks rows in whatever order its plan visits them, so two
 * batches could each hold a row the other waits for. One order for every
 * writer rules that deadlock out.
 */
async function lockRuns(tx: Tx, ids: string[]): Promise<void> {
  await sql`select 1 from command_runs where id = any(${[...new Set(ids)]}::uuid[]) order by id for update`.execute(tx);
}

const changedColumns = sql`id, task_id, device_id, organization_id, site_id, status`;

const countsSelect = sql<Counts>`(select jsonb_build_object(
    'queued', count(*) filter (where r.status = 'queued'),
    'sent', count(*) filter (where r.status = 'sent'),
    'running', count(*) filter (where r.status = 'running'),
    'succeeded', count(*) filter (where r.status = 'succeeded'),
    'failed', count(*) filter (where r.status = 'failed'),
    'timed_out', count(*) filter (where r.status = 'timed_out'),
    'cancelled', count(*) filter (where r.status = 'cancelled'),
    'expired', count(*) filter (where r.status = 'expired'))
  from command_runs r where r.task_id = t.id)`;

/** Runs within what a scoped user may see (alias `r`): one condition, whatever the number of runs. */
function runWithin(visibility: Visibility) {
  const orgs = [...visibility.wholeOrganizationIds];
  const sites = [...visibility.siteIds];
  return sql<boolean>`(r.organization_id = any(${orgs}::uuid[]) or r.site_id = any(${sites}::uuid[]))`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

const taskBase = (tx: Tx) =>
  tx
    .selectFrom('command_tasks as t')
    .leftJoin('users as au', 'au.id', 't.approval_by')
    .select([
      't.id',
      't.kind',
      't.title',
      't.script_id',
      't.script_version',
      't.parameters',
      't.target',
      't.target_count',
      't.reason',
      't.schedule_id',
      't.created_by',
      't.created_by_label as created_by_name',
      't.approval',
      sql<string | null>`case when t.approval_at is null then null else coalesce(au.name, 'CloudRMM staff') end`.as(
        'approval_by_name',
      ),
      't.approval_at',
      't.expires_at',
      't.created_at',
      't.payload',
      countsSelect.as('counts'),
    ]);

export type TaskRow = Omit<Task, 'payload_summary'> & { payload: Json };

/** Runs joined with what a person reads: device, organization, site, task. */
const runBase = (tx: Tx, visibility: Visibility | null) => {
  let q = tx
    .selectFrom('command_runs as r')
    .innerJoin('command_tasks as t', 't.id', 'r.task_id')
    .innerJoin('devices as d', 'd.id', 'r.device_id')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .innerJoin('sites as s', 's.id', 'r.site_id');
  if (visibility) {
    const orgs = [...visibility.wholeOrganizationIds, NO_ID];
    const sites = [...visibility.siteIds, NO_ID];
    q = q.where((eb) => eb.or([eb('r.organization_id', 'in', orgs), eb('r.site_id', 'in', sites)]));
  }
  return q;
};

const runColumns = [
  'r.id',
  'r.task_id',
  'r.device_id',
  'd.hostname',
  'r.organization_id',
  'o.name as organization_name',
  'r.site_id',
  's.name as site_name',
  'r.status',
  't.title',
  't.kind',
  't.script_id',
  'r.exit_code',
  'r.stdout_truncated',
  'r.stderr_truncated',
  'r.output_seq',
  'r.error',
  'r.created_at',
  'r.sent_at',
  'r.started_at',
  'r.finished_at',
  'r.expires_at',
  'r.cancel_requested_at',
  't.created_by_label as created_by_name',
  't.reason',
] as const;

/** The partner's fan-out threshold (security.md 28): tasks aimed at more devices wait for a second person. */
export async function fanOutThreshold(tx: Tx): Promise<number> {
  return (await settingsRepo.get(tx))?.fanout_threshold ?? DEFAULT_SETTINGS.fanout_threshold;
}

export const settingsRepo = {
  get: (tx: Tx): Promise<SettingsRow | undefined> =>
    tx
      .selectFrom('command_settings')
      .select(['fanout_threshold', 'default_expiry_hours', 'halted', 'halted_at', 'halted_reason', 'version'])
      .executeTakeFirst(),

  /** The settings, the row locked (or made) so a kill switch and a new task never cross. */
  async lock(tx: Tx, tenantId: string, mode: 'update' | 'share' = 'update'): Promise<SettingsRow> {
    await tx
      .insertInto('command_settings')
      .values({ tenant_id: tenantId })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    return tx
      .selectFrom('command_settings')
      .select(['fanout_threshold', 'default_expiry_hours', 'halted', 'halted_at', 'halted_reason', 'version'])
      .$call((q) => (mode === 'share' ? q.forShare() : q.forUpdate()))
      .executeTakeFirstOrThrow();
  },

  /** A write of the version the caller read (0: none stored yet, the row is then made); undefined when stale. */
  async put(tx: Tx, tenantId: string, version: number, values: { fanout_threshold: number; default_expiry_hours: number }) {
    if (version === 0) {
      const made = await tx
        .insertInto('command_settings')
        .values({ tenant_id: tenantId, ...values })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .returning('version')
        .executeTakeFirst();
      if (made) return made;
      // A row exists only because a kill switch or a task made one with the defaults: version 1.
    }
    return tx
      .updateTable('command_settings')
      .set({ ...values, version: sql`version + 1` })
      .where('version', '=', Math.max(version, 1))
      .returning('version')
      .executeTakeFirst();
  },

  setHalted: (tx: Tx, halted: boolean, by: string | null, reason: string) =>
    tx
      .updateTable('command_settings')
      .set({
        halted,
        halted_at: halted ? sql`now()` : null,
        halted_by: halted ? by : null,
        halted_reason: halted ? reason : '',
      })
      .execute(),
};

export const tasksRepo = {
  /** An earlier task of the same creator (a schedule's firings: of the same schedule) with this Idempotency-Key. */
  byIdempotencyKey: (tx: Tx, createdBy: string | null, key: string, scheduleId: string | null) =>
    tx
      .selectFrom('command_tasks')
      .select('id')
      .where('idempotency_key', '=', key)
      .where(sql<boolean>`created_by is not distinct from ${createdBy}::uuid`)
      .$if(createdBy === null && scheduleId !== null, (q) => q.where('schedule_id', '=', scheduleId))
      .executeTakeFirst(),

  /** Inserts the task; undefined when a concurrent request with the same Idempotency-Key won. */
  insert: (
    tx: Tx,
    row: {
      id: string;
      tenant_id: string;
      kind: Task['kind'];
      title: string;
      script_id: string | null;
      script_version: number | null;
      payload: unknown;
      parameters: Record<string, unknown>;
      target: unknown;
      target_count: number;
      reason: string;
      schedule_id: string | null;
      created_by: string | null;
      created_by_label: string;
      idempotency_key: string | null;
      approval: Task['approval'];
      approval_by: string | null;
      approval_at: string | null;
      expires_at: string;
    },
  ) =>
    tx
      .insertInto('command_tasks')
      .values({
        ...row,
        payload: JSON.stringify(row.payload),
        parameters: JSON.stringify(row.parameters),
        target: JSON.stringify(row.target),
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst(),

  get: (tx: Tx, id: string): Promise<TaskRow | undefined> =>
    taskBase(tx).where('t.id', '=', id).executeTakeFirst() as Promise<TaskRow | undefined>,

  /** A page of tasks; a scoped user's are those with a run they may see (in the same query). */
  list(tx: Tx, query: TaskQuery, visibility: Visibility | null): Promise<Page<TaskRow>> {
    let q = taskBase(tx);
    if (visibility) {
      q = q.where(sql<boolean>`exists (select 1 from command_runs r where r.task_id = t.id and ${runWithin(visibility)})`);
    }
    if (query.q) q = q.where(sql<boolean>`t.title ilike ${'%' + escapeLike(query.q) + '%'}`);
    if (query.status === 'pending_approval') q = q.where('t.approval', '=', 'pending');
    if (query.status === 'active' || query.status === 'finished') {
      const active = sql<boolean>`exists (select 1 from command_runs r where r.task_id = t.id and r.status in ('queued', 'sent', 'running'))`;
      q = q.where(query.status === 'active' ? active : sql<boolean>`not ${active}`);
    }
    return paginateBy(
      q as unknown as SelectQueryBuilder<DB, 'command_tasks', TaskRow>,
      't.id',
      { expr: sql`t.created_at`, type: 'timestamptz', valueOf: (r) => r.created_at, descending: true },
      query,
    );
  },

  /** Device ids of a task's runs (for a rerun). */
  deviceIds: async (tx: Tx, taskId: string): Promise<string[]> =>
    (await tx.selectFrom('command_runs').select('device_id').where('task_id', '=', taskId).execute()).map((r) => r.device_id),

  setApproval: (tx: Tx, id: string, approval: 'approved' | 'rejected', by: string | null) =>
    tx
      .updateTable('command_tasks')
      .set({ approval, approval_by: by, approval_at: sql`now()` })
      .where('id', '=', id)
      .where('approval', '=', 'pending')
      .returning('id')
      .executeTakeFirst(),

  payloads: async (tx: Tx, ids: string[]): Promise<Map<string, Json>> => {
    if (ids.length === 0) return new Map();
    const rows = await tx.selectFrom('command_tasks').select(['id', 'payload']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.payload]));
  },
};

export const runsRepo = {
  /** All runs of a task in a few statements, whatever their number (one array a column). */
  async insertMany(tx: Tx, tenantId: string, taskId: string, expiresAt: string, runs: NewRun[]): Promise<void> {
    for (let i = 0; i < runs.length; i += INSERT_CHUNK) {
      const chunk = runs.slice(i, i + INSERT_CHUNK);
      const col = <T>(pick: (r: NewRun) => T) => chunk.map(pick);
      await sql`insert into command_runs (id, tenant_id, task_id, device_id, organization_id, site_id, nonce, key_id,
          payload_hash, signature, expires_at, device_input_encrypted)
        select v.id, ${tenantId}::uuid, ${taskId}::uuid, v.device_id, v.organization_id, v.site_id, v.nonce, v.key_id,
               v.payload_hash, v.signature, ${expiresAt}::timestamptz, v.input
          from unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.device_id)}::uuid[], ${col((r) => r.organization_id)}::uuid[],
                      ${col((r) => r.site_id)}::uuid[], ${col((r) => r.nonce)}::text[], ${col((r) => r.key_id)}::text[],
                      ${col((r) => r.payload_hash)}::text[], ${col((r) => r.signature)}::text[],
                      ${col((r) => r.device_input_encrypted)}::text[])
            as v(id, device_id, organization_id, site_id, nonce, key_id, payload_hash, signature, input)`.execute(tx);
    }
  },

  list(tx: Tx, visibility: Visibility | null, query: RunQuery): Promise<Page<Run>> {
    let q = runBase(tx, visibility);
    if (query.device_id) q = q.where('r.device_id', '=', query.device_id);
    if (query.task_id) q = q.where('r.task_id', '=', query.task_id);
    if (query.status) q = q.where('r.status', '=', query.status);
    if (query.script_id) q = q.where('t.script_id', '=', query.script_id);
    if (query.created_by) q = q.where('t.created_by', '=', query.created_by);
    if (query.since) q = q.where('r.created_at', '>=', query.since);
    if (query.until) q = q.where('r.created_at', '<', query.until);
    // The trigram index on stdout || ' ' || stderr answers this.
    if (query.q) q = q.where(sql<boolean>`(r.stdout || ' ' || r.stderr) ilike ${'%' + escapeLike(query.q) + '%'}`);
    const selected = q
      .select(runColumns)
      .select(sql<string>`left(case when r.stdout = '' then r.stderr else r.stdout end, ${PREVIEW_CHARS})`.as('output_preview'));
    return paginateBy(
      selected as unknown as SelectQueryBuilder<DB, 'command_runs', Run>,
      'r.id',
      { expr: sql`r.created_at`, type: 'timestamptz', valueOf: (r) => r.created_at, descending: true },
      query,
    );
  },

  get: (tx: Tx, id: string, visibility: Visibility | null): Promise<Run | undefined> =>
    runBase(tx, visibility)
      .select(runColumns)
      .select(['r.stdout', 'r.stderr'])
      .where('r.id', '=', id)
      .executeTakeFirst() as Promise<Run | undefined>,

  /** The device and scope of runs, for permission checks. */
  scopes: (tx: Tx, ids: string[]) =>
    ids.length === 0
      ? Promise.resolve([])
      : tx
          .selectFrom('command_runs')
          .select(['id', 'task_id', 'device_id', 'organization_id', 'site_id', 'status'])
          .where('id', 'in', ids)
          .execute(),

  /** Whether the task has a run within the visibility (null: the whole partner). */
  taskVisible: async (tx: Tx, taskId: string, visibility: Visibility | null): Promise<boolean> =>
    visibility === null ||
    (
      await sql<{ found: boolean }>`select exists (select 1 from command_runs r
         where r.task_id = ${taskId}::uuid and ${runWithin(visibility)}) as found`.execute(tx)
    ).rows[0]!.found,

  /** Whether the task has a run outside the visibility (null: the whole partner, never). */
  taskReachesOutside: async (tx: Tx, taskId: string, visibility: Visibility | null): Promise<boolean> =>
    visibility !== null &&
    (
      await sql<{ found: boolean }>`select exists (select 1 from command_runs r
         where r.task_id = ${taskId}::uuid and not ${runWithin(visibility)}) as found`.execute(tx)
    ).rows[0]!.found,

  /** Scopes of a task's runs. */
  scopesOfTask: (tx: Tx, taskId: string) =>
    tx
      .selectFrom('command_runs')
      .select(['id', 'task_id', 'device_id', 'organization_id', 'site_id', 'status'])
      .where('task_id', '=', taskId)
      .execute(),

  /**
   * Cancels runs (queued ones at once; sent and running ones get cancel_requested_at, and the agent's
   * `command.cancel` result is their final state). Returns both kinds.
   */
  async cancel(
    tx: Tx,
    where: { ids?: string[]; taskId?: string; all?: boolean },
    by: string | null,
  ): Promise<{ cancelled: ChangedRun[]; requested: ChangedRun[] }> {
    const filter = where.all
      ? sql`true`
      : where.taskId
        ? sql`task_id = ${where.taskId}::uuid`
        : sql`id = any(${where.ids ?? []}::uuid[])`;
    const cancelled = await sql<ChangedRun>`update command_runs
         set status = 'cancelled', finished_at = now(), error = 'cancelled before it was delivered',
             cancel_requested_at = now(), cancel_requested_by = ${by}::uuid
       where ${filter} and status = 'queued'
       returning ${changedColumns}`.execute(tx);
    const requested = await sql<ChangedRun>`update command_runs
         set cancel_requested_at = coalesce(cancel_requested_at, now()), cancel_requested_by = coalesce(cancel_requested_by, ${by}::uuid)
       where ${filter} and status in ('sent', 'running')
       returning ${changedColumns}`.execute(tx);
    return { cancelled: cancelled.rows, requested: requested.rows };
  },

  /** A task rejected: its runs never ran. */
  cancelTask: async (tx: Tx, taskId: string): Promise<ChangedRun[]> =>
    (
      await sql<ChangedRun>`update command_runs
         set status = 'cancelled', finished_at = now(), error = 'the run was rejected (fan-out approval)'
       where task_id = ${taskId}::uuid and status = 'queued'
       returning ${changedColumns}`.execute(tx)
    ).rows,

  deleteFinished: async (tx: Tx, id: string): Promise<boolean> =>
    Number(
      (
        await tx
          .deleteFrom('command_runs')
          .where('id', '=', id)
          .where('status', 'in', ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'])
          .executeTakeFirst()
      ).numDeletedRows,
    ) > 0,

  /** Deletes finished runs within the visibility (optionally of one device); returns how many. */
  async clearFinished(tx: Tx, visibility: Visibility | null, deviceId: string | undefined): Promise<number> {
    let q = tx.deleteFrom('command_runs').where('status', 'in', ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired']);
    if (deviceId) q = q.where('device_id', '=', deviceId);
    if (visibility) {
      const orgs = [...visibility.wholeOrganizationIds, NO_ID];
      const sites = [...visibility.siteIds, NO_ID];
      q = q.where((eb) => eb.or([eb('organization_id', 'in', orgs), eb('site_id', 'in', sites)]));
    }
    return Number((await q.executeTakeFirst()).numDeletedRows);
  },

  // Delivery ------------------------------------------------------------------

  /** What these devices are owed: unfinished runs of tasks that may run, still valid; and pending cancels. */
  owed: (tx: Tx, deviceIds: string[], now: Date): Promise<OwedRun[]> =>
    tx
      .selectFrom('command_runs as r')
      .innerJoin('command_tasks as t', 't.id', 'r.task_id')
      .select([
        'r.id',
        'r.task_id',
        'r.device_id',
        'r.organization_id',
        'r.site_id',
        'r.status',
        'r.nonce',
        'r.key_id',
        'r.payload_hash',
        'r.signature',
        'r.expires_at',
        'r.device_input_encrypted',
        'r.cancel_requested_at',
      ])
      .where('r.device_id', 'in', deviceIds)
      .where('r.status', 'in', ['queued', 'sent', 'running'])
      .where('t.approval', 'in', ['not_required', 'approved'])
      .where((eb) => eb.or([eb('r.cancel_requested_at', 'is not', null), eb('r.expires_at', '>', now.toISOString())]))
      .orderBy('r.created_at')
      .execute() as Promise<OwedRun[]>,

  /** Delivered: queued runs become sent (one statement for the batch). */
  markSent: async (tx: Tx, ids: string[]): Promise<ChangedRun[]> => {
    if (ids.length === 0) return [];
    await lockRuns(tx, ids);
    return (
      await sql<ChangedRun>`update command_runs set status = 'sent', sent_at = now()
         where id = any(${ids}::uuid[]) and status = 'queued'
         returning ${changedColumns}`.execute(tx)
    ).rows;
  },

  /** The agent started these runs (`command.accepted`). */
  markRunning: async (tx: Tx, items: { runId: string; deviceId: string; startedAt: number }[]): Promise<ChangedRun[]> => {
    await lockRuns(
      tx,
      items.map((i) => i.runId),
    );
    return (
      await sql<ChangedRun>`update command_runs r
           set status = 'running',
               started_at = case when v.started_at > 0 then to_timestamp(v.started_at / 1000.0) else now() end,
               sent_at = coalesce(r.sent_at, now())
          from unnest(${items.map((i) => i.runId)}::uuid[], ${items.map((i) => i.deviceId)}::uuid[],
                      ${items.map((i) => i.startedAt)}::float8[]) as v(run_id, device_id, started_at)
         where r.id = v.run_id and r.device_id = v.device_id and r.status in ('queued', 'sent')
         returning r.id, r.task_id, r.device_id, r.organization_id, r.site_id, r.status`.execute(tx)
    ).rows;
  },

  /**
   * Appends live output (one statement for the batch): chunks at or below a
   * run's last stored seq are repeats and dropped; each stream is kept to the
   * run's output cap. Only runs of the device that sends, not yet finished by
   * its result. Returns, per run, the seq stored before (to tell new chunks).
   */
  appendOutput: async (
    tx: Tx,
    chunks: { runId: string; deviceId: string; seq: number; stream: 'stdout' | 'stderr'; data: string }[],
  ): Promise<(ChangedRun & { previous_seq: number })[]> => {
    await lockRuns(
      tx,
      chunks.map((c) => c.runId),
    );
    return (
      await sql<ChangedRun & { previous_seq: number }>`with v as (
          select * from unnest(${chunks.map((c) => c.runId)}::uuid[], ${chunks.map((c) => c.deviceId)}::uuid[],
                               ${chunks.map((c) => c.seq)}::int[], ${chunks.map((c) => c.stream)}::text[],
                               ${chunks.map((c) => c.data)}::text[]) as v(run_id, device_id, seq, stream, data)
        ), fresh as (
          select v.run_id, r.output_seq as previous_seq, max(v.seq) as last_seq,
                 coalesce(string_agg(v.data, '' order by v.seq) filter (where v.stream = 'stdout'), '') as out,
                 coalesce(string_agg(v.data, '' order by v.seq) filter (where v.stream = 'stderr'), '') as err,
                 least(coalesce((t.payload->>'output_cap_bytes')::int, ${DEFAULT_OUTPUT_CAP_BYTES}), ${MAX_OUTPUT_CAP_BYTES}) as cap
            from v join command_runs r on r.id = v.run_id and r.device_id = v.device_id
                   join command_tasks t on t.id = r.task_id
           where v.seq > r.output_seq and r.status in ('queued', 'sent', 'running') and not r.result_acked
           group by v.run_id, r.output_seq, t.payload
        )
        update command_runs r
           set stdout = left(r.stdout || f.out, f.cap),
               stderr = left(r.stderr || f.err, f.cap),
               stdout_truncated = r.stdout_truncated or length(r.stdout) + length(f.out) > f.cap,
               stderr_truncated = r.stderr_truncated or length(r.stderr) + length(f.err) > f.cap,
               output_seq = f.last_seq,
               status = 'running',
               started_at = coalesce(r.started_at, now())
          from fresh f
         -- Checked again on the row as it is now: a result stored meanwhile (by a batch running
         -- alongside this one) is final, and no late chunk may reopen or extend it.
         where r.id = f.run_id and r.output_seq = f.previous_seq
           and r.status in ('queued', 'sent', 'running') and not r.result_acked
         returning r.id, r.task_id, r.device_id, r.organization_id, r.site_id, r.status, f.previous_seq`.execute(tx)
    ).rows;
  },

  /**
   * Stores final results (one statement for the batch). A run's result is
   * stored once: a repeat finds it acknowledged and changes nothing. It
   * overwrites a final state the server gave on its own (expired, no result
   * from the agent, cancelled before delivery): the agent's is the true one.
   */
  storeResults: async (
    tx: Tx,
    results: {
      runId: string;
      deviceId: string;
      status: RunOutcome;
      exitCode: number | null;
      stdout: string;
      stderr: string;
      stdoutTruncated: boolean;
      stderrTruncated: boolean;
      startedAt: number;
      finishedAt: number;
      error: string | null;
    }[],
  ): Promise<ChangedRun[]> => {
    const col = <T>(pick: (r: (typeof results)[number]) => T) => results.map(pick);
    await lockRuns(
      tx,
      results.map((r) => r.runId),
    );
    return (
      await sql<ChangedRun>`update command_runs r
           set status = v.status::run_status, exit_code = v.exit_code, stdout = v.stdout, stderr = v.stderr,
               stdout_truncated = v.stdout_truncated, stderr_truncated = v.stderr_truncated,
               started_at = case when v.started_at > 0 then to_timestamp(v.started_at / 1000.0) else coalesce(r.started_at, now()) end,
               finished_at = case when v.finished_at > 0 then to_timestamp(v.finished_at / 1000.0) else now() end,
               error = v.error, result_acked = true
          from unnest(${col((r) => r.runId)}::uuid[], ${col((r) => r.deviceId)}::uuid[], ${col((r) => r.status)}::text[],
                      ${col((r) => r.exitCode)}::int[], ${col((r) => r.stdout)}::text[], ${col((r) => r.stderr)}::text[],
                      ${col((r) => r.stdoutTruncated)}::bool[], ${col((r) => r.stderrTruncated)}::bool[],
                      ${col((r) => r.startedAt)}::float8[], ${col((r) => r.finishedAt)}::float8[], ${col((r) => r.error)}::text[])
            as v(run_id, device_id, status, exit_code, stdout, stderr, stdout_truncated, stderr_truncated, started_at,
                 finished_at, error)
         where r.id = v.run_id and r.device_id = v.device_id and not r.result_acked
         returning r.id, r.task_id, r.device_id, r.organization_id, r.site_id, r.status`.execute(tx)
    ).rows;
  },

  /** The agent refused the run without running it (security.md 26). */
  refuse: async (tx: Tx, runId: string, deviceId: string, error: string): Promise<ChangedRun | undefined> =>
    (
      await sql<ChangedRun>`update command_runs set status = 'failed', error = ${error}, finished_at = now()
         where id = ${runId}::uuid and device_id = ${deviceId}::uuid and status in ('queued', 'sent', 'running')
         returning ${changedColumns}`.execute(tx)
    ).rows[0],

  // Watchdog ------------------------------------------------------------------

  /** Queued or sent runs past their expiry and its grace: they are never delivered now. */
  expire: async (tx: Tx, now: Date, graceSeconds: number): Promise<ChangedRun[]> =>
    (
      await sql<ChangedRun>`update command_runs
           set status = 'expired', finished_at = ${now.toISOString()}::timestamptz,
               error = 'the device did not pick it up before it expired'
         where status in ('queued', 'sent')
           and expires_at + make_interval(secs => ${graceSeconds}) < ${now.toISOString()}::timestamptz
         returning ${changedColumns}`.execute(tx)
    ).rows,

  /** Running runs silent past their timeout and a grace: failed, until a late result says otherwise. */
  failSilent: async (tx: Tx, now: Date, graceSeconds: number): Promise<ChangedRun[]> =>
    (
      await sql<ChangedRun>`update command_runs r
           set status = 'failed', finished_at = ${now.toISOString()}::timestamptz, error = 'no result from the agent'
          from command_tasks t
         where t.id = r.task_id and r.status = 'running'
           and coalesce(r.started_at, r.sent_at, r.created_at)
               + make_interval(secs => coalesce((t.payload->>'timeout_seconds')::int, 0) + ${graceSeconds})
               < ${now.toISOString()}::timestamptz
         returning r.id, r.task_id, r.device_id, r.organization_id, r.site_id, r.status`.execute(tx)
    ).rows,
};
