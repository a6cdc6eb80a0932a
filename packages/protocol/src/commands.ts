import { Type, type Static } from 'typebox';

/**
 * Commands (AGT9, AGT18, AUT5): what the server asks an agent to run, signed
 * so that the agent runs nothing the server's command key did not sign
 * (security.md 26). Script parameters travel as argv and environment
 * variables, never spliced into shell text (security.md 27).
 */

/** Interpreters a script can name. `powershell` is pwsh where present, else Windows PowerShell. */
export const Interpreter = Type.Union([
  Type.Literal('bash'),
  Type.Literal('sh'),
  Type.Literal('python'),
  Type.Literal('powershell'),
  Type.Literal('cmd'),
]);
export type Interpreter = Static<typeof Interpreter>;

/** Who the script runs as: the agent's own account (root/SYSTEM), or the user logged in at the console. */
export const RunAs = Type.Union([Type.Literal('system'), Type.Literal('user')]);
export type RunAs = Static<typeof RunAs>;

/** The largest script body, in characters. */
export const MAX_SCRIPT_CHARS = 256 * 1024;
/** The most output kept per stream by default, and at most, in bytes. */
export const DEFAULT_OUTPUT_CAP_BYTES = 256 * 1024;
export const MAX_OUTPUT_CAP_BYTES = 384 * 1024;

const EnvName = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';

/** What to run. One shape per kind; `script` also carries one-off shell commands. */
export const CommandPayload = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('script'),
      interpreter: Interpreter,
      /** The script text, written to a private temporary file and run by the interpreter. */
      script: Type.String({ maxLength: MAX_SCRIPT_CHARS }),
      /** Positional arguments, passed as argv (never through a shell). */
      args: Type.Array(Type.String({ maxLength: 32_768 }), { maxItems: 128 }),
      /** Extra environment variables: parameters and variables (`CLOUDRMM_*`). */
      env: Type.Record(Type.String({ pattern: EnvName }), Type.String({ maxLength: 32_768 })),
      timeout_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
      /** Output kept per stream; the rest is dropped and the result says it was cut. */
      output_cap_bytes: Type.Integer({ minimum: 1024, maximum: MAX_OUTPUT_CAP_BYTES }),
      run_as: RunAs,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('reboot'), delay_seconds: Type.Integer({ minimum: 0, maximum: 86_400 }) },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('inventory.refresh') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('process.kill'), pid: Type.Integer({ minimum: 1 }), tree: Type.Boolean() },
    { additionalProperties: false },
  ),
]);
export type CommandPayload = Static<typeof CommandPayload>;
export type CommandKind = CommandPayload['kind'];

/**
 * A signed command. The signature (Ed25519, base64) is over
 * `commandSigningInput(...)`: partner, device, run, `payload_hash`
 * (`contentHash(payload)`: sha256 hex of its canonical JSON), the nonce and
 * the expiry. The agent checks every
 * field against itself and the payload against the hash before it runs
 * anything.
 */
export const CommandEnvelope = Type.Object(
  {
    run_id: Type.String({ format: 'uuid' }),
    partner_id: Type.String({ format: 'uuid' }),
    device_id: Type.String({ format: 'uuid' }),
    /** 16 random bytes, base64url: never signed twice. */
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
    /** Milliseconds since the epoch; the agent refuses the command after it. */
    expires_at: Type.Integer({ minimum: 0 }),
    /** Which server key signed it (the first 16 hex of the sha256 of the raw public key). */
    key_id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    payload_hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    payload: CommandPayload,
    signature: Type.String({ maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type CommandEnvelope = Static<typeof CommandEnvelope>;

/** The exact bytes the server signs and the agent verifies. */
export function commandSigningInput(e: Omit<CommandEnvelope, 'payload' | 'signature'>): Buffer {
  return Buffer.from(
    ['cloudrmm-command-v1', e.key_id, e.partner_id, e.device_id, e.run_id, e.payload_hash, e.nonce, String(e.expires_at)].join(
      '\n',
    ),
    'utf8',
  );
}

/** Why an agent refused a command without running it. */
export const RefusalReason = Type.Union([
  Type.Literal('unsigned'),
  Type.Literal('bad_signature'),
  Type.Literal('unknown_key'),
  Type.Literal('altered'),
  Type.Literal('wrong_device'),
  Type.Literal('wrong_partner'),
  Type.Literal('expired'),
  Type.Literal('replayed'),
  Type.Literal('unsupported'),
]);
export type RefusalReason = Static<typeof RefusalReason>;

/** How a run ended, as the agent saw it. */
export const RunOutcome = Type.Union([
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('timed_out'),
  Type.Literal('cancelled'),
]);
export type RunOutcome = Static<typeof RunOutcome>;

/** The final result of a run, kept on the agent's disk until the server acknowledges it. */
export const CommandResult = Type.Object(
  {
    run_id: Type.String({ format: 'uuid' }),
    status: RunOutcome,
    /** Null when the process was killed by a signal or never started. */
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    stdout: Type.String({ maxLength: MAX_OUTPUT_CAP_BYTES }),
    stderr: Type.String({ maxLength: MAX_OUTPUT_CAP_BYTES }),
    stdout_truncated: Type.Boolean(),
    stderr_truncated: Type.Boolean(),
    /** Milliseconds since the epoch, by the agent's clock. */
    started_at: Type.Integer({ minimum: 0 }),
    finished_at: Type.Integer({ minimum: 0 }),
    /** Why it failed when the script itself did not say (no interpreter, no logged-in user, agent restarted ...). */
    error: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type CommandResult = Static<typeof CommandResult>;
