import { createHash, randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import {
  AgentMessages,
  Envelope,
  ServerMessages,
  type AgentMessageType,
  type AgentPayload,
  type ErrorCode,
  type ServerMessageType,
  type ServerPayload,
} from './messages.js';
import { MAX_FRAME_BYTES, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.js';

type Checker = ReturnType<typeof Compile<TSchema>>;
const compileAll = (schemas: Record<string, TSchema>) =>
  new Map<string, Checker>(Object.entries(schemas).map(([type, schema]) => [type, Compile(schema)]));

const envelopeChecker = Compile(Envelope);
// Compiled once: checking a frame is then a function call, cheap enough for every heartbeat.
const checkers = { agent: compileAll(AgentMessages), server: compileAll(ServerMessages) };

/** A frame that passed every check, typed by who sent it. */
export type AgentFrame = {
  [T in AgentMessageType]: Omit<Envelope, 'type' | 'payload'> & { type: T; payload: AgentPayload<T> };
}[AgentMessageType];
export type ServerFrame = {
  [T in ServerMessageType]: Omit<Envelope, 'type' | 'payload'> & { type: T; payload: ServerPayload<T> };
}[ServerMessageType];

export type DecodeFailure = { ok: false; code: ErrorCode; message: string; id?: string };
export type Decoded<F> = { ok: true; frame: F } | DecodeFailure;

function byteLength(raw: string | Buffer): number {
  return typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
}

function firstError(checker: Checker, value: unknown): string {
  for (const error of checker.Errors(value)) return `${error.instancePath || '(root)'} ${error.message}`;
  return 'does not match its schema';
}

function decode(raw: string | Buffer, from: 'agent' | 'server'): Decoded<AgentFrame | ServerFrame> {
  // Size first: nothing is parsed from a frame above the limit (security.md 20).
  if (byteLength(raw) > MAX_FRAME_BYTES) {
    return { ok: false, code: 'frame_too_large', message: `frame is larger than ${MAX_FRAME_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed_frame', message: 'frame is not valid JSON' };
  }
  if (!envelopeChecker.Check(value)) {
    return { ok: false, code: 'malformed_frame', message: `envelope ${firstError(envelopeChecker, value)}` };
  }
  const envelope = value as Envelope;
  if (envelope.v < MIN_PROTOCOL_VERSION) {
    return {
      ok: false,
      code: 'unsupported_version',
      message: `protocol ${envelope.v} is older than the oldest supported (${MIN_PROTOCOL_VERSION})`,
      id: envelope.id,
    };
  }
  const checker = checkers[from].get(envelope.type);
  if (!checker) return { ok: false, code: 'unknown_type', message: `unknown message type "${envelope.type}"`, id: envelope.id };
  if (!checker.Check(envelope.payload)) {
    return {
      ok: false,
      code: 'invalid_payload',
      message: `${envelope.type}: payload${firstError(checker, envelope.payload)}`,
      id: envelope.id,
    };
  }
  return { ok: true, frame: envelope as AgentFrame | ServerFrame };
}

/** Checks a frame the agent sent: size, JSON, envelope, then the payload of its type. */
export const decodeAgentFrame = (raw: string | Buffer) => decode(raw, 'agent') as Decoded<AgentFrame>;
/** Checks a frame the server sent, the same way. */
export const decodeServerFrame = (raw: string | Buffer) => decode(raw, 'server') as Decoded<ServerFrame>;

export interface EncodeOptions {
  /** The id of the request this frame answers. */
  re?: string;
  id?: string;
  /** The protocol version to stamp (default: this build's). */
  v?: number;
}

function encode(type: string, payload: unknown, options: EncodeOptions = {}): string {
  const envelope: Envelope = {
    v: options.v ?? PROTOCOL_VERSION,
    type,
    id: options.id ?? randomUUID(),
    ts: Date.now(),
    payload: payload as Record<string, unknown>,
  };
  if (options.re) envelope.re = options.re;
  return JSON.stringify(envelope);
}

export const encodeServerFrame = <T extends ServerMessageType>(type: T, payload: ServerPayload<T>, options?: EncodeOptions) =>
  encode(type, payload, options);
export const encodeAgentFrame = <T extends AgentMessageType>(type: T, payload: AgentPayload<T>, options?: EncodeOptions) =>
  encode(type, payload, options);

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** The content hash of an inventory snapshot: sha256 hex of its canonical JSON. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Checks any value against a protocol schema (e.g. a stored inventory read back). */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return Compile(schema).Check(value);
}
