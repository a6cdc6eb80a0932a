import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { paginate, type Page } from '../../platform/http/pagination.js';
import type { Schedule, ScheduleQuery } from './schedules.schemas.js';

/** All SQL of schedules. RLS keeps each partner to its own; the firing finds due ones across partners. */

const columns = [
  'id',
  'name',
  'description',
  'enabled',
  'cron',
  'timezone',
  'action',
  'target',
  'expiry_hours',
  'next_run_at',
  'last_run_at',
  'last_task_id',
  'created_by',
  'updated_by',
  'approval',
  'approval_at',
  'version',
  'created_at',
  'updated_at',
] as const;

/** Who approved the schedule's fan-out, by name (a deleted user: CloudRMM staff, as for tasks). */
const approvalByName = sql<string | null>`case when command_schedules.approval_at is null then null
  else coalesce((select u.name from users u where u.id = command_schedules.approval_by), 'CloudRMM staff') end`.as(
  'approval_by_name',
);

export type ScheduleRow = Schedule;

/** A schedule as the firing needs it, secrets still sealed. */
export interface DueSchedule extends ScheduleRow {
  tenant_id: string;
  action_secrets: string | null;
  approval_by: string | null;
  approval_script_version: number | null;
}

/** A schedule's approval: none needed, waiting for one, or given (by whom, of which script version). */
export interface ApprovalValues {
  approval: 'not_required' | 'pending' | 'approved';
  approval_by: string | null;
  approval_at: string | null;
  approval_script_version: number | null;
}

export interface ScheduleValues {
  name: string;
  description: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  action: Record<string, unknown>;
  action_secrets: string | null;
  target: { type: string; ids: string[] };
  expiry_hours: number | null;
  updated_by: string | null;
  /** Set only when the timing changed: left out, a firing that happens meanwhile keeps its own. */
  next_run_at?: string | null;
}

const json = (v: unknown) => JSON.stringify(v);

export const schedulesRepo = {
  list(tx: Tx, query: ScheduleQuery): Promise<Page<ScheduleRow>> {
    let q = tx.selectFrom('command_schedules').select(columns).select(approvalByName);
    if (query.enabled !== undefined) q = q.where('enabled', '=', query.enabled);
    return paginate(q, 'command_schedules', query) as unknown as Promise<Page<ScheduleRow>>;
  },

  get: (tx: Tx, id: string) =>
    tx
      .selectFrom('command_schedules')
      .select(columns)
      .select(approvalByName)
      .select(['action_secrets', 'approval_by'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst() as Promise<(ScheduleRow & { action_secrets: string | null; approval_by: string | null }) | undefined>,

  nameTaken: async (tx: Tx, name: string, exceptId: string | null) =>
    (await tx
      .selectFrom('command_schedules')
      .select('id')
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .where('deleted_at', 'is', null)
      .$if(exceptId !== null, (q) => q.where('id', '<>', exceptId!))
      .executeTakeFirst()) !== undefined,

  insert: (tx: Tx, id: string, tenantId: string, createdBy: string | null, v: ScheduleValues, approval: ApprovalValues) =>
    tx
      .insertInto('command_schedules')
      .values({
        id,
        tenant_id: tenantId,
        created_by: createdBy,
        ...v,
        ...approval,
        action: json(v.action),
        target: json(v.target),
      })
      .returning(columns)
      .returning(approvalByName)
      .executeTakeFirstOrThrow() as Promise<ScheduleRow>,

  /** A write of the version the caller read; an approval given (left out: kept) too. Undefined when stale. */
  update: (tx: Tx, id: string, version: number, v: ScheduleValues, approval: ApprovalValues | null) =>
    tx
      .updateTable('command_schedules')
      .set({ ...v, ...(approval ?? {}), action: json(v.action), target: json(v.target), version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning(columns)
      .returning(approvalByName)
      .executeTakeFirst() as Promise<ScheduleRow | undefined>,

  /** The fan-out approval given, for the version the approver read; undefined when stale. */
  approve: (tx: Tx, id: string, version: number, approval: ApprovalValues) =>
    tx
      .updateTable('command_schedules')
      .set({ ...approval, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning(columns)
      .returning(approvalByName)
      .executeTakeFirst() as Promise<ScheduleRow | undefined>,

  /** Platform context, while the firing holds the row: what a firing learnt of the approval it needs. */
  setApproval: (tx: Tx, id: string, approval: ApprovalValues) =>
    tx.updateTable('command_schedules').set(approval).where('id', '=', id).execute(),

  softDelete: (tx: Tx, id: string) =>
    tx
      .updateTable('command_schedules')
      .set({ deleted_at: sql`now()`, enabled: false, next_run_at: null, version: sql`version + 1` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute(),

  /** A manual run: when and which task, the next firing unchanged. */
  ran: (tx: Tx, id: string, at: Date, taskId: string) =>
    tx
      .updateTable('command_schedules')
      .set({ last_run_at: at.toISOString(), last_task_id: taskId })
      .where('id', '=', id)
      .execute(),

  /**
   * Platform context: the most overdue enabled schedule of any partner, locked
   * so that no other worker fires it meanwhile (workers skip what another
   * holds). FOR NO KEY UPDATE, so the task that references it can be written
   * in another transaction while the lock is held.
   */
  claimDue: (tx: Tx, now: Date) =>
    tx
      .selectFrom('command_schedules')
      .select(columns)
      .select(approvalByName)
      .select(['tenant_id', 'action_secrets', 'approval_by', 'approval_script_version'])
      .where('enabled', '=', true)
      .where('deleted_at', 'is', null)
      .where('next_run_at', '<=', now.toISOString())
      // A deleted or suspended partner's schedules wait (and fire once if it comes back).
      .where(
        sql<boolean>`exists (select 1 from partners p
        where p.id = command_schedules.tenant_id and p.deleted_at is null and p.status = 'active')`,
      )
      .orderBy('next_run_at')
      .orderBy('id')
      .limit(1)
      .forNoKeyUpdate()
      .skipLocked()
      .executeTakeFirst() as Promise<DueSchedule | undefined>,

  /** After a firing: when it fired, its task (if one was made) and the next occurrence. */
  fired: (tx: Tx, id: string, at: Date, taskId: string | null, next: Date | null) =>
    tx
      .updateTable('command_schedules')
      .set({
        last_run_at: at.toISOString(),
        next_run_at: next ? next.toISOString() : null,
        ...(taskId ? { last_task_id: taskId } : {}),
      })
      .where('id', '=', id)
      .execute(),
};
