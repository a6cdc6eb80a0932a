import { Type, type Static, type TSchema } from 'typebox';
import { CommandEnvelope, CommandResult, RefusalReason } from './commands.js';
import { FolderUsage, Inventory, PartitionUsage, ProcessInfo, Status } from './inventory.js';

/**
 * Every frame on the agent socket is one JSON envelope. `id` is unique per
 * sender; a reply carries the id of the request it answers in `re`.
 */
export const Envelope = Type.Object(
  {
    v: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    type: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.]*$' }),
    id: Type.String({ minLength: 1, maxLength: 64 }),
    ts: Type.Integer({ minimum: 0 }),
    re: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    payload: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);
export type Envelope = Static<typeof Envelope>;

/** What the server tells the agent to run at (GW6). Sent on connect and whenever it changes. */
export const AgentConfig = Type.Object({
  heartbeat_seconds: Type.Integer({ minimum: 5, maximum: 3600 }),
  inventory_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
});
export type AgentConfig = Static<typeof AgentConfig>;

/** Error codes of an `error` frame, either way. */
export const ErrorCode = Type.Union([
  Type.Literal('frame_too_large'),
  Type.Literal('malformed_frame'),
  Type.Literal('unknown_type'),
  Type.Literal('invalid_payload'),
  Type.Literal('unsupported_version'),
  Type.Literal('failed'),
  Type.Literal('timeout'),
  Type.Literal('busy'),
]);
export type ErrorCode = Static<typeof ErrorCode>;

const Obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

/** Messages the server sends to the agent, by type. */
export const ServerMessages = {
  /** First frame after the socket opens: who the agent is (from its credential) and how to behave. */
  welcome: Obj({
    device_id: Type.String(),
    server_version: Type.String(),
    config: AgentConfig,
    /** The hash of the inventory the server holds; the agent resends only if its own differs. */
    inventory_hash: Type.Union([Type.String(), Type.Null()]),
  }),
  /** New settings, applied at once without a restart. */
  config: Obj({ config: AgentConfig }),
  /** The server stored the inventory with this hash. */
  'inventory.ack': Obj({ hash: Type.String({ maxLength: 128 }) }),
  /** Request: the process list, sorted (AGT7). Answered by `processes.list.result`. */
  'processes.list': Obj({
    sort: Type.Optional(Type.Union([Type.Literal('cpu'), Type.Literal('memory'), Type.Literal('io'), Type.Literal('name')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  }),
  /** Request: partitions and the largest folders under a path (AGT8). Answered by `disk.usage.result`. */
  'disk.usage': Obj({
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** How many folders to return. */
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    /** How deep below `path` to report folders (sizes always include everything below). */
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  }),
  /**
   * Run this (AGT9, AGT18). Sent when the run is queued and the agent is
   * online, and again on every reconnect until the agent reports it finished:
   * the agent de-duplicates by run id.
   */
  command: Obj({ envelope: CommandEnvelope }),
  /** Stop this run: the agent kills its process tree and reports it `cancelled`. */
  'command.cancel': Obj({ run_id: Type.String({ format: 'uuid' }) }),
  /** The result of this run is stored: the agent may forget it. */
  'command.result.ack': Obj({ run_id: Type.String({ format: 'uuid' }) }),
  error: Obj({ code: ErrorCode, message: Type.String({ maxLength: 2000 }) }),
} satisfies Record<string, TSchema>;

/** Messages the agent sends to the server, by type. */
export const AgentMessages = {
  /** Liveness, at the interval in AgentConfig. Deliberately tiny: 19,000 of them a heartbeat interval. */
  heartbeat: Obj({ seq: Type.Optional(Type.Integer({ minimum: 0 })) }),
  /** A full inventory snapshot and its content hash (sha256 hex of the canonical JSON of `inventory`). */
  inventory: Obj({ hash: Type.String({ pattern: '^[0-9a-f]{64}$' }), inventory: Inventory }),
  status: Obj({ status: Status }),
  'processes.list.result': Obj({
    processes: Type.Array(ProcessInfo, { maxItems: 5000 }),
    total: Type.Integer({ minimum: 0 }),
    sampled_ms: Type.Integer({ minimum: 0 }),
  }),
  'disk.usage.result': Obj({
    partitions: Type.Array(PartitionUsage, { maxItems: 256 }),
    path: Type.String({ maxLength: 4096 }),
    folders: Type.Array(FolderUsage, { maxItems: 200 }),
    /** True when the scan stopped at its time or entry budget before it saw everything. */
    partial: Type.Boolean(),
    scanned_entries: Type.Integer({ minimum: 0 }),
  }),
  /** The command verified and started (or, for a repeated delivery, is still running). */
  'command.accepted': Obj({ run_id: Type.String({ format: 'uuid' }), started_at: Type.Integer({ minimum: 0 }) }),
  /** Output as it is produced, coalesced (at most a few frames a second per run). Live view only: the result holds it all. */
  'command.output': Obj({
    run_id: Type.String({ format: 'uuid' }),
    /** Per run, from 0, so the server can drop repeats and order chunks. */
    seq: Type.Integer({ minimum: 0 }),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    data: Type.String({ maxLength: 65_536 }),
  }),
  /** The run ended. Sent again on every reconnect until `command.result.ack`. */
  'command.result': Obj({ result: CommandResult }),
  /**
   * The agent refused a command without running it (security.md 26). `run_id`
   * is what the envelope claimed, when it was readable.
   */
  'command.refused': Obj({
    run_id: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    reason: RefusalReason,
    message: Type.String({ maxLength: 2000 }),
  }),
  error: Obj({ code: ErrorCode, message: Type.String({ maxLength: 2000 }) }),
} satisfies Record<string, TSchema>;

export type ServerMessageType = keyof typeof ServerMessages;
export type AgentMessageType = keyof typeof AgentMessages;
export type ServerPayload<T extends ServerMessageType> = Static<(typeof ServerMessages)[T]>;
export type AgentPayload<T extends AgentMessageType> = Static<(typeof AgentMessages)[T]>;

/** Server requests and the reply type that answers each. */
export const REPLIES = {
  'processes.list': 'processes.list.result',
  'disk.usage': 'disk.usage.result',
} as const satisfies Partial<Record<ServerMessageType, AgentMessageType>>;
export type RequestType = keyof typeof REPLIES;
