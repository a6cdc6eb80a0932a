import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import {
  commandSigningInput,
  contentHash,
  type AgentFrame,
  type CommandEnvelope,
  type CommandPayload,
  type CommandResult,
} from '@cloudrmm/protocol';
import { startFakeServer, type FakeServer } from './fake-server.js';

const agentRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles the agent from source into a private file (the tests must not race other tests over dist/). */
export async function buildAgentBundle(): Promise<string> {
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'agent-bundle-')), 'cloudrmm-agent.mjs');
  await build({
    entryPoints: [path.join(agentRoot, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['bufferutil', 'utf-8-validate'],
    define: { __AGENT_VERSION__: JSON.stringify('0.0.0-test') },
    banner: {
      js: "import { createRequire as __cloudrmmCreateRequire } from 'node:module';\nconst require = __cloudrmmCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

/** An Ed25519 key like the server's command key, with the id the server gives it. */
export function commandKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const keyId = createHash('sha256')
    .update(der.subarray(der.length - 32))
    .digest('hex')
    .slice(0, 16);
  return { privateKey, info: { key_id: keyId, public_key: der.toString('base64') } };
}
export type TestKey = ReturnType<typeof commandKeyPair>;

type Fields = Omit<CommandEnvelope, 'payload' | 'signature'>;

/** A command envelope signed like the server signs one; `change` alters fields before signing, `after` after. */
export function signedEnvelope(
  server: FakeServer,
  key: TestKey,
  payload: CommandPayload,
  options: { change?: Partial<Fields>; signer?: KeyObject; after?: (e: CommandEnvelope) => CommandEnvelope } = {},
): CommandEnvelope {
  const fields: Fields = {
    run_id: randomUUID(),
    partner_id: server.ids.partner_id,
    device_id: server.ids.device_id,
    nonce: randomBytes(16).toString('base64url'),
    expires_at: Date.now() + 3_600_000,
    key_id: key.info.key_id,
    payload_hash: contentHash(payload),
    ...options.change,
  };
  const signature = sign(null, commandSigningInput(fields), options.signer ?? key.privateKey).toString('base64');
  const envelope: CommandEnvelope = { ...fields, payload, signature };
  return options.after ? options.after(envelope) : envelope;
}

export function scriptPayload(
  interpreter: Extract<CommandPayload, { kind: 'script' }>['interpreter'],
  script: string,
  extra: Partial<Extract<CommandPayload, { kind: 'script' }>> = {},
): CommandPayload {
  return {
    kind: 'script',
    interpreter,
    script,
    args: [],
    env: {},
    timeout_seconds: 60,
    output_cap_bytes: 64 * 1024,
    run_as: 'system',
    ...extra,
  };
}

/** A real agent process (the bundle), enrolled with a fake server that hands out `key`. */
export class AgentProcess {
  proc: ChildProcess | null = null;
  stderr = '';
  readonly env: NodeJS.ProcessEnv;
  readonly base: string;

  private constructor(
    readonly bundle: string,
    readonly server: FakeServer,
    extraEnv: (work: string) => Record<string, string>,
  ) {
    this.base = mkdtempSync(path.join(os.tmpdir(), 'agent-cmd-'));
    writeFileSync(path.join(this.base, 'machine-id'), 'commands-test\n');
    mkdirSync(path.join(this.base, 'work'));
    this.env = {
      ...process.env,
      CLOUDRMM_AGENT_DIR: path.join(this.base, 'state'),
      CLOUDRMM_AGENT_MACHINE_ID_FILE: path.join(this.base, 'machine-id'),
      ...extraEnv(path.join(this.base, 'work')),
    };
  }

  get stateDir(): string {
    return this.env.CLOUDRMM_AGENT_DIR!;
  }

  /** A scratch folder for the test's files. */
  get work(): string {
    return path.join(this.base, 'work');
  }

  static async enrolled(
    bundle: string,
    key: TestKey | null,
    extraEnv: (work: string) => Record<string, string> = () => ({}),
  ): Promise<AgentProcess> {
    const server = await startFakeServer();
    server.behaviour.commandKey = key?.info ?? null;
    const agent = new AgentProcess(bundle, server, extraEnv);
    await promisify(execFile)(process.execPath, [bundle, 'enroll', '--server', server.url, '--site-code', 'abc', '--dev'], {
      env: agent.env,
    });
    return agent;
  }

  /** Starts `run` and resolves once its socket is up (the welcome goes out on connect). */
  async start(): Promise<void> {
    const connectedBefore = this.server.upgrades.length;
    this.stderr = '';
    const proc = spawn(process.execPath, [this.bundle, 'run', '--dev'], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    await this.waitUntil(() => this.server.upgrades.length > connectedBefore && this.server.sockets.size > 0, 20_000);
  }

  /** Stops the agent: SIGTERM (a service stop) or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    await this.waitUntil(() => this.server.sockets.size === 0, 5_000).catch(() => {});
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    await this.server.close();
  }

  send(envelope: CommandEnvelope): void {
    this.server.send('command', { envelope });
  }

  framesOf(runId: string, type?: string): AgentFrame[] {
    return this.server.frames
      .filter(
        (f) =>
          (f.payload as { run_id?: string; result?: { run_id: string } }).run_id === runId ||
          (f.payload as { result?: { run_id: string } }).result?.run_id === runId,
      )
      .filter((f) => !type || f.type === type);
  }

  async result(runId: string, timeoutMs = 20_000): Promise<CommandResult> {
    const frame = await this.server.waitFor(
      (f) => f.type === 'command.result' && (f.payload as { result: CommandResult }).result.run_id === runId,
      timeoutMs,
    );
    return (frame.payload as { result: CommandResult }).result;
  }

  ack(runId: string): void {
    this.server.send('command.result.ack', { run_id: runId });
  }

  /** Sends the envelope, waits for the result and acknowledges it. */
  async run(envelope: CommandEnvelope, timeoutMs = 20_000): Promise<CommandResult> {
    this.send(envelope);
    const result = await this.result(envelope.run_id, timeoutMs);
    this.ack(envelope.run_id);
    return result;
  }

  async refusal(runId: string | null, timeoutMs = 10_000) {
    const frame = await this.server.waitFor(
      (f) => f.type === 'command.refused' && (f.payload as { run_id: string | null }).run_id === runId,
      timeoutMs,
    );
    return frame.payload as { run_id: string | null; reason: string; message: string };
  }

  async waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`condition not met within ${timeoutMs} ms; agent stderr:\n${this.stderr.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
