import { randomUUID } from 'node:crypto';
import cronParser from 'cron-parser';
import { audit, type Actor } from '../../platform/audit/audit.js';
import { visibleWithin, type Principal } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { checkParameters, CommandsService, fanOutThreshold, type CreateTask, type ScheduleApproval } from '../commands/index.js';
import { resolveDeviceTargets } from '../devices/index.js';
import { scriptForRun } from '../scripts/index.js';
import {
  schedulesRepo,
  type ApprovalValues,
  type DueSchedule,
  type ScheduleRow,
  type ScheduleValues,
} from './schedules.repository.js';
import type {
  ApproveSchedule,
  CreateSchedule,
  Schedule,
  ScheduleAction,
  ScheduleQuery,
  UpdateSchedule,
} from './schedules.schemas.js';

/** What the schedules need of the commands module: making a task. */
export type TaskMaker = Pick<CommandsService, 'createTask'>;

type ParameterValue = string | number | boolean | null;
type Secrets = Record<string, ParameterValue>;

/** The most schedules one pass of the firing handles; the next minute takes the rest. */
const MAX_FIRINGS_PER_PASS = 1_000;

const invalid = (message: string, field: string) => new AppError('validation_failed', message, { field });

// Timing ----------------------------------------------------------------------

/** The canonical name of an IANA time zone, or null when there is no such zone. */
export function canonicalTimeZone(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The cron expression in its stored form (five fields, single spaces); 400 when it is not one. */
export function normalCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw invalid('cron needs five fields: minute hour day-of-month month day-of-week (e.g. "0 9 * * 1-5")', 'cron');
  }
  const normal = fields.join(' ');
  try {
    cronParser.parseExpression(normal, { tz: 'UTC' }).next();
  } catch (error) {
    throw invalid(`cron is not valid: ${(error as Error).message}`, 'cron');
  }
  return normal;
}

/** The first occurrence strictly after `after`, in the schedule's time zone; null when there is none. */
export function nextOccurrence(cron: string, timezone: string, after: Date): Date | null {
  try {
    return cronParser.parseExpression(cron, { currentDate: after, tz: timezone }).next().toDate();
  } catch {
    return null;
  }
}

// The firing ------------------------------------------------------------------

/**
 * Fires every due schedule of every partner (AUT3), as of `now`. Each due
 * schedule makes ONE task however many of its occurrences passed while nothing
 * ran (a missed firing runs once on start, not many times), then moves on to
 * its first occurrence after `now`. A schedule is locked while it fires and
 * other workers skip it, so two never fire the same one; and the task carries
 * the occurrence as its idempotency key, so a firing retried after a worker
 * died between making the task and moving the schedule on finds that task
 * instead of making a second one. Listed devices deleted since are left out.
 * A firing that fails (no device left, the kill switch is on, the script was
 * deleted) is audited and the schedule waits for its next occurrence; so does
 * one above the fan-out threshold whose schedule is not approved (`waiting`).
 */
export async function fireDueSchedules(
  ctx: ModuleContext,
  now: Date = new Date(),
  commands: TaskMaker = new CommandsService(ctx),
): Promise<{ fired: number; failed: number; waiting: number }> {
  const counts = { fired: 0, failed: 0, waiting: 0 };
  for (let i = 0; i < MAX_FIRINGS_PER_PASS; i++) {
    const outcome = await ctx.db.withPlatform(async (tx) => {
      const due = await schedulesRepo.claimDue(tx, now);
      if (!due) return null;
      const dueAt = new Date(due.next_run_at!).toISOString();
      const next = nextOccurrence(due.cron, due.timezone, now);
      let task: Awaited<ReturnType<TaskMaker['createTask']>> | null = null;
      let error: AppError | null = null;
      try {
        task = await commands.createTask(
          due.tenant_id,
          taskInput(ctx, due, due.action_secrets),
          { principal: null, actor: scheduleActor(due) },
          {
            reason: 'schedule',
            scheduleId: due.id,
            idempotencyKey: `schedule:${due.id}:${dueAt}`,
            firing: { approval: approvalOf(due) },
          },
        );
      } catch (e) {
        error = e instanceof AppError ? e : new AppError('internal_error', 'internal error');
        if (!(e instanceof AppError)) ctx.log.error({ err: e, scheduleId: due.id }, 'a schedule could not make its task');
      }
      const waiting = error?.code === 'approval_required';
      // What the firing learnt of the approval: needed and not (or no longer) given; or no longer needed.
      if (waiting && due.approval !== 'pending') await schedulesRepo.setApproval(tx, due.id, PENDING);
      if (task?.approval === 'not_required' && due.approval === 'pending') {
        await schedulesRepo.setApproval(tx, due.id, { ...PENDING, approval: 'not_required' });
      }
      const listed = due.target.type === 'devices' ? due.target.ids.length : null;
      await ctx.db.withTenant(due.tenant_id, (t) =>
        audit(t, due.tenant_id, scheduleActor(due), {
          action: task ? 'schedule.fire' : waiting ? 'schedule.fire_waiting' : 'schedule.fire_failed',
          targetType: 'schedule',
          targetId: due.id,
          after: {
            due_at: dueAt,
            task_id: task?.id ?? null,
            error: error ? `${error.code}: ${error.message}` : null,
            ...(task ? { devices: task.target_count } : {}),
            ...(task && listed !== null && task.target_count < listed
              ? { skipped_devices: listed - task.target_count, skipped_reason: 'deleted or revoked since' }
              : {}),
            next_run_at: next?.toISOString() ?? null,
          },
        }),
      );
      await schedulesRepo.fired(tx, due.id, now, task?.id ?? null, next);
      return task ? 'fired' : waiting ? 'waiting' : 'failed';
    });
    if (outcome === null) break;
    counts[outcome]++;
  }
  return counts;
}

const PENDING: ApprovalValues = { approval: 'pending', approval_by: null, approval_at: null, approval_script_version: null };

/** The approval a firing runs on, when the schedule has one. */
function approvalOf(s: DueSchedule): ScheduleApproval | null {
  return s.approval === 'approved' && s.approval_at
    ? { by: s.approval_by, at: s.approval_at, scriptVersion: s.approval_script_version }
    : null;
}

/** A firing is the schedule's doing: the system, named after it. */
function scheduleActor(s: { name: string }): Actor {
  return { type: 'system', id: null, label: `schedule ${s.name}` };
}

const secretContext = (scheduleId: string) => `schedule-action:${scheduleId}`;

/** The task a schedule makes: its action with the secret values put back, its target and expiry. */
function taskInput(ctx: ModuleContext, s: ScheduleRow, sealed: string | null): CreateTask {
  const action = s.action as ScheduleAction;
  const secrets = openSecrets(ctx, s.id, sealed);
  const parameters = action.parameters ? { ...action.parameters, ...secrets } : undefined;
  return {
    ...action,
    ...(parameters ? { parameters } : {}),
    target: s.target,
    ...(s.expiry_hours !== null ? { expiry_hours: s.expiry_hours } : {}),
  };
}

function openSecrets(ctx: ModuleContext, scheduleId: string, sealed: string | null): Secrets {
  return sealed ? (JSON.parse(ctx.secrets.decrypt(sealed, secretContext(scheduleId))) as Secrets) : {};
}

// The API ---------------------------------------------------------------------

/**
 * Schedules (AUT3): a cron expression in a time zone, an action and a target.
 * They belong to the whole partner: reading needs commands.view and writing
 * commands.run for the whole partner, since a firing reaches every device its
 * target names.
 */
export class SchedulesService {
  constructor(
    private readonly ctx: ModuleContext,
    private readonly commands: TaskMaker,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  list(partnerId: string, principal: Principal, query: ScheduleQuery) {
    partnerWide(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, (tx) => schedulesRepo.list(tx, query));
  }

  get(partnerId: string, scheduleId: string, principal: Principal): Promise<Schedule> {
    partnerWide(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, async (tx) => strip(await find(tx, scheduleId)));
  }

  create(partnerId: string, principal: Principal, input: CreateSchedule, actor: Actor): Promise<Schedule> {
    partnerWide(principal, partnerId, 'commands.run');
    const id = randomUUID();
    const now = this.clock();
    const timing = checkTiming(input.cron, input.timezone ?? 'UTC');
    const enabled = input.enabled ?? true;
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const name = input.name.trim();
      if (await schedulesRepo.nameTaken(tx, name, null)) throw nameTaken();
      const action = await checkAction(tx, input.action, null);
      await checkTarget(tx, input.target);
      const created = await schedulesRepo.insert(
        tx,
        id,
        partnerId,
        userOf(actor),
        {
          name,
          description: input.description ?? '',
          enabled,
          ...timing,
          action: action.shown,
          action_secrets: this.seal(id, action.secrets),
          target: input.target,
          expiry_hours: input.expiry_hours ?? null,
          updated_by: principal.userId,
          next_run_at: enabled ? (nextOccurrence(timing.cron, timing.timezone, now)?.toISOString() ?? null) : null,
        },
        await approvalNeeded(tx, input.target),
      );
      await audit(tx, partnerId, actor, {
        action: 'schedule.create',
        targetType: 'schedule',
        targetId: id,
        after: described(created),
      });
      return created;
    });
  }

  update(partnerId: string, scheduleId: string, principal: Principal, input: UpdateSchedule, actor: Actor): Promise<Schedule> {
    partnerWide(principal, partnerId, 'commands.run');
    const now = this.clock();
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await find(tx, scheduleId);
      const name = input.name?.trim() ?? before.name;
      if (name.toLowerCase() !== before.name.toLowerCase() && (await schedulesRepo.nameTaken(tx, name, scheduleId))) {
        throw nameTaken();
      }
      const timing = checkTiming(input.cron ?? before.cron, input.timezone ?? before.timezone);
      const enabled = input.enabled ?? before.enabled;
      const retimed = timing.cron !== before.cron || timing.timezone !== before.timezone || enabled !== before.enabled;
      let shown = before.action;
      let sealed = before.action_secrets;
      let reapprove = false;
      if (input.action) {
        const secrets = openSecrets(this.ctx, scheduleId, sealed);
        const kept = { scriptId: (before.action as ScheduleAction).script_id, secrets };
        const action = await checkAction(tx, input.action, kept);
        reapprove ||= !sameJson(action.shown, before.action) || !sameJson(action.secrets, secrets);
        shown = action.shown;
        sealed = reapprove ? this.seal(scheduleId, action.secrets) : sealed;
      }
      if (input.target) {
        await checkTarget(tx, input.target);
        reapprove ||= !sameJson(input.target, before.target);
      }
      const values: ScheduleValues = {
        name,
        description: input.description ?? before.description,
        enabled,
        ...timing,
        action: shown,
        action_secrets: sealed,
        target: input.target ?? before.target,
        expiry_hours: input.expiry_hours === undefined ? before.expiry_hours : input.expiry_hours,
        updated_by: principal.userId,
        ...(retimed
          ? { next_run_at: enabled ? (nextOccurrence(timing.cron, timing.timezone, now)?.toISOString() ?? null) : null }
          : {}),
      };
      // Another action or target is another thing to approve: an approval given before is void.
      const approval = reapprove ? await approvalNeeded(tx, input.target ?? before.target) : null;
      const after = await schedulesRepo.update(tx, scheduleId, input.version, values, approval);
      if (!after) throw staleVersion('the schedule');
      await audit(tx, partnerId, actor, {
        action: 'schedule.update',
        targetType: 'schedule',
        targetId: scheduleId,
        before: described(before),
        after: described(after),
      });
      return after;
    });
  }

  delete(partnerId: string, scheduleId: string, principal: Principal, actor: Actor): Promise<void> {
    partnerWide(principal, partnerId, 'commands.run');
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await find(tx, scheduleId);
      await schedulesRepo.softDelete(tx, scheduleId);
      await audit(tx, partnerId, actor, {
        action: 'schedule.delete',
        targetType: 'schedule',
        targetId: scheduleId,
        before: described(before),
      });
    });
  }

  /**
   * The fan-out approval of a schedule (security.md 28), given once by a
   * second person with commands.approve partner-wide: not its creator, not its
   * last editor. Its firings then run without waiting, until its action or
   * target is edited or its script gets a new version.
   */
  approve(partnerId: string, scheduleId: string, principal: Principal, input: ApproveSchedule, actor: Actor): Promise<Schedule> {
    partnerWide(principal, partnerId, 'commands.approve');
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await find(tx, scheduleId);
      if (before.version !== input.version) throw staleVersion('the schedule');
      if (before.approval === 'approved') throw new AppError('conflict', 'the schedule is approved already');
      if (principal.userId === before.created_by || principal.userId === before.updated_by) {
        throw new AppError('own_schedule', 'someone else must approve a schedule you created or last changed');
      }
      const action = before.action as ScheduleAction;
      let scriptVersion: number | null = null;
      if (action.kind === 'script') {
        const script = action.script_id ? await scriptForRun(tx, action.script_id) : undefined;
        if (!script) throw new AppError('conflict', 'the schedule’s script no longer exists');
        scriptVersion = script.version;
      }
      const devices = (await resolveDeviceTargets(tx, null, before.target)).length;
      const after = await schedulesRepo.approve(tx, scheduleId, input.version, {
        approval: 'approved',
        approval_by: principal.userId,
        approval_at: this.clock().toISOString(),
        approval_script_version: scriptVersion,
      });
      if (!after) throw staleVersion('the schedule');
      await audit(tx, partnerId, actor, {
        action: 'schedule.approve',
        targetType: 'schedule',
        targetId: scheduleId,
        before: { approval: before.approval },
        after: { ...described(after), devices, script_version: scriptVersion },
      });
      return after;
    });
  }

  /**
   * Runs the schedule's action now, as the caller; the next firing stays as it
   * was. A person's run: above the fan-out threshold it waits for a second
   * person like any task, whether or not the schedule is approved.
   */
  async runNow(partnerId: string, scheduleId: string, principal: Principal, actor: Actor) {
    partnerWide(principal, partnerId, 'commands.run');
    const s = await this.ctx.db.withTenant(partnerId, (tx) => find(tx, scheduleId));
    const task = await this.commands.createTask(
      partnerId,
      taskInput(this.ctx, s, s.action_secrets),
      { principal, actor },
      { reason: 'schedule', scheduleId },
    );
    await this.ctx.db.withTenant(partnerId, async (tx) => {
      await schedulesRepo.ran(tx, scheduleId, this.clock(), task.id);
      await audit(tx, partnerId, actor, {
        action: 'schedule.run',
        targetType: 'schedule',
        targetId: scheduleId,
        after: { name: s.name, task_id: task.id },
      });
    });
    return task;
  }

  private seal(scheduleId: string, secrets: Secrets): string | null {
    return Object.keys(secrets).length > 0 ? this.ctx.secrets.encrypt(JSON.stringify(secrets), secretContext(scheduleId)) : null;
  }
}

// Checks ----------------------------------------------------------------------

/** Schedules act on the whole partner: the permission must hold partner-wide. */
function partnerWide(principal: Principal, partnerId: string, permission: string): void {
  const holding = { ...principal, grants: principal.grants.filter((g) => g.permissions.has(permission)) };
  if (visibleWithin(holding, partnerId) !== null) {
    throw new AppError('forbidden', `schedules belong to the whole partner: you need the ${permission} permission partner-wide`);
  }
}

function checkTiming(cron: string, timezone: string): { cron: string; timezone: string } {
  const zone = canonicalTimeZone(timezone);
  if (!zone) throw invalid(`"${timezone}" is not a time zone (use an IANA name such as Europe/Paris)`, 'timezone');
  const normal = normalCron(cron);
  if (!nextOccurrence(normal, zone, new Date())) throw invalid('cron never fires', 'cron');
  return { cron: normal, timezone: zone };
}

/**
 * Checks an action as a task would be checked (kind, script, typed parameters)
 * and separates the secret parameter values, which are stored sealed. A secret
 * left empty keeps the value stored before, when the script is the same.
 */
async function checkAction(
  tx: Tx,
  action: ScheduleAction,
  kept: { scriptId: string | undefined; secrets: Secrets } | null,
): Promise<{ shown: Record<string, unknown>; secrets: Secrets }> {
  const given = action.parameters ?? {};
  if (action.kind !== 'script') {
    if (action.script_id) throw invalid('script_id is only for running a script', 'action.script_id');
    if (Object.keys(given).length > 0) throw invalid(`a ${action.kind} action takes no parameters`, 'action.parameters');
    if (action.kind === 'shell' && !action.command?.trim())
      throw invalid('command is required for a shell command', 'action.command');
    if (action.kind === 'process_kill' && action.pid === undefined)
      throw invalid('pid is required to kill a process', 'action.pid');
    const { parameters: _none, ...rest } = action;
    return { shown: rest, secrets: {} };
  }
  if (!action.script_id) throw invalid('script_id is required to run a script', 'action.script_id');
  const script = await scriptForRun(tx, action.script_id);
  if (!script) throw invalid('no such script', 'action.script_id');
  // A secret left empty on an edit keeps the value stored for the same script.
  const values: Record<string, ParameterValue> = { ...given };
  for (const def of script.parameters) {
    const v = values[def.name];
    if (def.type === 'secret' && (v === undefined || v === '' || v === null) && kept?.scriptId === script.id) {
      const stored = kept.secrets[def.name];
      if (stored !== undefined && stored !== null) values[def.name] = stored;
    }
  }
  // The same checks a task's parameters get when it is created (the schedule's task will get them again).
  try {
    checkParameters(script.parameters, values);
  } catch (error) {
    if (error instanceof AppError && error.extra.field) {
      throw invalid(error.message, `action.${error.extra.field}`);
    }
    throw error;
  }
  const shown: Record<string, ParameterValue> = {};
  const secrets: Secrets = {};
  for (const def of script.parameters) {
    const value = values[def.name];
    if (value === undefined || value === '' || value === null) continue;
    if (def.type === 'secret') {
      secrets[def.name] = value;
      shown[def.name] = null;
    } else shown[def.name] = value;
  }
  return { shown: { ...action, parameters: shown }, secrets };
}

/** The target's shape for its type; a saved filter must exist. */
async function checkTarget(tx: Tx, target: CreateTask['target']): Promise<void> {
  if (target.type === 'partner') {
    if (target.ids.length > 0) throw invalid('a partner target takes no ids', 'target.ids');
    return;
  }
  if (target.type === 'filter') {
    if (target.ids.length !== 1) throw invalid('a filter target names exactly one saved filter', 'target.ids');
    try {
      await resolveDeviceTargets(tx, null, target);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') throw invalid('no such saved device filter', 'target.ids');
      throw error;
    }
    return;
  }
  if (target.ids.length === 0) throw invalid(`name at least one of the ${target.type}`, 'target.ids');
}

/** A new or changed target's approval: needed when it holds more devices than the partner's fan-out threshold. */
async function approvalNeeded(tx: Tx, target: CreateTask['target']): Promise<ApprovalValues> {
  const threshold = await fanOutThreshold(tx);
  const devices = (await resolveDeviceTargets(tx, null, target)).length;
  return {
    approval: devices > threshold ? 'pending' : 'not_required',
    approval_by: null,
    approval_at: null,
    approval_script_version: null,
  };
}

/** Equal as JSON values, whatever the order of their keys. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

async function find(tx: Tx, scheduleId: string) {
  return (await schedulesRepo.get(tx, scheduleId)) ?? throwNotFound();
}

function throwNotFound(): never {
  throw notFound('schedule');
}

const nameTaken = () => new AppError('conflict', 'a schedule with this name exists already', { field: 'name' });

/** The row without its sealed secrets. */
function strip(row: ScheduleRow & { action_secrets?: string | null; approval_by?: string | null }): Schedule {
  const { action_secrets: _sealed, approval_by: _by, ...rest } = row;
  return rest;
}

/** What the audit log keeps of a schedule: never the sealed secrets. */
function described(row: ScheduleRow & { action_secrets?: string | null }) {
  const { name, enabled, cron, timezone, action, target, expiry_hours, next_run_at, approval } = strip(row);
  return { name, enabled, cron, timezone, action, target, expiry_hours, next_run_at, approval };
}

function userOf(actor: Actor): string | null {
  return actor.type === 'user' || actor.type === 'api_key' ? actor.id : null;
}

export type { DueSchedule };
