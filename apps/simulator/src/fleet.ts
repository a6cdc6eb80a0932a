import { createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  AGENT_SOCKET_PATH,
  commandSigningInput,
  contentHash,
  ENROLL_PATH,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  decodeServerFrame,
  encodeAgentFrame,
  type AgentConfig,
  type AgentMessageType,
  type AgentPayload,
  type CommandEnvelope,
  type CommandResult,
  type EnrollRequest,
  type EnrollResponse,
  type ServerFrame,
} from '@cloudrmm/protocol';
import WebSocket from 'ws';
import { BACKOFF_CAP_MS, backoffDelay } from './backoff.js';
import { fastContentHash } from './hash.js';
import {
  deviceIdentity,
  generateDiskUsage,
  generateInventory,
  generateProcesses,
  generateStatus,
  type SimPlatform,
  type SoftwareRange,
} from './inventory.js';
import type { AgentCredential } from './state.js';
import { emptyStats, type FleetStats } from './stats.js';
import { TimerWheel } from './wheel.js';

export const SIMULATOR_AGENT_VERSION = '0.1.0-sim';

/** Every simulated agent trusts the same server key: parse it once. */
const publicKeys = new Map<string, KeyObject>();
function publicKey(spkiBase64: string): KeyObject {
  let key = publicKeys.get(spkiBase64);
  if (!key)
    publicKeys.set(spkiBase64, (key = createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' })));
  return key;
}

export interface FleetOptions {
  /** The server's base URL: http(s)://host:port. */
  server: string;
  /** Agents of this fleet: indices [firstIndex, firstIndex + agents). */
  agents: number;
  firstIndex?: number;
  token?: string;
  siteCode?: string;
  /** Credentials from the state file, by agent index. */
  credentials?: Record<number, AgentCredential>;
  onCredential?: (index: number, credential: AgentCredential) => void;
  /** Enrollment requests in flight at once. */
  enrollConcurrency?: number;
  /** WebSocket handshakes in flight at once. */
  connectConcurrency?: number;
  /** Vary every heartbeat interval by ±10 % (the first beat is always at a random phase). */
  heartbeatJitter?: boolean;
  software?: SoftwareRange;
  /** Local addresses to connect from, round-robin by agent (e.g. 127.0.0.1-127.0.0.8 against a loopback server). */
  sourceAddresses?: string[];
  log?: (line: string) => void;
}

const KIND_HEARTBEAT = 0;
const KIND_STATUS = 1;
const KIND_RETRY = 2;

type Phase = 'idle' | 'enrolling' | 'waiting' | 'connecting' | 'open' | 'failed' | 'stopped';

interface Agent {
  index: number;
  phase: Phase;
  credential: AgentCredential | null;
  ws: WebSocket | null;
  welcomed: boolean;
  /** Consecutive failed attempts (enrollment or connection), for the backoff. */
  attempt: number;
  config: AgentConfig;
  seq: number;
  /** The id of the inventory frame awaiting its ack, so an `error` answering it is counted as a failed inventory. */
  inventoryFrameId: string | null;
  /** Generations of the three timers: a firing with an older one is ignored. */
  gens: [number, number, number];
  /** Runs this agent was sent: the result until the server acknowledges it, then 'acked'. */
  runs: Map<string, CommandResult | 'acked'>;
}

/**
 * Many simulated agents in one process, speaking the real protocol over real
 * sockets. Timers are one shared wheel; each agent is a small record plus its
 * WebSocket. Inventories are generated when they must be sent, never kept.
 */
export class Fleet {
  private readonly agents: Agent[] = [];
  private readonly wheel: TimerWheel<Agent>;
  private readonly counters = emptyStats();
  private readonly enrollQueue: Agent[] = [];
  private readonly connectQueue: Agent[] = [];
  private enrollInFlight = 0;
  private connectInFlight = 0;
  private stopping = false;
  private readonly httpAgent: http.Agent;
  private readonly socketUrl: string;
  private readonly software: SoftwareRange;
  private readonly log: (line: string) => void;
  private readonly reported = new Set<string>();

  constructor(private readonly options: FleetOptions) {
    const base = new URL(options.server);
    const secure = base.protocol === 'https:';
    this.socketUrl = `${secure ? 'wss' : 'ws'}://${base.host}${AGENT_SOCKET_PATH}`;
    this.httpAgent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: options.enrollConcurrency ?? 50 });
    this.software = options.software ?? { min: 200, max: 2000 };
    this.log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.wheel = new TimerWheel<Agent>((agent, token) => this.onTimer(agent, token), 100);
    this.counters.agents = options.agents;
    const first = options.firstIndex ?? 0;
    for (let i = 0; i < options.agents; i++) {
      const index = first + i;
      const credential = options.credentials?.[index] ?? null;
      this.agents.push({
        index,
        phase: 'idle',
        credential,
        ws: null,
        welcomed: false,
        attempt: 0,
        config: { heartbeat_seconds: 60, inventory_minutes: 15 },
        seq: 0,
        inventoryFrameId: null,
        gens: [0, 0, 0],
        runs: new Map(),
      });
      if (credential) this.counters.enrolled++;
    }
  }

  start(): void {
    if (!this.options.token && !this.options.siteCode && this.agents.some((a) => !a.credential)) {
      throw new Error('agents without a saved credential need --token or --site-code to enroll');
    }
    for (const agent of this.agents) {
      if (agent.credential) this.queueConnect(agent);
      else this.queueEnroll(agent);
    }
    this.wheel.start();
  }

  stats(): FleetStats {
    const usage = process.cpuUsage();
    return {
      ...this.counters,
      error_kinds: { ...this.counters.error_kinds },
      cpu_ms: Math.round((usage.user + usage.system) / 1000),
      rss_bytes: process.memoryUsage.rss(),
    };
  }

  /** Closes every socket (normal closure) and stops all timers. */
  async stop(): Promise<FleetStats> {
    this.stopping = true;
    this.wheel.stop();
    const closing: Promise<void>[] = [];
    for (const agent of this.agents) {
      agent.phase = 'stopped';
      const ws = agent.ws;
      if (!ws) continue;
      if (ws.readyState === WebSocket.OPEN) {
        closing.push(new Promise((resolve) => ws.once('close', () => resolve())));
        ws.close(1000, 'simulator stopping');
      } else ws.terminate();
    }
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const agent of this.agents) agent.ws?.terminate();
    this.httpAgent.destroy();
    return this.stats();
  }

  // ---- errors ---------------------------------------------------------------

  private error(kind: string, detail?: string): void {
    this.counters.errors++;
    this.counters.error_kinds[kind] = (this.counters.error_kinds[kind] ?? 0) + 1;
    // Each distinct problem is printed once; the counters carry the rest.
    const key = `${kind}:${detail ?? ''}`;
    if (detail && !this.reported.has(key) && this.reported.size < 50) {
      this.reported.add(key);
      this.log(`[simulate] ${kind}: ${detail}`);
    }
  }

  // ---- timers ---------------------------------------------------------------

  private schedule(agent: Agent, kind: number, at: number): void {
    const gen = ++agent.gens[kind as 0 | 1 | 2];
    this.wheel.schedule(at, agent, gen * 4 + kind);
  }

  private cancel(agent: Agent, kind: number): void {
    agent.gens[kind as 0 | 1 | 2]++;
  }

  private onTimer(agent: Agent, token: number): void {
    const kind = token % 4;
    if (this.stopping || agent.gens[kind as 0 | 1 | 2] !== Math.floor(token / 4)) return;
    if (kind === KIND_RETRY) {
      if (agent.credential) this.queueConnect(agent);
      else this.queueEnroll(agent);
    } else if (kind === KIND_HEARTBEAT) {
      if (!this.sendable(agent)) return;
      this.send(agent, 'heartbeat', { seq: ++agent.seq });
      this.counters.heartbeats++;
      this.scheduleHeartbeat(agent, 1);
    } else if (kind === KIND_STATUS) {
      if (!this.sendable(agent)) return;
      this.sendStatus(agent);
      this.schedule(agent, KIND_STATUS, Date.now() + agent.config.inventory_minutes * 60_000);
    }
  }

  /** Next heartbeat after `fraction` of an interval (a random fraction spreads the fleet). */
  private scheduleHeartbeat(agent: Agent, fraction: number): void {
    let interval = agent.config.heartbeat_seconds * 1000;
    if (this.options.heartbeatJitter && fraction === 1) interval *= 0.9 + Math.random() * 0.2;
    this.schedule(agent, KIND_HEARTBEAT, Date.now() + interval * fraction);
  }

  private retryLater(agent: Agent, revoked = false): void {
    if (this.stopping) return;
    const delay = revoked ? backoffDelay(30) : backoffDelay(agent.attempt);
    agent.attempt++;
    agent.phase = 'waiting';
    this.schedule(agent, KIND_RETRY, Date.now() + Math.min(delay, BACKOFF_CAP_MS));
  }

  // ---- enrollment -----------------------------------------------------------

  private queueEnroll(agent: Agent): void {
    agent.phase = 'enrolling';
    this.enrollQueue.push(agent);
    this.pumpEnroll();
  }

  private pumpEnroll(): void {
    const limit = this.options.enrollConcurrency ?? 50;
    while (!this.stopping && this.enrollInFlight < limit && this.enrollQueue.length > 0) {
      const agent = this.enrollQueue.shift()!;
      this.enrollInFlight++;
      void this.enroll(agent).finally(() => {
        this.enrollInFlight--;
        this.pumpEnroll();
      });
    }
  }

  private async enroll(agent: Agent): Promise<void> {
    const identity = deviceIdentity(agent.index);
    const body: EnrollRequest = {
      hostname: identity.hostname,
      agent_version: SIMULATOR_AGENT_VERSION,
      protocol_version: PROTOCOL_VERSION,
      os: identity.platform,
      arch: identity.arch,
      ...(this.options.token ? { token: this.options.token } : { site_code: this.options.siteCode! }),
    };
    let res: { status: number; headers: http.IncomingHttpHeaders; body: string };
    try {
      res = await this.post(ENROLL_PATH, body, this.sourceAddress(agent));
    } catch (error) {
      this.error(`enroll_${(error as NodeJS.ErrnoException).code ?? 'network'}`, (error as Error).message);
      this.counters.enroll_failures++;
      return this.retryLater(agent);
    }
    if (this.stopping) return;
    if (res.status === 201 || res.status === 200) {
      const enrolled = JSON.parse(res.body) as EnrollResponse;
      agent.credential = {
        agent_id: enrolled.agent_id,
        device_id: enrolled.device_id,
        credential: enrolled.credential,
        partner_id: enrolled.partner_id,
        ...(enrolled.command_key ? { command_key: enrolled.command_key } : {}),
      };
      agent.attempt = 0;
      this.counters.enrolled++;
      this.counters.enrolled_now++;
      this.options.onCredential?.(agent.index, agent.credential);
      this.queueConnect(agent);
      return;
    }
    this.counters.enroll_failures++;
    const message = errorMessage(res.body);
    if (res.status === 429 || res.status >= 500) {
      // Throttled or a server hiccup: try again, after Retry-After when the server says.
      this.error(`enroll_${res.status}`, message);
      const retryAfter = Number(res.headers['retry-after']);
      if (Number.isFinite(retryAfter) && retryAfter > 0) {
        agent.phase = 'waiting';
        this.schedule(agent, KIND_RETRY, Date.now() + retryAfter * 1000 * (1 + Math.random()));
      } else this.retryLater(agent);
      return;
    }
    // Refused (expired or used-up token, unknown site code, ...): retrying will not help.
    this.error(`enroll_${res.status}`, message);
    agent.phase = 'failed';
  }

  private post(pathname: string, body: unknown, localAddress: string | undefined) {
    const url = new URL(pathname, this.options.server);
    const payload = JSON.stringify(body);
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.httpAgent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: 60_000,
          ...(localAddress ? { localAddress } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('enrollment request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private sourceAddress(agent: Agent): string | undefined {
    const list = this.options.sourceAddresses;
    return list && list.length > 0 ? list[agent.index % list.length] : undefined;
  }

  // ---- connection -----------------------------------------------------------

  private queueConnect(agent: Agent): void {
    agent.phase = 'waiting';
    this.connectQueue.push(agent);
    this.pumpConnect();
  }

  private pumpConnect(): void {
    const limit = this.options.connectConcurrency ?? 200;
    while (!this.stopping && this.connectInFlight < limit && this.connectQueue.length > 0) {
      const agent = this.connectQueue.shift()!;
      if (agent.phase !== 'waiting') continue;
      this.connectInFlight++;
      this.connect(agent);
    }
  }

  private connect(agent: Agent): void {
    agent.phase = 'connecting';
    agent.welcomed = false;
    const localAddress = this.sourceAddress(agent);
    const ws = new WebSocket(this.socketUrl, {
      headers: { authorization: `Bearer ${agent.credential!.credential}` },
      perMessageDeflate: false,
      handshakeTimeout: 60_000,
      maxPayload: MAX_FRAME_BYTES,
      ...(localAddress ? { localAddress } : {}),
    });
    agent.ws = ws;
    let handshaking = true;
    let status: number | null = null;
    let failure: string | null = null;
    let errorCode: string | null = null;
    const handshakeDone = () => {
      if (!handshaking) return;
      handshaking = false;
      this.connectInFlight--;
      this.pumpConnect();
    };

    ws.on('unexpected-response', (_req, res) => {
      status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        failure = errorMessage(Buffer.concat(chunks).toString('utf8'));
        ws.terminate();
      });
      res.on('error', () => ws.terminate());
    });
    ws.on('open', () => {
      handshakeDone();
      agent.phase = 'open';
      this.counters.connected++;
      this.counters.connects++;
    });
    ws.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.message;
      errorCode ??= error.code ?? null;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return this.error('server_binary_frame', 'the server sent a binary frame');
      this.onFrame(agent, data);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (agent.ws === ws) agent.ws = null;
      this.cancel(agent, KIND_HEARTBEAT);
      this.cancel(agent, KIND_STATUS);
      if (handshaking) {
        handshakeDone();
        if (this.stopping) return;
        if (status === 401) this.error('socket_401', failure ?? 'credential refused');
        else if (status && status > 0) this.error(`socket_${status}`, failure ?? undefined);
        else this.error(`connect_${errorCode ?? 'failed'}`, failure ?? undefined);
        return this.retryLater(agent);
      }
      this.counters.connected--;
      if (agent.welcomed) this.counters.welcomed--;
      agent.welcomed = false;
      if (this.stopping) return;
      this.counters.disconnects++;
      if (code === 4003) {
        this.counters.revoked++;
        this.error('revoked', `the server revoked agent ${agent.index}'s credential (close 4003)`);
        return this.retryLater(agent, true);
      }
      this.error(`closed_${code}`, reason.toString('utf8') || undefined);
      this.retryLater(agent);
    });
  }

  private sendable(agent: Agent): boolean {
    return agent.welcomed && agent.ws !== null && agent.ws.readyState === WebSocket.OPEN;
  }

  private send<T extends AgentMessageType>(agent: Agent, type: T, payload: AgentPayload<T>, re?: string): string {
    const id = randomUUID();
    agent.ws!.send(encodeAgentFrame(type, payload, re ? { re, id } : { id }));
    return id;
  }

  private onFrame(agent: Agent, data: Buffer): void {
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) return this.error('server_bad_frame', `${decoded.code}: ${decoded.message}`);
    const frame: ServerFrame = decoded.frame;
    switch (frame.type) {
      case 'welcome': {
        agent.welcomed = true;
        agent.attempt = 0;
        agent.config = frame.payload.config;
        this.counters.welcomed++;
        this.sendInventoryIfChanged(agent, frame.payload.inventory_hash);
        this.sendStatus(agent);
        // Results the server has not acknowledged (it restarted, the socket dropped) go again.
        for (const result of agent.runs.values()) if (result !== 'acked') this.send(agent, 'command.result', { result });
        this.scheduleHeartbeat(agent, Math.random());
        this.schedule(agent, KIND_STATUS, Date.now() + agent.config.inventory_minutes * 60_000 * (0.5 + Math.random() * 0.5));
        return;
      }
      case 'config': {
        const before = agent.config;
        agent.config = frame.payload.config;
        this.counters.configs++;
        // A new interval applies at once, at a random phase: the server pushes a partner's
        // settings to every agent in the same second, and they must not beat together after.
        if (before.heartbeat_seconds !== agent.config.heartbeat_seconds) this.scheduleHeartbeat(agent, Math.random());
        if (before.inventory_minutes !== agent.config.inventory_minutes) {
          this.schedule(agent, KIND_STATUS, Date.now() + agent.config.inventory_minutes * 60_000 * Math.random());
        }
        return;
      }
      case 'inventory.ack':
        agent.inventoryFrameId = null;
        this.counters.inventory_acks++;
        if (agent.credential?.inventory_hash && frame.payload.hash !== agent.credential.inventory_hash) {
          this.error('inventory_ack_mismatch', `ack for ${frame.payload.hash}, sent ${agent.credential.inventory_hash}`);
        }
        return;
      case 'processes.list': {
        const summary = generateInventory(agent.index, { min: 0, max: 0 });
        const started = Date.now();
        const result = generateProcesses(
          agent.index,
          summary.os.platform as SimPlatform,
          frame.payload,
          summary.memory.total_bytes,
        );
        this.send(agent, 'processes.list.result', { ...result, sampled_ms: Date.now() - started + 120 }, frame.id);
        this.counters.requests_answered++;
        return;
      }
      case 'disk.usage': {
        const summary = generateInventory(agent.index, { min: 0, max: 0 });
        this.send(agent, 'disk.usage.result', generateDiskUsage(agent.index, summary, frame.payload), frame.id);
        this.counters.requests_answered++;
        return;
      }
      case 'command':
        this.onCommand(agent, frame.payload.envelope);
        return;
      case 'command.result.ack':
        if (typeof agent.runs.get(frame.payload.run_id) === 'object') {
          agent.runs.set(frame.payload.run_id, 'acked');
          this.counters.results_acked++;
        }
        return;
      case 'command.cancel':
        return;
      case 'error':
        if (frame.re && frame.re === agent.inventoryFrameId) {
          agent.inventoryFrameId = null;
          this.counters.inventory_failures++;
        }
        this.error(`server_error_${frame.payload.code}`, frame.payload.message);
        return;
    }
  }

  /**
   * A command, checked as the real agent checks it (signature, device, partner,
   * expiry) and answered at once with a successful result. Repeats of a run are
   * answered from memory, never run twice.
   */
  private onCommand(agent: Agent, envelope: CommandEnvelope): void {
    this.counters.commands_received++;
    const credential = agent.credential!;
    const known = agent.runs.get(envelope.run_id);
    if (known === 'acked') return this.refuse(agent, envelope, 'replayed', 'this run already finished');
    if (known) {
      this.send(agent, 'command.result', { result: known });
      return;
    }
    const key = credential.command_key;
    const problem = !key
      ? (['unknown_key', 'enrolled without a command key'] as const)
      : key.key_id !== envelope.key_id
        ? (['unknown_key', 'signed with another key'] as const)
        : !verify(null, commandSigningInput(envelope), publicKey(key.public_key), Buffer.from(envelope.signature, 'base64'))
          ? (['bad_signature', 'the signature does not verify'] as const)
          : contentHash(envelope.payload) !== envelope.payload_hash
            ? (['altered', 'the payload does not match its hash'] as const)
            : envelope.device_id !== credential.device_id
              ? (['wrong_device', 'for another device'] as const)
              : credential.partner_id && envelope.partner_id !== credential.partner_id
                ? (['wrong_partner', 'for another partner'] as const)
                : envelope.expires_at < Date.now()
                  ? (['expired', 'expired'] as const)
                  : null;
    if (problem) return this.refuse(agent, envelope, problem[0], problem[1]);
    const startedAt = Date.now();
    const result: CommandResult = {
      run_id: envelope.run_id,
      status: 'succeeded',
      exit_code: 0,
      stdout: `simulated ${envelope.payload.kind} on agent ${agent.index}\n`,
      stderr: '',
      stdout_truncated: false,
      stderr_truncated: false,
      started_at: startedAt,
      finished_at: Date.now(),
    };
    agent.runs.set(envelope.run_id, result);
    this.send(agent, 'command.accepted', { run_id: envelope.run_id, started_at: startedAt });
    this.send(agent, 'command.result', { result });
    this.counters.results_sent++;
  }

  private refuse(
    agent: Agent,
    envelope: CommandEnvelope,
    reason: 'replayed' | 'unknown_key' | 'bad_signature' | 'altered' | 'wrong_device' | 'wrong_partner' | 'expired',
    message: string,
  ): void {
    this.counters.commands_refused++;
    this.error(`command_refused_${reason}`, message);
    this.send(agent, 'command.refused', { run_id: envelope.run_id, reason, message });
  }

  private sendInventoryIfChanged(agent: Agent, serverHash: string | null): void {
    const credential = agent.credential!;
    if (credential.inventory_hash && credential.inventory_hash === serverHash) return;
    const inventory = generateInventory(agent.index, this.software);
    const hash = fastContentHash(inventory);
    if (hash !== credential.inventory_hash) {
      credential.inventory_hash = hash;
      this.options.onCredential?.(agent.index, credential);
    }
    if (hash === serverHash) return;
    agent.inventoryFrameId = this.send(agent, 'inventory', { hash, inventory });
    this.counters.inventories++;
  }

  private sendStatus(agent: Agent): void {
    const summary = generateInventory(agent.index, { min: 0, max: 0 });
    this.send(agent, 'status', { status: generateStatus(agent.index, summary) });
    this.counters.statuses++;
  }
}

/** The message of the API's error shape `{error: {code, message}}`, or the raw body. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message) return `${parsed.error.code ?? 'error'}: ${parsed.error.message}`;
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || '(empty response)';
}
