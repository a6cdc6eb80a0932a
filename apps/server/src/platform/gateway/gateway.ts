import { randomUUID } from 'node:crypto';
import {
  decodeAgentFrame,
  encodeServerFrame,
  REPLIES,
  type AgentConfig,
  type AgentFrame,
  type AgentMessageType,
  type DecodeFailure,
  type EncodeOptions,
  type RequestType,
  type ServerMessageType,
  type ServerPayload,
} from '@cloudrmm/protocol';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Bus } from '../bus/bus.js';
import { AppError } from '../http/errors.js';
import {
  CLOSE_REPLACED,
  CLOSE_REVOKED,
  type AgentHandler,
  type AgentHandlers,
  type AgentIdentity,
  type AgentLink,
  type AgentPresence,
  type AgentSession,
  type ReplyPayload,
} from './agent-link.js';
import { SERVER_VERSION } from './version.js';

/** How often the gateway looks after its sockets. One timer each for all of them, never one per socket. */
export interface GatewayTimings {
  /** Closes sockets silent for two heartbeat intervals. */
  sweepMs: number;
  /** Closes sockets whose credential was revoked, by any process (security.md 18). */
  revocationCheckMs: number;
  /** Writes last-seen times, one statement per partner. */
  lastSeenFlushMs: number;
}

export const DEFAULT_TIMINGS: GatewayTimings = { sweepMs: 1_000, revocationCheckMs: 2_000, lastSeenFlushMs: 5_000 };

/** Until the welcome is sent the agent runs on the built-in defaults. */
const DEFAULT_CONFIG: AgentConfig = { heartbeat_seconds: 30, inventory_minutes: 15 };
/** An agent sending this many invalid frames a minute is broken or hostile: its socket is closed (1008). */
export const MAX_BAD_FRAMES_PER_MINUTE = 20;
/** Messages of one agent being handled at once; more are answered `busy` rather than queued without bound. */
const MAX_IN_FLIGHT = 4;
/** Requests waiting on one agent at once. */
const MAX_PENDING = 32;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** A socket closed by the server whose peer has not answered the close frame by then is cut (not ws's 30 s). */
export const CLOSE_GRACE_MS = 1_000;

interface Pending {
  expects: AgentMessageType;
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  identity: AgentIdentity;
  session: AgentSession;
  socket: WebSocket;
  /** Resolves once the device is marked online (or that failed); closing waits for it. */
  connecting: Promise<void>;
  welcomed: boolean;
  /** Settings changed while the agent was being welcomed: the welcome carries them instead. */
  pendingConfig: AgentConfig | null;
  config: AgentConfig;
  lastFrameAt: number;
  /** When the agent was last told its config: a shorter heartbeat counts from then, not from its last frame. */
  configSentAt: number;
  lastFlushedAt: number;
  badFrames: number;
  badWindowStart: number;
  inFlight: number;
  seenTypes: Set<AgentMessageType>;
  pending: Map<string, Pending>;
  claimAudited: boolean;
}

/**
 * The agent gateway (GW1): holds every agent socket of this process in one
 * map keyed by device id, sized for tens of thousands of sockets. Nothing runs
 * per socket on a timer; three sweeps look after all of them. Every frame is
 * size- and schema-checked (decodeAgentFrame) before anything acts on it
 * (security.md 20), and the agent's identity is the one its credential proved
 * at the upgrade (security.md 16).
 */
export class AgentGateway implements AgentLink {
  private readonly connections = new Map<string, Connection>();
  /**
   * Offline writes under way, by device. A new socket of the device marks it
   * online only after its previous socket's offline write has landed, so the
   * two never cross (the device left offline while its new socket is live).
   */
  private readonly offlineWrites = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private flushing = false;
  private checkingRevocation = false;

  constructor(
    private readonly opts: {
      gatewayId: string;
      presence: AgentPresence;
      bus: Bus;
      log: Logger;
      handlers: AgentHandlers;
      /** The agent was welcomed: modules may now send it what it is owed (queued commands). */
      onConnected?: (agent: AgentSession) => void;
      /** Records an agent naming another device in a frame (security.md 16). */
      auditClaim: (agent: AgentIdentity, detail: { claimed: string }) => Promise<void>;
      timings?: Partial<GatewayTimings>;
    },
  ) {}

  get gatewayId(): string {
    return this.opts.gatewayId;
  }

  /** Number of agent sockets held by this process. */
  get size(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    const t = { ...DEFAULT_TIMINGS, ...this.opts.timings };
    try {
      // A crash leaves devices marked online with our id; nobody else will mark them offline.
      const left = await this.opts.presence.abandon(this.gatewayId);
      for (const d of left) this.opts.bus.publish('device.offline', d);
    } catch (error) {
      this.opts.log.warn({ err: error }, 'could not mark devices of an earlier run of this gateway offline');
    }
    const every = (ms: number, name: string, fn: () => Promise<void> | void) => {
      const timer = setInterval(() => {
        Promise.resolve()
          .then(fn)
          .catch((error: unknown) => this.opts.log.warn({ err: error }, `agent gateway: ${name} failed`));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(t.sweepMs, 'heartbeat sweep', () => this.sweep());
    every(t.revocationCheckMs, 'revocation check', () => this.checkRevocations());
    every(t.lastSeenFlushMs, 'last-seen flush', () => this.flushLastSeen());
  }

  /** Graceful stop: last-seen written, every device of this gateway marked offline in one pass, sockets closed. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    await this.flushLastSeen().catch((error: unknown) => this.opts.log.warn({ err: error }, 'last-seen flush at stop failed'));
    this.stopping = true;
    const held = [...this.connections.values()];
    this.connections.clear();
    try {
      const left = await this.opts.presence.abandon(this.gatewayId);
      for (const d of left) this.opts.bus.publish('device.offline', d);
    } catch (error) {
      this.opts.log.warn({ err: error }, 'could not mark this gateway’s devices offline at stop');
    }
    // 1012: service restart; the agent reconnects with its jittered backoff.
    for (const c of held) c.socket.close(1012, 'server restarting');
  }

  /** Takes over an authenticated socket. A second socket of the same device replaces the first. */
  attach(socket: WebSocket, identity: AgentIdentity, remoteIp: string | null): void {
    const now = Date.now();
    const send: AgentSession['send'] = (type, payload, options) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeServerFrame(type, payload, options));
    };
    const conn: Connection = {
      identity,
      session: { ...identity, send },
      socket,
      connecting: Promise.resolve(),
      welcomed: false,
      pendingConfig: null,
      config: DEFAULT_CONFIG,
      lastFrameAt: now,
      configSentAt: now,
      lastFlushedAt: now,
      badFrames: 0,
      badWindowStart: now,
      inFlight: 0,
      seenTypes: new Set(),
      pending: new Map(),
      claimAudited: false,
    };
    const previous = this.connections.get(identity.deviceId);
    this.connections.set(identity.deviceId, conn);
    if (previous) {
      this.failPending(previous, 'the agent reconnected before it answered; try again');
      closeSocket(previous.socket, CLOSE_REPLACED, 'replaced');
    }
    const offlineWrite = this.offlineWrites.get(identity.deviceId);

    socket.on('message', (data: WebSocket.RawData) => this.onMessage(conn, data));
    socket.on('close', () => void this.onClose(conn));
    socket.on('error', (error) => this.opts.log.debug({ err: error, deviceId: identity.deviceId }, 'agent socket error'));

    conn.connecting = (async () => {
      try {
        // Never fails: markOffline logs its own errors.
        if (offlineWrite) await offlineWrite;
        const { config, inventoryHash } = await this.opts.presence.connected(identity, {
          gatewayId: this.gatewayId,
          remoteIp,
        });
        // A change pushed during the read above is the newer one.
        conn.config = conn.pendingConfig ?? config;
        if (this.connections.get(identity.deviceId) !== conn || socket.readyState !== WebSocket.OPEN) return;
        send('welcome', {
          device_id: identity.deviceId,
          server_version: SERVER_VERSION,
          config: conn.config,
          inventory_hash: inventoryHash,
        });
        conn.welcomed = true;
        this.opts.bus.publish('device.online', eventOf(identity));
        try {
          this.opts.onConnected?.(conn.session);
        } catch (error) {
          this.opts.log.error({ err: error, deviceId: identity.deviceId }, 'an agent-connected hook failed');
        }
      } catch (error) {
        this.opts.log.error({ err: error, deviceId: identity.deviceId }, 'could not mark an agent online');
        socket.close(1011, 'server error; reconnect later');
      }
    })();
  }

  // AgentLink ----------------------------------------------------------------

  request<T extends RequestType>(
    deviceId: string,
    type: T,
    payload: ServerPayload<T>,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<ReplyPayload<T>> {
    const conn = this.connections.get(deviceId);
    if (!conn || !conn.welcomed || conn.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new AppError('device_offline', 'the device is offline; try again when it reconnects'));
    }
    if (conn.pending.size >= MAX_PENDING) {
      return Promise.reject(
        new AppError('agent_timeout', 'the agent is still working on earlier requests; try again in a moment'),
      );
    }
    const id = randomUUID();
    return new Promise<ReplyPayload<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.pending.delete(id);
        reject(new AppError('agent_timeout', `the agent did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      conn.pending.set(id, {
        expects: REPLIES[type],
        resolve: resolve as (payload: unknown) => void,
        reject,
        timer,
      });
      conn.session.send(type, payload, { id });
    });
  }

  push<T extends ServerMessageType>(deviceId: string, type: T, payload: ServerPayload<T>): boolean {
    const conn = this.connections.get(deviceId);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) return false;
    // Before its welcome the agent ignores everything: keep the settings for the welcome.
    if (!conn.welcomed) {
      if (type !== 'config') return false;
      conn.pendingConfig = (payload as ServerPayload<'config'>).config;
      return true;
    }
    // The heartbeat timeout follows the interval the agent was just told.
    if (type === 'config') {
      conn.config = (payload as ServerPayload<'config'>).config;
      conn.configSentAt = Date.now();
    }
    conn.session.send(type, payload);
    return true;
  }

  isOnline(deviceId: string): boolean {
    const conn = this.connections.get(deviceId);
    return conn !== undefined && conn.socket.readyState === WebSocket.OPEN;
  }

  close(deviceId: string, code: number, reason: string): void {
    const conn = this.connections.get(deviceId);
    if (conn) closeSocket(conn.socket, code, reason);
  }

  // Frames -------------------------------------------------------------------

  private onMessage(conn: Connection, data: WebSocket.RawData): void {
    // Closing (replaced, revoked, too many bad frames): ws still hands over what the peer sends until
    // it answers the close frame, and none of it may act.
    if (conn.socket.readyState !== WebSocket.OPEN) return;
    const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const decoded = decodeAgentFrame(raw);
    if (!decoded.ok) {
      this.badFrame(conn, decoded, raw);
      return;
    }
    const frame = decoded.frame;
    conn.lastFrameAt = Date.now();

    if (frame.re !== undefined) {
      const waiting = conn.pending.get(frame.re);
      if (waiting && (frame.type === waiting.expects || frame.type === 'error')) {
        conn.pending.delete(frame.re);
        clearTimeout(waiting.timer);
        if (frame.type === 'error') waiting.reject(agentFailure(frame.payload as { code: string; message: string }));
        else waiting.resolve(frame.payload);
        return;
      }
    }
    if (frame.type === 'heartbeat') return;
    if (frame.type === 'error') {
      this.opts.log.debug({ deviceId: conn.identity.deviceId, payload: frame.payload }, 'agent reported an error');
      return;
    }
    const handler = this.opts.handlers[frame.type] as AgentHandler<AgentMessageType> | undefined;
    if (!handler) {
      // A late reply (its request timed out) or a reply to nothing: dropped, it asks for no action.
      if (Object.values(REPLIES).includes(frame.type as never)) return;
      conn.session.send(
        'error',
        { code: 'unknown_type', message: `the server does not handle "${frame.type}"` },
        { re: frame.id },
      );
      return;
    }
    if (conn.inFlight >= MAX_IN_FLIGHT) {
      conn.session.send('error', { code: 'busy', message: 'too many messages at once; send it again later' }, { re: frame.id });
      // A well-behaved agent never has this many messages outstanding: a flood counts like garbage.
      this.strike(conn, 'too many messages at once');
      return;
    }
    const first = !conn.seenTypes.has(frame.type);
    conn.seenTypes.add(frame.type);
    conn.inFlight++;
    handler(conn.session, frame as AgentFrame, { first })
      .catch((error: unknown) => {
        this.opts.log.error({ err: error, deviceId: conn.identity.deviceId, type: frame.type }, 'agent message handler failed');
        conn.session.send(
          'error',
          { code: 'failed', message: `the server could not process this ${frame.type}; it has been logged` },
          { re: frame.id },
        );
      })
      .finally(() => conn.inFlight--);
  }

  /** One more frame the gateway refused; past the per-minute budget the socket is closed (security.md 20). */
  private strike(conn: Connection, reason: string): void {
    const now = Date.now();
    if (now - conn.badWindowStart > 60_000) {
      conn.badWindowStart = now;
      conn.badFrames = 0;
    }
    conn.badFrames++;
    if (conn.badFrames > MAX_BAD_FRAMES_PER_MINUTE) closeSocket(conn.socket, 1008, reason);
  }

  private badFrame(conn: Connection, failure: DecodeFailure, raw: Buffer): void {
    const options: EncodeOptions = failure.id ? { re: failure.id } : {};
    conn.session.send('error', { code: failure.code, message: failure.message }, options);
    if (!conn.claimAudited) {
      const claimed = claimedDevice(raw, conn.identity.deviceId);
      if (claimed) {
        conn.claimAudited = true;
        this.opts
          .auditClaim(conn.identity, { claimed })
          .catch((error: unknown) => this.opts.log.warn({ err: error }, 'could not audit an agent claiming another device'));
      }
    }
    this.strike(conn, 'too many invalid frames');
  }

  // Sweeps -------------------------------------------------------------------

  private async onClose(conn: Connection): Promise<void> {
    this.failPending(conn, 'the device went offline before it answered; try again when it reconnects');
    if (this.stopping || this.connections.get(conn.identity.deviceId) !== conn) return;
    this.connections.delete(conn.identity.deviceId);
    await this.markOffline(conn);
  }

  /** Registered before its first await, so a socket of the device attached from now on waits for it. */
  private markOffline(conn: Connection): Promise<void> {
    const deviceId = conn.identity.deviceId;
    const earlier = this.offlineWrites.get(deviceId);
    const write = (async () => {
      if (earlier) await earlier;
      await conn.connecting;
      try {
        await this.opts.presence.disconnected(conn.identity, this.gatewayId, new Date(conn.lastFrameAt));
        this.opts.bus.publish('device.offline', eventOf(conn.identity));
      } catch (error) {
        this.opts.log.warn({ err: error, deviceId }, 'could not mark an agent offline');
      }
    })();
    this.offlineWrites.set(deviceId, write);
    void write.finally(() => {
      if (this.offlineWrites.get(deviceId) === write) this.offlineWrites.delete(deviceId);
    });
    return write;
  }

  private failPending(conn: Connection, message: string): void {
    for (const [id, p] of conn.pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('device_offline', message));
      conn.pending.delete(id);
    }
  }

  /** Sockets silent for two heartbeat intervals are dead: offline now, without waiting for TCP to notice. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    const dead: Connection[] = [];
    for (const conn of this.connections.values()) {
      const quietSince = Math.max(conn.lastFrameAt, conn.configSentAt);
      if (now - quietSince > 2 * conn.config.heartbeat_seconds * 1000) dead.push(conn);
    }
    for (const conn of dead) {
      this.connections.delete(conn.identity.deviceId);
      conn.socket.terminate();
    }
    await Promise.all(dead.map((c) => this.markOffline(c)));
  }

  private async checkRevocations(): Promise<void> {
    if (this.checkingRevocation || this.connections.size === 0) return;
    this.checkingRevocation = true;
    try {
      const byAgent = new Map<string, Connection>();
      for (const c of this.connections.values()) byAgent.set(c.identity.agentId, c);
      const revoked = await this.opts.presence.revoked([...byAgent.keys()]);
      for (const agentId of revoked) {
        const conn = byAgent.get(agentId);
        if (conn) closeSocket(conn.socket, CLOSE_REVOKED, 'credential revoked');
      }
    } finally {
      this.checkingRevocation = false;
    }
  }

  private async flushLastSeen(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const byTenant = new Map<string, { conn: Connection; at: number }[]>();
      for (const conn of this.connections.values()) {
        if (conn.lastFrameAt <= conn.lastFlushedAt) continue;
        let list = byTenant.get(conn.identity.tenantId);
        if (!list) byTenant.set(conn.identity.tenantId, (list = []));
        list.push({ conn, at: conn.lastFrameAt });
      }
      for (const [tenantId, list] of byTenant) {
        await this.opts.presence.seen(
          tenantId,
          list.map((x) => ({ deviceId: x.conn.identity.deviceId, at: new Date(x.at) })),
        );
        for (const x of list) x.conn.lastFlushedAt = x.at;
      }
    } finally {
      this.flushing = false;
    }
  }
}

/**
 * Closes a socket and cuts it if the peer has not answered the close frame
 * within CLOSE_GRACE_MS: a revoked or misbehaving agent must not hold it open.
 */
function closeSocket(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  const timer = setTimeout(() => {
    if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }, CLOSE_GRACE_MS);
  timer.unref();
}

/** An agent's `error` reply as the REST caller sees it. */
function agentFailure(p: { code: string; message: string }): AppError {
  if (p.code === 'busy') {
    return new AppError('agent_busy', 'the device is busy with another request of this kind; try again in a few seconds');
  }
  return new AppError(
    p.code === 'timeout' ? 'agent_timeout' : 'agent_error',
    `the agent could not do this: ${p.message || p.code}`,
  );
}

function eventOf(a: AgentIdentity) {
  return { tenantId: a.tenantId, organizationId: a.organizationId, siteId: a.siteId, deviceId: a.deviceId };
}

const DEVICE_FIELDS = ['device_id', 'deviceId', 'agent_id', 'agentId'];

/**
 * The device id an invalid frame names, when it is not the sender's own: an
 * agent trying to speak for another device (security.md 16). Looks at the
 * envelope and the top of the payload only; it is run on refused frames, which
 * are capped per minute.
 */
function claimedDevice(raw: Buffer, ownDeviceId: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const envelope = value as Record<string, unknown>;
  const payload = envelope.payload && typeof envelope.payload === 'object' ? (envelope.payload as Record<string, unknown>) : {};
  for (const where of [envelope, payload]) {
    for (const field of DEVICE_FIELDS) {
      const v = where[field];
      if (typeof v === 'string' && v !== ownDeviceId) return v.slice(0, 64);
    }
  }
  return null;
}
