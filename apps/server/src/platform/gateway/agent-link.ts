import type {
  AgentConfig,
  AgentFrame,
  AgentMessageType,
  AgentPayload,
  EncodeOptions,
  REPLIES,
  RequestType,
  ServerMessageType,
  ServerPayload,
} from '@cloudrmm/protocol';
import { AppError } from '../http/errors.js';

/** Who an agent is, from its credential alone (security.md 16): never from anything it sends. */
export interface AgentIdentity {
  agentId: string;
  deviceId: string;
  tenantId: string;
  organizationId: string;
  siteId: string;
  hostname: string;
}

/** A connected agent as a message handler sees it. */
export interface AgentSession extends AgentIdentity {
  send<T extends ServerMessageType>(type: T, payload: ServerPayload<T>, options?: EncodeOptions): void;
}

export type AgentFrameOf<T extends AgentMessageType> = Extract<AgentFrame, { type: T }>;

/**
 * Handles one kind of message from agents. `first` is true for the first
 * message of this type on the connection (e.g. the status sent on connect).
 * Replies (`*.result`, `error` with `re`) never reach handlers: they go to the
 * request that is waiting for them.
 */
export type AgentHandler<T extends AgentMessageType> = (
  agent: AgentSession,
  frame: AgentFrameOf<T>,
  context: { first: boolean },
) => Promise<void>;

export type AgentHandlers = { [T in AgentMessageType]?: AgentHandler<T> };

export type ReplyPayload<T extends RequestType> = AgentPayload<(typeof REPLIES)[T]>;

/**
 * How the rest of the server talks to agents. In a gateway process it is the
 * gateway itself; in a process without the gateway role it is
 * UnavailableAgentLink until cluster routing (NATS, issue 8) connects the two.
 */
export interface AgentLink {
  /**
   * Asks the agent and waits for its answer. Rejects with an AppError:
   * 409 device_offline (not connected here), 409 agent_busy, 504 agent_timeout, 502 agent_error
   * (the agent answered with an error; its message is passed on).
   */
  request<T extends RequestType>(
    deviceId: string,
    type: T,
    payload: ServerPayload<T>,
    timeoutMs?: number,
  ): Promise<ReplyPayload<T>>;
  /** Sends a message without waiting; false when the agent is not connected here. */
  push<T extends ServerMessageType>(deviceId: string, type: T, payload: ServerPayload<T>): boolean;
  isOnline(deviceId: string): boolean;
  /** Closes the agent's socket (e.g. 4003 when its credential is revoked). */
  close(deviceId: string, code: number, reason: string): void;
}

/**
 * What the gateway needs from the module that owns devices and agents: it
 * authenticates credentials and keeps presence, so the gateway never touches
 * those tables itself.
 */
export interface AgentPresence {
  /** The agent behind a presented credential, or null (unknown, wrong secret, revoked, device deleted). */
  authenticate(credential: string): Promise<AgentIdentity | null>;
  /** Marks the device online (one update) and returns what the welcome frame carries. */
  connected(
    agent: AgentIdentity,
    where: { gatewayId: string; remoteIp: string | null },
  ): Promise<{ config: AgentConfig; inventoryHash: string | null }>;
  /** Marks the device offline, unless another gateway holds it by now. */
  disconnected(agent: AgentIdentity, gatewayId: string, lastSeenAt: Date): Promise<void>;
  /** Writes last-seen times of one partner's devices in one statement. */
  seen(tenantId: string, devices: { deviceId: string; at: Date }[]): Promise<void>;
  /** Of these agents, the ones revoked since they connected (one query). */
  revoked(agentIds: string[]): Promise<string[]>;
  /** Marks offline the devices an earlier run of this gateway left online; returns them. */
  abandon(gatewayId: string): Promise<Omit<AgentIdentity, 'agentId' | 'hostname'>[]>;
}

/** Close codes the agent acts on. */
export const CLOSE_REPLACED = 4000;
export const CLOSE_REVOKED = 4003;

/**
 * The agent link of a process without the gateway role (api-only or
 * worker-only). It holds no sockets, so live requests answer 503
 * agents_unreachable, pushes are dropped (the agent gets current settings in
 * its welcome when it next connects) and close() leaves revocation to the
 * gateway's own check, which reads Postgres every 2 s.
 */
export class UnavailableAgentLink implements AgentLink {
  request(): Promise<never> {
    return Promise.reject(
      new AppError(
        'agents_unreachable',
        'this server process does not hold agent connections (no gateway role) and cannot reach one that does',
      ),
    );
  }
  push(): boolean {
    return false;
  }
  isOnline(): boolean {
    return false;
  }
  close(): void {}
}
