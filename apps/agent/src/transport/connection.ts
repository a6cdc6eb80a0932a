import { statSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  AGENT_SOCKET_PATH,
  MAX_FRAME_BYTES,
  REPLIES,
  decodeServerFrame,
  encodeAgentFrame,
  type AgentConfig,
  type AgentMessageType,
  type AgentPayload,
  type ServerFrame,
} from '@cloudrmm/protocol';
import { errorMessage, type Logger } from '../log.js';
import type { Feature, FrameOf, Registry, Session } from '../registry.js';
import { loadIdentity, type AgentIdentity } from '../state/credential.js';
import { capturePinned, explainTlsError } from '../state/pinning.js';
import { stateFiles } from '../state/state-dir.js';
import { writeRunStatus, type ConnectionState, type RunStatus } from '../state/status-file.js';
import { AGENT_VERSION } from '../version.js';
import { Backoff } from './backoff.js';
import { HelloRefusedError, sameOriginSocketPath, sayHello } from './hello.js';
import { checkServerUrl } from './server-url.js';
import { DEV_TLS_WARNING, pinnedTls } from './tls-policy.js';

/** Close code the gateway uses when the agent's credential was revoked. */
export const CLOSE_REVOKED = 4003;
const WELCOME_TIMEOUT_MS = 30_000;
/** How often a revoked agent looks for a new enrollment on disk. */
const REENROLL_POLL_MS = 5_000;

export interface ConnectionOptions {
  stateDir: string;
  dev: boolean;
  registry: Registry;
  log: Logger;
  backoff?: Backoff;
  env?: NodeJS.ProcessEnv;
}

/** The live session on one socket, from `welcome` until close. */
class LiveSession implements Session {
  private heartbeat: NodeJS.Timeout | null = null;
  private seq = 0;
  private missedPongs = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly registry: Registry,
    readonly deviceId: string,
    readonly partnerId: string,
    readonly stateDir: string,
    public config: AgentConfig,
    readonly serverInventoryHash: string | null,
    readonly log: Logger,
    private readonly onConfig: (config: AgentConfig) => void,
  ) {
    ws.on('pong', () => {
      this.missedPongs = 0;
    });
  }

  send<T extends AgentMessageType>(type: T, payload: AgentPayload<T>, options?: { re?: string }): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeAgentFrame(type, payload, options));
    return true;
  }

  begin(): void {
    this.scheduleHeartbeat();
    for (const feature of this.registry.features) feature.start?.(this);
  }

  applyConfig(config: AgentConfig): void {
    this.config = config;
    this.scheduleHeartbeat();
    for (const feature of this.registry.features) feature.configure?.(this);
    this.onConfig(config);
  }

  end(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const feature of this.registry.features) feature.stop?.();
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      // A WebSocket ping alongside: a half-open TCP connection is noticed within two intervals.
      if (++this.missedPongs > 2) {
        this.log('warn', 'connection.dead', { reason: 'no pong for two heartbeat intervals' });
        this.ws.terminate();
        return;
      }
      this.send('heartbeat', { seq: this.seq++ });
      this.ws.ping();
    }, this.config.heartbeat_seconds * 1000);
  }
}

/**
 * The agent's one connection to the gateway (AGT3): hello, WebSocket with the
 * credential, reconnect with jittered backoff, and a status file other
 * processes read.
 */
export class AgentConnection {
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private identity: AgentIdentity | null = null;
  private identityVersion = 0;
  private ws: WebSocket | null = null;
  private session: LiveSession | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private reenrollWatch: NodeJS.Timeout | null = null;
  private stopped = false;
  private needHello = true;
  /** Why the last attempt cannot succeed by retrying soon: a revoked credential or a refusal. */
  private blocked: 'revoked' | 'refused' | null = null;
  private readonly inFlight = new Map<Feature, number>();
  private readonly status: RunStatus;

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.log = options.log;
    const now = new Date().toISOString();
    this.status = {
      pid: process.pid,
      agent_version: AGENT_VERSION,
      started_at: now,
      updated_at: now,
      state: 'starting',
      server: null,
      device_id: null,
      agent_id: null,
      connected_since: null,
      last_connected_at: null,
      last_disconnected_at: null,
      last_error: null,
      next_retry_at: null,
      config: null,
    };
  }

  /** Loads the identity and checks the server URL; throws (clear message) if `run` cannot work at all. */
  async start(): Promise<void> {
    await this.loadIdentity();
    const identity = this.identity!;
    const server = checkServerUrl(identity.server, this.options.dev);
    if (server.unverified) this.log('warn', 'tls.unverified', { message: DEV_TLS_WARNING });
    this.update({ server: identity.server, device_id: identity.device_id, agent_id: identity.agent_id });
    this.log('info', 'agent.started', {
      version: AGENT_VERSION,
      server: identity.server,
      device_id: identity.device_id,
      state_dir: this.options.stateDir,
    });
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.session?.end();
    this.session = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'agent stopping');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      });
    }
    this.update({ state: 'stopped', connected_since: null, next_retry_at: null });
  }

  get state(): ConnectionState {
    return this.status.state;
  }

  private credentialVersion(): number {
    try {
      return statSync(stateFiles(this.options.stateDir).credential).mtimeMs;
    } catch {
      return 0;
    }
  }

  private async loadIdentity(): Promise<void> {
    const version = this.credentialVersion();
    if (this.identity && version === this.identityVersion) return;
    this.identity = await loadIdentity(this.options.stateDir, this.options.env);
    if (this.identityVersion !== 0) this.log('info', 'identity.reloaded', { agent_id: this.identity.agent_id });
    this.identityVersion = version;
    this.needHello = true;
  }

  private update(patch: Partial<RunStatus>): void {
    Object.assign(this.status, patch, { updated_at: new Date().toISOString() });
    try {
      writeRunStatus(this.options.stateDir, this.status);
    } catch (error) {
      this.log('warn', 'status.write_failed', { error: errorMessage(error) });
    }
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.reenrollWatch) clearInterval(this.reenrollWatch);
    this.retryTimer = null;
    this.reenrollWatch = null;
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    this.clearTimers();
    const delay = this.blocked ? this.backoff.atCap() : this.backoff.next();
    const state: ConnectionState = this.blocked ?? 'disconnected';
    this.update({ state, last_error: reason, next_retry_at: new Date(Date.now() + delay).toISOString(), connected_since: null });
    this.log(this.blocked ? 'error' : 'warn', 'connection.retry', { state, reason, retry_in_ms: delay });
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    if (this.blocked) {
      // A new enrollment written by `cloudrmm-agent enroll` is picked up without waiting for the cap.
      const version = this.identityVersion;
      this.reenrollWatch = setInterval(() => {
        if (this.credentialVersion() !== version) {
          this.log('info', 'identity.changed', { message: 'a new enrollment was found; reconnecting now' });
          this.clearTimers();
          void this.attempt();
        }
      }, REENROLL_POLL_MS);
    }
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.clearTimers();
    let identity: AgentIdentity;
    try {
      const before = this.identityVersion;
      await this.loadIdentity();
      identity = this.identity!;
      if (this.identityVersion !== before) {
        this.blocked = null;
        this.update({ server: identity.server, device_id: identity.device_id, agent_id: identity.agent_id });
      }
    } catch (error) {
      this.blocked = 'refused';
      this.retry(errorMessage(error));
      return;
    }
    let server;
    try {
      server = checkServerUrl(identity.server, this.options.dev);
    } catch (error) {
      this.blocked = 'refused';
      this.retry(errorMessage(error));
      return;
    }
    const tls = pinnedTls(server, identity.pinned);
    this.update({ state: 'connecting', next_retry_at: null });

    let socketPath = identity.socket_path;
    if (this.needHello) {
      try {
        socketPath = (await sayHello(server.origin, tls)).socketPath;
        this.needHello = false;
      } catch (error) {
        // Only a real refusal waits near the cap. A 5xx from a proxy while the server
        // restarts, a 408/429 or a network error retries with the normal jittered backoff.
        if (error instanceof HelloRefusedError) {
          this.blocked = 'refused';
          this.log('error', 'connection.refused', { server: server.origin, reason: errorMessage(error) });
        } else {
          this.log('warn', 'hello.failed', { server: server.origin, reason: errorMessage(error) });
        }
        this.retry(errorMessage(error));
        return;
      }
      if (this.stopped) return;
    }

    // The stored path is checked again: the credential goes to the server's origin only.
    const url = new URL(sameOriginSocketPath(socketPath, server.origin) ?? AGENT_SOCKET_PATH, server.origin);
    url.protocol = server.plaintext ? 'ws:' : 'wss:';
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${identity.credential}` },
      ca: tls.ca,
      rejectUnauthorized: tls.rejectUnauthorized,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 20_000,
      followRedirects: false,
    });
    this.ws = ws;
    let failure: string | null = null;
    let opened = false;
    let welcomeTimer: NodeJS.Timeout | null = null;

    ws.on('unexpected-response', (_request, response) => {
      response.resume();
      if (response.statusCode === 401) {
        this.blocked = 'revoked';
        failure =
          'the server refused the agent credential (HTTP 401): it was revoked or the device was deleted. ' +
          'Retrying every few minutes; enroll this machine again to recover.';
      } else {
        // Perhaps the server changed under us; ask hello again before the next try.
        this.needHello = true;
        failure = `the server refused the connection (HTTP ${response.statusCode})`;
      }
      ws.terminate();
    });
    ws.on('upgrade', (response) => {
      const socket = response.socket as TLSSocket;
      if (!identity.pinned || typeof socket.getPeerCertificate !== 'function') return;
      try {
        const seen = capturePinned(socket);
        if (seen.leaf_spki_sha256 !== identity.pinned.leaf_spki_sha256) {
          // Renewals change the leaf key; the pinned CA still vouches for it, so this is news, not an attack.
          this.log('info', 'tls.leaf_key_changed', { leaf: seen.leaf_subject, ca: identity.pinned.ca_subject });
        }
      } catch {
        // Nothing to compare: the CA check already passed.
      }
    });
    ws.on('open', () => {
      opened = true;
      this.backoff.connected();
      this.blocked = null;
      const now = new Date().toISOString();
      this.update({ state: 'connected', connected_since: now, last_connected_at: now, last_error: null });
      this.log('info', 'connection.open', { server: server.origin, device_id: identity.device_id });
      welcomeTimer = setTimeout(() => {
        this.log('warn', 'connection.no_welcome', { after_ms: WELCOME_TIMEOUT_MS });
        ws.terminate();
      }, WELCOME_TIMEOUT_MS);
    });
    ws.on('message', (data: WebSocket.RawData) => {
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const decoded = decodeServerFrame(raw);
      if (!decoded.ok) {
        this.log('warn', 'frame.rejected', { code: decoded.code, message: decoded.message });
        if (decoded.code === 'invalid_payload' && this.malformed(raw, decoded.message)) return;
        const reply = encodeAgentFrame(
          'error',
          { code: decoded.code, message: decoded.message.slice(0, 2000) },
          decoded.id ? { re: decoded.id } : {},
        );
        if (ws.readyState === WebSocket.OPEN) ws.send(reply);
        return;
      }
      if (decoded.frame.type === 'welcome' && welcomeTimer) clearTimeout(welcomeTimer);
      try {
        this.dispatch(ws, identity, decoded.frame);
      } catch (error) {
        this.log('error', 'frame.handler_failed', { type: decoded.frame.type, error: errorMessage(error) });
      }
    });
    ws.on('error', (error) => {
      failure ??= explainTlsError(error, identity.pinned) ?? `cannot connect to ${url.origin}: ${error.message}`;
    });
    ws.on('close', (code, reasonBuffer) => {
      if (welcomeTimer) clearTimeout(welcomeTimer);
      this.session?.end();
      this.session = null;
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      const reason = reasonBuffer.toString('utf8');
      if (opened) {
        this.backoff.disconnected();
        this.update({ last_disconnected_at: new Date().toISOString() });
        if (code === CLOSE_REVOKED) {
          this.blocked = 'revoked';
          failure = `the server closed the connection: the agent credential was revoked${reason ? ` (${reason})` : ''}. Retrying every few minutes; enroll this machine again to recover.`;
        }
        this.log('warn', 'connection.closed', { code, reason });
      }
      this.retry(failure ?? `connection closed (code ${code}${reason ? `: ${reason}` : ''})`);
    });
  }

  /** Hands a frame whose payload failed its check to the feature that handles its type, if it wants it. */
  private malformed(raw: Buffer, message: string): boolean {
    const session = this.session;
    if (!session) return false;
    let frame: { type?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(raw.toString('utf8')) as typeof frame;
    } catch {
      return false;
    }
    if (typeof frame.type !== 'string') return false;
    const feature = this.options.registry.ownerOf(frame.type);
    if (!feature?.malformed) return false;
    try {
      return feature.malformed(frame.type, frame.payload, message, session);
    } catch (error) {
      this.log('error', 'frame.handler_failed', { type: frame.type, error: errorMessage(error) });
      return false;
    }
  }

  private dispatch(ws: WebSocket, identity: AgentIdentity, frame: ServerFrame): void {
    if (frame.type === 'welcome') {
      this.session?.end();
      const { device_id, config, inventory_hash, server_version } = frame.payload;
      if (device_id !== identity.device_id) {
        this.log('warn', 'welcome.device_mismatch', { expected: identity.device_id, got: device_id });
      }
      this.session = new LiveSession(
        ws,
        this.options.registry,
        device_id,
        identity.partner_id,
        this.options.stateDir,
        config,
        inventory_hash,
        this.log,
        (next) => {
          this.update({ config: next });
          this.log('info', 'config.applied', next);
        },
      );
      this.update({ config, device_id });
      this.log('info', 'session.welcome', { device_id, server_version, ...config });
      this.session.begin();
      return;
    }
    if (frame.type === 'error') {
      this.log('warn', 'server.error', { re: frame.re, ...frame.payload });
      return;
    }
    const session = this.session;
    if (!session) {
      this.log('warn', 'frame.before_welcome', { type: frame.type });
      return;
    }
    const feature = this.options.registry.ownerOf(frame.type);
    const handle = feature?.handles?.[frame.type as keyof NonNullable<Feature['handles']>] as
      ((f: ServerFrame, s: Session) => void) | undefined;
    if (feature && handle) {
      handle(frame, session);
      return;
    }
    const answer = feature?.answers?.[frame.type as keyof NonNullable<Feature['answers']>] as
      ((payload: unknown, s: Session) => Promise<AgentPayload<AgentMessageType>>) | undefined;
    if (feature && answer) {
      void this.answer(feature, frame as FrameOf<'processes.list' | 'disk.usage'>, answer, session);
      return;
    }
    session.send('error', { code: 'unknown_type', message: `this agent does not handle "${frame.type}"` }, { re: frame.id });
  }

  private async answer(
    feature: Feature,
    frame: FrameOf<'processes.list' | 'disk.usage'>,
    answer: (payload: unknown, s: Session) => Promise<AgentPayload<AgentMessageType>>,
    session: Session,
  ): Promise<void> {
    const running = this.inFlight.get(feature) ?? 0;
    if (running >= (feature.concurrency ?? 1)) {
      session.send(
        'error',
        { code: 'busy', message: `a ${frame.type} request is already running; try again in a moment` },
        { re: frame.id },
      );
      return;
    }
    this.inFlight.set(feature, running + 1);
    const started = Date.now();
    try {
      const result = await answer(frame.payload, session);
      const replyType = REPLIES[frame.type];
      session.send(replyType, result as AgentPayload<typeof replyType>, { re: frame.id });
      this.log('info', 'request.answered', { type: frame.type, re: frame.id, ms: Date.now() - started });
    } catch (error) {
      session.send('error', { code: 'failed', message: errorMessage(error).slice(0, 2000) }, { re: frame.id });
      this.log('warn', 'request.failed', { type: frame.type, re: frame.id, error: errorMessage(error) });
    } finally {
      this.inFlight.set(feature, (this.inFlight.get(feature) ?? 1) - 1);
    }
  }
}
