import { randomBytes, randomUUID } from 'node:crypto';
import { contentHash } from '@cloudrmm/protocol';
import { audit, type Actor } from '../../platform/audit/audit.js';
import { visibleWithin, type Principal, type Visibility } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { commandKeyOf, type CommandKey } from '../../platform/signing/index.js';
import { variablesFor } from '../custom-fields/index.js';
import { resolveDeviceTargets } from '../devices/index.js';
import { scriptForRun } from '../scripts/index.js';
import { buildTask, payloadOf, type DeviceInput, type SharedPayload, type TargetDevice } from './commands.build.js';
import { announce } from './commands.events.js';
import {
  DEFAULT_SETTINGS,
  runsRepo,
  settingsRepo,
  tasksRepo,
  type ChangedRun,
  type NewRun,
  type SettingsRow,
  type TaskRow,
} from './commands.repository.js';
import type {
  ClearRuns,
  CommandSettings,
  CreateTask,
  Run,
  RunQuery,
  Target,
  Task,
  TaskQuery,
  UpdateCommandSettings,
} from './commands.schemas.js';

/** Who asks for a task: a person (with their grants) or, for schedules, nobody but the system actor. */
export interface Requester {
  principal: Principal | null;
  actor: Actor;
}

export interface CreateOptions {
  reason: 'manual' | 'bulk' | 'schedule';
  scheduleId?: string;
  idempotencyKey?: string;
  /**
   * A schedule's own firing (not a person's run-now): above the fan-out
   * threshold, the schedule's approval stands in for the task's, and without
   * one no task is made (409 approval_required).
   */
  firing?: { approval: ScheduleApproval | null };
}

/** A schedule's fan-out approval (security.md 28): who, when, and of which script version. */
export interface ScheduleApproval {
  by: string | null;
  at: string;
  scriptVersion: number | null;
}

/** Cancels of sent and running runs go out in bus events of at most this many. */
const CANCEL_EVENT_CHUNK = 1_000;

/** What a new task is made of, before its runs. */
interface TaskSpec {
  kind: Task['kind'];
  title: string;
  scriptId: string | null;
  scriptVersion: number | null;
  shownParameters: Record<string, unknown>;
  target: Target;
  shared: SharedPayload;
  expiryHours?: number;
  /** Listed devices a schedule's task left out: deleted or revoked since. */
  skippedDeviceIds?: string[];
}

/**
 * Tasks and runs (AUT4, AUT5, DEV8; security.md 26, 28): one task per thing
 * to run, one signed run per target device, all written before anything is
 * delivered. Large fan-outs wait for a second person; the kill switch stops
 * everything of the partner.
 */
export class CommandsService {
  constructor(private readonly ctx: ModuleContext) {}

  // Tasks -------------------------------------------------------------------

  /**
   * Creates a task and its runs: targets resolved within the requester's
   * commands.run scope (listed devices outside it: 404), parameters checked
   * and filled in per device, each run signed and its inputs encrypted, all
   * rows written in a few statements. Delivered after the commit, unless it
   * waits for approval.
   */
  async createTask(partnerId: string, input: CreateTask, who: Requester, opts: CreateOptions): Promise<Task> {
    const key = await commandKeyOf(this.ctx);
    const visibility = who.principal ? this.visibility(who.principal, partnerId, 'commands.run') : null;
    const made = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const settings = await this.openSettings(tx, partnerId);
      const earlier = await this.earlier(tx, who, opts);
      if (earlier) return { taskId: earlier, fresh: null };
      const devices = await resolveDeviceTargets(tx, visibility, input.target);
      // A person naming a device that is not there gets a 404; a schedule runs on those still there.
      let skipped: string[] = [];
      if (input.target.type === 'devices' && devices.length < input.target.ids.length) {
        if (opts.reason !== 'schedule') throw notFound('device');
        const found = new Set(devices.map((d) => d.id));
        skipped = input.target.ids.filter((id) => !found.has(id));
      }
      if (devices.length === 0) {
        throw new AppError(
          'no_targets',
          skipped.length > 0
            ? `none of the ${skipped.length} listed devices is still there (deleted or revoked)`
            : 'the target holds no device you may run commands on',
        );
      }
      let script = null;
      if (input.kind === 'script') {
        if (!input.script_id)
          throw new AppError('validation_failed', 'script_id is required to run a script', { field: 'script_id' });
        script = (await scriptForRun(tx, input.script_id)) ?? null;
        if (!script) throw notFound('script');
      }
      const built = buildTask(input, script, partnerId);
      const custom = built.inputFor ? await variablesFor(tx, partnerId, devices) : new Map<string, Record<string, string>>();
      const inputFor = built.inputFor;
      return this.insert(
        tx,
        partnerId,
        key,
        settings,
        who,
        opts,
        {
          kind: input.kind,
          title: built.title,
          scriptId: built.scriptId,
          scriptVersion: built.scriptVersion,
          shownParameters: built.shownParameters,
          target: input.target,
          shared: built.shared,
          expiryHours: input.expiry_hours,
          skippedDeviceIds: skipped,
        },
        devices,
        inputFor ? (d) => inputFor(d, custom.get(d.id) ?? {}) : () => null,
      );
    });
    return this.afterCreate(partnerId, made);
  }

  /** A new task doing what an earlier one did, on the same devices (or on one run's device). */
  async rerun(partnerId: string, from: { taskId?: string; runId?: string }, who: Requester, opts: CreateOptions): Promise<Task> {
    const key = await commandKeyOf(this.ctx);
    const visibility = who.principal ? this.visibility(who.principal, partnerId, 'commands.run') : null;
    const made = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const settings = await this.openSettings(tx, partnerId);
      const earlier = await this.earlier(tx, who, opts);
      if (earlier) return { taskId: earlier, fresh: null };
      let taskId = from.taskId;
      let runs;
      if (from.runId) {
        const run = (await runsRepo.scopes(tx, [from.runId]))[0];
        if (!run || !visible(visibility, run)) throw notFound('run');
        taskId = run.task_id;
        runs = [run];
      } else {
        runs = await runsRepo.scopesOfTask(tx, taskId!);
        if (!runs.some((r) => visible(visibility, r))) throw notFound('task');
        if (runs.some((r) => !visible(visibility, r))) throw notOnEvery('commands.run');
      }
      const task = await tasksRepo.get(tx, taskId!);
      if (!task) throw notFound('task');
      // The same inputs as before (secret values included, which are kept only encrypted), on the devices as they are now.
      const inputs = await this.inputsOf(
        tx,
        runs.map((r) => r.id),
      );
      const byDevice = new Map(runs.map((r) => [r.device_id, inputs.get(r.id) ?? null]));
      const devices = await resolveDeviceTargets(tx, visibility, { type: 'devices', ids: [...byDevice.keys()] });
      if (devices.length === 0) throw new AppError('no_targets', 'none of its devices is still there');
      return this.insert(
        tx,
        partnerId,
        key,
        settings,
        who,
        opts,
        {
          kind: task.kind,
          title: task.title,
          scriptId: task.script_id,
          scriptVersion: task.script_version,
          shownParameters: task.parameters as Record<string, unknown>,
          target: { type: 'devices', ids: devices.map((d) => d.id) },
          shared: task.payload as unknown as SharedPayload,
        },
        devices,
        (d) => byDevice.get(d.id) ?? null,
      );
    });
    return this.afterCreate(partnerId, made);
  }

  listTasks(partnerId: string, principal: Principal, query: TaskQuery): Promise<Page<Task>> {
    const visibility = this.visibility(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      // A scoped user sees the tasks with a run where they may look (filtered in the query, so pages stay full).
      const page = await tasksRepo.list(tx, query, visibility);
      return { ...page, items: page.items.map(present) };
    });
  }

  getTask(partnerId: string, taskId: string, principal: Principal): Promise<Task> {
    const visibility = this.visibility(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, async (tx) => present(await this.findTask(tx, taskId, visibility)));
  }

  /** A second person (never the creator) lets a large fan-out run (security.md 28). */
  async decide(partnerId: string, taskId: string, principal: Principal, actor: Actor, approve: boolean): Promise<Task> {
    const visibility = this.visibility(principal, partnerId, 'commands.approve');
    const changed = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const settings = await settingsRepo.lock(tx, partnerId);
      const task = await this.findTask(tx, taskId, visibility);
      await requireAll(tx, visibility, taskId, 'commands.approve');
      if (task.approval !== 'pending') {
        throw new AppError('conflict', `the task is not waiting for approval (it is ${task.approval})`);
      }
      if (task.created_by === principal.userId) {
        throw new AppError('own_task', 'someone else must approve or reject a task you created');
      }
      if (approve && settings.halted) throw halted(settings);
      await tasksRepo.setApproval(tx, taskId, approve ? 'approved' : 'rejected', principal.userId);
      const cancelled = approve ? [] : await runsRepo.cancelTask(tx, taskId);
      await audit(tx, partnerId, actor, {
        action: approve ? 'task.approve' : 'task.reject',
        targetType: 'task',
        targetId: taskId,
        after: { title: task.title, target_count: task.target_count, created_by: task.created_by_name },
      });
      return { cancelled, deviceIds: approve ? await tasksRepo.deviceIds(tx, taskId) : [] };
    });
    announce(this.ctx.bus, partnerId, changed.cancelled);
    if (approve) this.ctx.bus.publish('commands.queued', { tenantId: partnerId, deviceIds: changed.deviceIds });
    this.ctx.bus.publish('task.updated', { tenantId: partnerId, taskId });
    return this.getTask(partnerId, taskId, principal);
  }

  /** Cancels a task's unfinished runs. */
  async cancelTask(partnerId: string, taskId: string, principal: Principal, actor: Actor): Promise<Task> {
    const visibility = this.visibility(principal, partnerId, 'commands.run');
    const result = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const task = await this.findTask(tx, taskId, visibility);
      await requireAll(tx, visibility, taskId, 'commands.run');
      const result = await runsRepo.cancel(tx, { taskId }, principal.userId);
      await audit(tx, partnerId, actor, {
        action: 'run.cancel',
        targetType: 'task',
        targetId: taskId,
        after: { title: task.title, cancelled: result.cancelled.length, stopping: result.requested.length },
      });
      return result;
    });
    this.afterCancel(partnerId, result);
    return this.getTask(partnerId, taskId, principal);
  }

  // Runs --------------------------------------------------------------------

  listRuns(partnerId: string, principal: Principal, query: RunQuery): Promise<Page<Run>> {
    const visibility = this.visibility(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, (tx) => runsRepo.list(tx, visibility, query));
  }

  getRun(partnerId: string, runId: string, principal: Principal): Promise<Run> {
    const visibility = this.visibility(principal, partnerId, 'commands.view');
    return this.ctx.db.withTenant(partnerId, async (tx) => (await runsRepo.get(tx, runId, visibility)) ?? throwNotFound('run'));
  }

  /** Queued: cancelled at once. Sent or running: the agent is told to stop, and its result is the final state. */
  async cancelRun(partnerId: string, runId: string, principal: Principal, actor: Actor): Promise<Run> {
    const visibility = this.visibility(principal, partnerId, 'commands.run');
    const result = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const run = (await runsRepo.get(tx, runId, visibility)) ?? throwNotFound('run');
      if (!['queued', 'sent', 'running'].includes(run.status)) {
        throw new AppError('conflict', `the run has already finished (${run.status})`);
      }
      const result = await runsRepo.cancel(tx, { ids: [runId] }, principal.userId);
      await audit(tx, partnerId, actor, {
        action: 'run.cancel',
        targetType: 'run',
        targetId: runId,
        before: { status: run.status },
        after: { title: run.title, device_id: run.device_id, hostname: run.hostname },
      });
      return result;
    });
    this.afterCancel(partnerId, result);
    return this.getRun(partnerId, runId, principal);
  }

  async deleteRun(partnerId: string, runId: string, principal: Principal, actor: Actor): Promise<void> {
    const visibility = this.visibility(principal, partnerId, 'commands.run');
    const run = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const run = (await runsRepo.get(tx, runId, visibility)) ?? throwNotFound('run');
      if (!(await runsRepo.deleteFinished(tx, runId))) {
        throw new AppError('conflict', 'the run has not finished; cancel it first');
      }
      await audit(tx, partnerId, actor, {
        action: 'run.delete',
        targetType: 'run',
        targetId: runId,
        before: { title: run.title, device_id: run.device_id, hostname: run.hostname, status: run.status },
      });
      return run;
    });
    this.ctx.bus.publish('task.updated', { tenantId: partnerId, taskId: run.task_id });
  }

  /** Deletes finished runs the caller may manage (optionally of one device). */
  async clearRuns(partnerId: string, input: ClearRuns, principal: Principal, actor: Actor): Promise<{ deleted: number }> {
    const visibility = this.visibility(principal, partnerId, 'commands.run');
    const deleted = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const deleted = await runsRepo.clearFinished(tx, visibility, input.device_id);
      await audit(tx, partnerId, actor, {
        action: 'runs.clear',
        targetType: input.device_id ? 'device' : 'partner',
        targetId: input.device_id ?? partnerId,
        after: { deleted },
      });
      return deleted;
    });
    return { deleted };
  }

  // Settings and the kill switch --------------------------------------------

  async getSettings(partnerId: string): Promise<CommandSettings> {
    const row = await this.ctx.db.withTenant(partnerId, (tx) => settingsRepo.get(tx));
    return row ?? defaults();
  }

  async putSettings(partnerId: string, input: UpdateCommandSettings, actor: Actor): Promise<CommandSettings> {
    const { version, ...values } = input;
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = (await settingsRepo.get(tx)) ?? defaults();
      if (before.version !== version) throw staleVersion('the command settings');
      if (!(await settingsRepo.put(tx, partnerId, version, values))) throw staleVersion('the command settings');
      const after = (await settingsRepo.get(tx))!;
      await audit(tx, partnerId, actor, {
        action: 'command_settings.update',
        targetType: 'partner',
        targetId: partnerId,
        before: { fanout_threshold: before.fanout_threshold, default_expiry_hours: before.default_expiry_hours },
        after: values,
      });
      return after;
    });
  }

  /**
   * The kill switch (security.md 28): every unfinished run of the partner is
   * cancelled (queued ones at once, sent and running ones are told to stop)
   * and no task is accepted until it is released.
   */
  async halt(partnerId: string, reason: string, principal: Principal, actor: Actor): Promise<CommandSettings> {
    const { result, settings } = await this.ctx.db.withTenant(partnerId, async (tx) => {
      await settingsRepo.lock(tx, partnerId);
      await settingsRepo.setHalted(tx, true, principal.userId, reason);
      const result = await runsRepo.cancel(tx, { all: true }, principal.userId);
      await audit(tx, partnerId, actor, {
        action: 'commands.halt',
        targetType: 'partner',
        targetId: partnerId,
        after: { reason, cancelled: result.cancelled.length, stopping: result.requested.length },
      });
      return { result, settings: (await settingsRepo.get(tx))! };
    });
    this.afterCancel(partnerId, result);
    return settings;
  }

  async release(partnerId: string, actor: Actor): Promise<CommandSettings> {
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await settingsRepo.lock(tx, partnerId);
      await settingsRepo.setHalted(tx, false, null, '');
      await audit(tx, partnerId, actor, {
        action: 'commands.release',
        targetType: 'partner',
        targetId: partnerId,
        before: { halted: before.halted, reason: before.halted_reason },
      });
      return (await settingsRepo.get(tx))!;
    });
  }

  // ------------------------------------------------------------------------

  /** The settings, read under a share lock: a kill switch engaged meanwhile waits for this task, then cancels its runs. */
  private async openSettings(tx: Tx, partnerId: string): Promise<SettingsRow> {
    const settings = await settingsRepo.lock(tx, partnerId, 'share');
    if (settings.halted) throw halted(settings);
    return settings;
  }

  /** The task an earlier request with the same Idempotency-Key made. */
  private async earlier(tx: Tx, who: Requester, opts: CreateOptions): Promise<string | null> {
    if (!opts.idempotencyKey) return null;
    const createdBy = who.principal?.userId ?? null;
    return (await tasksRepo.byIdempotencyKey(tx, createdBy, opts.idempotencyKey, opts.scheduleId ?? null))?.id ?? null;
  }

  /** Writes the task and all its runs (signed, inputs encrypted), and audits it. */
  private async insert(
    tx: Tx,
    partnerId: string,
    key: CommandKey,
    settings: SettingsRow,
    who: Requester,
    opts: CreateOptions,
    spec: TaskSpec,
    devices: TargetDevice[],
    inputOf: (device: TargetDevice) => DeviceInput | null,
  ): Promise<{ taskId: string; fresh: { deviceIds: string[]; pending: boolean } | null }> {
    const taskId = randomUUID();
    const expires = new Date(Date.now() + (spec.expiryHours ?? settings.default_expiry_hours) * 3_600_000);
    const expiresAt = expires.toISOString();
    const approval = fanOutApproval(devices.length, settings.fanout_threshold, spec.scriptVersion, opts);
    const pending = approval.approval === 'pending';
    const inserted = await tasksRepo.insert(tx, {
      id: taskId,
      tenant_id: partnerId,
      kind: spec.kind,
      title: spec.title,
      script_id: spec.scriptId,
      script_version: spec.scriptVersion,
      payload: spec.shared,
      parameters: spec.shownParameters,
      target: spec.target,
      target_count: devices.length,
      reason: opts.reason,
      schedule_id: opts.scheduleId ?? null,
      created_by: who.principal?.userId ?? null,
      created_by_label: who.principal?.name || who.actor.label,
      idempotency_key: opts.idempotencyKey ?? null,
      ...approval,
      expires_at: expiresAt,
    });
    if (!inserted) {
      // A concurrent request with the same Idempotency-Key won: its task is the answer.
      const earlier = await this.earlier(tx, who, opts);
      if (earlier) return { taskId: earlier, fresh: null };
      throw new AppError('conflict', 'the task could not be created; try again');
    }
    const runs: NewRun[] = devices.map((device) => {
      const id = randomUUID();
      const nonce = randomBytes(16).toString('base64url');
      const input = inputOf(device);
      const payloadHash = contentHash(payloadOf(spec.shared, input));
      const { key_id, signature } = key.sign({
        run_id: id,
        partner_id: partnerId,
        device_id: device.id,
        nonce,
        expires_at: expires.getTime(),
        payload_hash: payloadHash,
      });
      return {
        id,
        device_id: device.id,
        organization_id: device.organization_id,
        site_id: device.site_id,
        nonce,
        key_id,
        payload_hash: payloadHash,
        signature,
        device_input_encrypted: input ? this.ctx.secrets.encrypt(JSON.stringify(input), runInputContext(id)) : null,
      };
    });
    await runsRepo.insertMany(tx, partnerId, taskId, expiresAt, runs);
    await audit(tx, partnerId, who.actor, {
      action: 'task.create',
      targetType: 'task',
      targetId: taskId,
      after: {
        kind: spec.kind,
        title: spec.title,
        script_id: spec.scriptId,
        script_version: spec.scriptVersion,
        parameters: spec.shownParameters,
        target: spec.target,
        target_count: devices.length,
        reason: opts.reason,
        schedule_id: opts.scheduleId ?? null,
        approval: approval.approval,
        ...(approval.approval === 'approved'
          ? { approved_with_schedule: { by: approval.approval_by, at: approval.approval_at } }
          : {}),
        ...(spec.skippedDeviceIds?.length ? { skipped_device_ids: spec.skippedDeviceIds } : {}),
      },
    });
    return { taskId, fresh: { deviceIds: devices.map((d) => d.id), pending } };
  }

  private async afterCreate(
    partnerId: string,
    made: { taskId: string; fresh: { deviceIds: string[]; pending: boolean } | null },
  ): Promise<Task> {
    if (made.fresh) {
      if (!made.fresh.pending) this.ctx.bus.publish('commands.queued', { tenantId: partnerId, deviceIds: made.fresh.deviceIds });
      this.ctx.bus.publish('task.updated', { tenantId: partnerId, taskId: made.taskId });
    }
    return this.ctx.db.withTenant(partnerId, async (tx) => present((await tasksRepo.get(tx, made.taskId))!));
  }

  private afterCancel(partnerId: string, result: { cancelled: ChangedRun[]; requested: ChangedRun[] }): void {
    announce(this.ctx.bus, partnerId, result.cancelled);
    const runs = result.requested.map((r) => ({ runId: r.id, deviceId: r.device_id }));
    for (let i = 0; i < runs.length; i += CANCEL_EVENT_CHUNK) {
      this.ctx.bus.publish('commands.cancel', { tenantId: partnerId, runs: runs.slice(i, i + CANCEL_EVENT_CHUNK) });
    }
    for (const taskId of new Set(result.requested.map((r) => r.task_id))) {
      this.ctx.bus.publish('task.updated', { tenantId: partnerId, taskId });
    }
  }

  /** Decrypted per-run args and env, by run id. */
  private async inputsOf(tx: Tx, runIds: string[]): Promise<Map<string, DeviceInput>> {
    if (runIds.length === 0) return new Map();
    const rows = await tx.selectFrom('command_runs').select(['id', 'device_input_encrypted']).where('id', 'in', runIds).execute();
    const out = new Map<string, DeviceInput>();
    for (const r of rows) {
      if (r.device_input_encrypted) {
        out.set(r.id, JSON.parse(this.ctx.secrets.decrypt(r.device_input_encrypted, runInputContext(r.id))) as DeviceInput);
      }
    }
    return out;
  }

  /** The task, if the caller may see one of its runs; otherwise 404. */
  private async findTask(tx: Tx, taskId: string, visibility: Visibility | null): Promise<TaskRow> {
    const task = await tasksRepo.get(tx, taskId);
    if (!task || !(await runsRepo.taskVisible(tx, taskId, visibility))) throw notFound('task');
    return task;
  }

  /** Where the caller holds the permission: null for the whole partner. */
  private visibility(principal: Principal, partnerId: string, permission: string): Visibility | null {
    const holding = { ...principal, grants: principal.grants.filter((g) => g.permissions.has(permission)) };
    return visibleWithin(holding, partnerId);
  }
}

/** The encryption context of a run's args and env: they decrypt for this run only. */
export const runInputContext = (runId: string) => `command-run:${runId}`;

function visible(v: Visibility | null, r: { organization_id: string; site_id: string }): boolean {
  return v === null || v.wholeOrganizationIds.has(r.organization_id) || v.siteIds.has(r.site_id);
}

/** Changing a task needs the permission on every device it runs on (one query, however many runs). */
async function requireAll(tx: Tx, v: Visibility | null, taskId: string, permission: string): Promise<void> {
  if (await runsRepo.taskReachesOutside(tx, taskId, v)) throw notOnEvery(permission);
}

const notOnEvery = (permission: string) =>
  new AppError('forbidden', `you need the ${permission} permission on every device of this task`);

/**
 * A task's fan-out approval (security.md 28): up to the threshold none is
 * needed; above it a person's task waits for a second person, and a
 * schedule's firing runs on the schedule's approval, given for this script
 * version, or is not made at all.
 */
function fanOutApproval(
  devices: number,
  threshold: number,
  scriptVersion: number | null,
  opts: CreateOptions,
): { approval: Task['approval']; approval_by: string | null; approval_at: string | null } {
  if (devices <= threshold) return { approval: 'not_required', approval_by: null, approval_at: null };
  if (!opts.firing) return { approval: 'pending', approval_by: null, approval_at: null };
  const given = opts.firing.approval;
  if (!given) {
    throw new AppError(
      'approval_required',
      `the target holds ${devices} devices, more than the fan-out threshold (${threshold}): the schedule waits for approval`,
    );
  }
  if (given.scriptVersion !== scriptVersion) {
    throw new AppError(
      'approval_required',
      `the script changed since the schedule was approved (version ${given.scriptVersion} then, ${scriptVersion} now): the schedule waits for a new approval`,
    );
  }
  return { approval: 'approved', approval_by: given.by, approval_at: given.at };
}

function halted(s: { halted_reason: string }): AppError {
  return new AppError(
    'commands_halted',
    `commands are halted for this partner${s.halted_reason ? ` (${s.halted_reason})` : ''}; release the kill switch first`,
  );
}

function defaults(): CommandSettings {
  return { ...DEFAULT_SETTINGS, halted: false, halted_at: null, halted_reason: '', version: 0 };
}

function throwNotFound(what: string): never {
  throw notFound(what);
}

/** The task as the API shows it. */
export function present(row: TaskRow): Task {
  const { payload, ...rest } = row;
  return { ...rest, payload_summary: summaryOf(row.kind, payload as unknown as SharedPayload, row.title) } as Task;
}

function summaryOf(kind: Task['kind'], payload: SharedPayload, title: string): string {
  switch (payload.kind) {
    case 'script':
      return `${payload.interpreter}: ${kind === 'shell' ? title : title}`;
    case 'reboot':
      return payload.delay_seconds > 0 ? `reboot in ${payload.delay_seconds} s` : 'reboot';
    case 'inventory.refresh':
      return 'refresh inventory';
    case 'process.kill':
      return `kill process ${payload.pid} and its children`;
  }
}
