import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';
import { CreateTask } from '../commands/index.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const task = CreateTask.properties;

/** What a schedule runs: a task without its target (AUT3). Secret parameter values are never returned. */
export const ScheduleAction = Type.Object(
  {
    kind: task.kind,
    script_id: task.script_id,
    parameters: task.parameters,
    command: task.command,
    interpreter: task.interpreter,
    timeout_seconds: task.timeout_seconds,
    run_as: task.run_as,
    pid: task.pid,
    delay_seconds: task.delay_seconds,
  },
  { additionalProperties: false },
);
export type ScheduleAction = Static<typeof ScheduleAction>;

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Cron = Type.String({
  minLength: 9,
  maxLength: 200,
  description: 'five fields: minute hour day-of-month month day-of-week (e.g. `0 9 * * 1-5`), in `timezone`',
});
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'an IANA time zone, e.g. Europe/Paris; default UTC' });

const fields = {
  name: Name,
  description: Type.String({ maxLength: 2000 }),
  enabled: Type.Boolean(),
  cron: Cron,
  timezone: TimeZone,
  action: ScheduleAction,
  target: task.target,
  expiry_hours: OrNull(Type.Integer({ minimum: 1, maximum: 720, description: 'null: the partner’s default' })),
};

export const CreateSchedule = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    enabled: Type.Optional(fields.enabled),
    cron: fields.cron,
    timezone: Type.Optional(fields.timezone),
    action: fields.action,
    target: fields.target,
    expiry_hours: Type.Optional(fields.expiry_hours),
  },
  { additionalProperties: false },
);
export type CreateSchedule = Static<typeof CreateSchedule>;

export const UpdateSchedule = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    enabled: Type.Optional(fields.enabled),
    cron: Type.Optional(fields.cron),
    timezone: Type.Optional(fields.timezone),
    // Replaces the action; a secret parameter left null keeps its stored value (same script).
    action: Type.Optional(fields.action),
    target: Type.Optional(fields.target),
    expiry_hours: Type.Optional(fields.expiry_hours),
  },
  { additionalProperties: false },
);
export type UpdateSchedule = Static<typeof UpdateSchedule>;

export const Schedule = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  cron: Type.String(),
  timezone: Type.String(),
  action: Type.Record(Type.String(), Type.Unknown(), { description: 'the action; secret parameter values are null' }),
  target: task.target,
  expiry_hours: OrNull(Type.Integer()),
  next_run_at: OrNull(Timestamp),
  last_run_at: OrNull(Timestamp),
  last_task_id: OrNull(Uuid),
  created_by: OrNull(Uuid),
  updated_by: OrNull(Uuid),
  approval: Type.Union([Type.Literal('not_required'), Type.Literal('pending'), Type.Literal('approved')], {
    description:
      'fan-out approval (security.md 28): pending when the target holds more devices than the fan-out threshold and no ' +
      'second person has approved it (its firings are not made meanwhile); approved: its firings run without waiting. ' +
      'An edit of the action or target, or a new version of its script, needs a new approval.',
  }),
  approval_by_name: OrNull(Type.String()),
  approval_at: OrNull(Timestamp),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Schedule = Static<typeof Schedule>;

export const ApproveSchedule = Type.Object(
  { version: Type.Integer({ minimum: 1, description: 'the version approved: 409 when it changed meanwhile' }) },
  { additionalProperties: false },
);
export type ApproveSchedule = Static<typeof ApproveSchedule>;

export const ScheduleQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'search in the name' })),
    enabled: Type.Optional(Type.Boolean()),
    sort: Type.Optional(
      Type.Union([Type.Literal('name'), Type.Literal('-name'), Type.Literal('created_at'), Type.Literal('-created_at')]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    include_total: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ScheduleQuery = Static<typeof ScheduleQuery>;

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const ScheduleParams = Type.Object({ partnerId: Uuid, scheduleId: Uuid });
