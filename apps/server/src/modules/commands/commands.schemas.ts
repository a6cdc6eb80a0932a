import { Interpreter, RunAs } from '@cloudrmm/protocol';
import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const TaskKind = Type.Union([
  Type.Literal('script'),
  Type.Literal('shell'),
  Type.Literal('reboot'),
  Type.Literal('inventory_refresh'),
  Type.Literal('process_kill'),
]);
export type TaskKind = Static<typeof TaskKind>;

export const RunStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sent'),
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('timed_out'),
  Type.Literal('cancelled'),
  Type.Literal('expired'),
]);
export type RunStatus = Static<typeof RunStatus>;
export const RUN_STATUSES = ['queued', 'sent', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'expired'] as const;
export const UNFINISHED: RunStatus[] = ['queued', 'sent', 'running'];
export const FINISHED: RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

/** Where a task is aimed, as asked: resolved to devices when it is created. */
export const Target = Type.Object(
  {
    type: Type.Union([
      Type.Literal('devices'),
      Type.Literal('sites'),
      Type.Literal('organizations'),
      Type.Literal('filter'),
      Type.Literal('partner'),
    ]),
    ids: Type.Array(Uuid, {
      maxItems: 10_000,
      uniqueItems: true,
      description: 'devices, sites or organizations; filter: [the saved filter id]; partner: []',
    }),
  },
  { additionalProperties: false },
);
export type Target = Static<typeof Target>;

const ParameterValue = Type.Union([Type.String({ maxLength: 32_768 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** What to run and where (AUT5): the body of POST /tasks, and what schedules and bulk actions pass in. */
export const CreateTask = Type.Object(
  {
    kind: TaskKind,
    script_id: Type.Optional(Uuid),
    parameters: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), ParameterValue, {
        description: 'script parameters by name; {{device.hostname}}, {{custom.<name>}} ... are filled in per device',
      }),
    ),
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536, description: 'shell: the command text' })),
    interpreter: Type.Optional(Interpreter),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    run_as: Type.Optional(RunAs),
    pid: Type.Optional(Type.Integer({ minimum: 1, description: 'process_kill: the process to kill, with its tree' })),
    delay_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'reboot: seconds before it' })),
    expiry_hours: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 720, description: 'how long a run waits for an offline device (default: settings)' }),
    ),
    target: Target,
  },
  { additionalProperties: false },
);
export type CreateTask = Static<typeof CreateTask>;

export const Counts = Type.Object(
  Object.fromEntries(RUN_STATUSES.map((s) => [s, Type.Integer()])) as Record<
    (typeof RUN_STATUSES)[number],
    ReturnType<typeof Type.Integer>
  >,
);
export type Counts = Static<typeof Counts>;

export const Task = Type.Object({
  id: Uuid,
  kind: TaskKind,
  title: Type.String(),
  script_id: OrNull(Uuid),
  script_version: OrNull(Type.Integer()),
  parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'as entered; secret values are null' }),
  target: Target,
  target_count: Type.Integer(),
  reason: Type.String({ description: 'manual, bulk, schedule' }),
  schedule_id: OrNull(Uuid),
  created_by: OrNull(Uuid),
  created_by_name: Type.String(),
  approval: Type.Union([
    Type.Literal('not_required'),
    Type.Literal('pending'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
  ]),
  approval_by_name: OrNull(Type.String()),
  approval_at: OrNull(Timestamp),
  expires_at: Timestamp,
  created_at: Timestamp,
  counts: Counts,
  payload_summary: Type.String({ description: 'what runs, in one line: interpreter and script, the command, reboot ...' }),
});
export type Task = Static<typeof Task>;

export const Run = Type.Object({
  id: Uuid,
  task_id: Uuid,
  device_id: Uuid,
  hostname: Type.String(),
  organization_id: Uuid,
  organization_name: Type.String(),
  site_id: Uuid,
  site_name: Type.String(),
  status: RunStatus,
  title: Type.String(),
  kind: TaskKind,
  script_id: OrNull(Uuid),
  exit_code: OrNull(Type.Integer()),
  stdout: Type.Optional(Type.String()),
  stderr: Type.Optional(Type.String()),
  output_preview: Type.Optional(Type.String({ description: 'lists: the first 2 KiB of stdout, then stderr' })),
  stdout_truncated: Type.Boolean(),
  stderr_truncated: Type.Boolean(),
  output_seq: Type.Integer({
    description: 'the last live output chunk the stored stdout/stderr include (-1: none); later run.output events extend it',
  }),
  error: OrNull(Type.String()),
  created_at: Timestamp,
  sent_at: OrNull(Timestamp),
  started_at: OrNull(Timestamp),
  finished_at: OrNull(Timestamp),
  expires_at: Timestamp,
  cancel_requested_at: OrNull(Timestamp),
  created_by_name: Type.String(),
  reason: Type.String(),
});
export type Run = Static<typeof Run>;

export const TaskQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('finished'), Type.Literal('pending_approval')], {
        description: 'active: has unfinished runs; finished: none; pending_approval: waits for a second user',
      }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'search in the title' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type TaskQuery = Static<typeof TaskQuery>;

export const RunQuery = Type.Object(
  {
    device_id: Type.Optional(Uuid),
    task_id: Type.Optional(Uuid),
    status: Type.Optional(RunStatus),
    script_id: Type.Optional(Uuid),
    created_by: Type.Optional(Uuid),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'search in the output (stdout and stderr)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type RunQuery = Static<typeof RunQuery>;

export const ClearRuns = Type.Object({ device_id: Type.Optional(Uuid) }, { additionalProperties: false });
export type ClearRuns = Static<typeof ClearRuns>;

export const CommandSettings = Type.Object({
  fanout_threshold: Type.Integer({ description: 'tasks on more devices than this wait for a second user’s approval' }),
  default_expiry_hours: Type.Integer(),
  halted: Type.Boolean({ description: 'the kill switch: no command is delivered or accepted' }),
  halted_at: OrNull(Timestamp),
  halted_reason: Type.String(),
  version: Type.Integer({ description: '0 while the partner runs on the defaults' }),
});
export type CommandSettings = Static<typeof CommandSettings>;

export const UpdateCommandSettings = Type.Object(
  {
    version: Type.Integer({ minimum: 0 }),
    fanout_threshold: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    default_expiry_hours: Type.Integer({ minimum: 1, maximum: 720 }),
  },
  { additionalProperties: false },
);
export type UpdateCommandSettings = Static<typeof UpdateCommandSettings>;

export const Halt = Type.Object({ reason: Type.String({ maxLength: 500 }) }, { additionalProperties: false });
export type Halt = Static<typeof Halt>;

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const TaskParams = Type.Object({ partnerId: Uuid, taskId: Uuid });
export const RunParams = Type.Object({ partnerId: Uuid, runId: Uuid });
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
