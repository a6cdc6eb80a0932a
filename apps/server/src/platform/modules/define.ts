import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { PermissionCatalog, PermissionInfo } from '../auth/permissions.js';
import type { SessionStore } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { Jobs } from '../jobs/jobs.js';
import type { Mailer } from '../mail/mailer.js';
import type { SecretBox } from '../secrets.js';
import type { Bus } from '../bus/bus.js';
import type { AgentHandlers, AgentLink, AgentPresence, AgentSession } from '../gateway/agent-link.js';
import type { LiveEventRule } from '../live/live.js';

/** What every module is given: the platform services, never another module's tables. */
export interface ModuleContext {
  config: Config;
  db: Database;
  log: Logger;
  catalog: PermissionCatalog;
  sessions: SessionStore;
  /** Encrypts secrets stored in the database with the master key. */
  secrets: SecretBox;
  /** Sends email (SMTP_URL), or writes it to the log when no mail server is configured. */
  mailer: Mailer;
  /** Domain events (device.online, ...): in-process today, NATS in cluster mode. */
  bus: Bus;
  /**
   * Talks to connected agents: request/push/close. In a process without the
   * gateway role every request answers 503 agents_unreachable (see UnavailableAgentLink).
   */
  agents: AgentLink;
}

/**
 * A capability of CloudRMM: its permissions, its REST routes (mounted under
 * /api/v1), its gateway routes and its background jobs. Adding one is a folder plus one line in
 * src/modules/index.ts.
 */
export interface CloudRmmModule {
  name: string;
  permissions: Record<string, PermissionInfo>;
  routes?: (app: FastifyInstance, ctx: ModuleContext) => Promise<void>;
  /**
   * Gateway role only: routes agents and installers call (bootstrap, enrollment,
   * install links), mounted at the root, each with `config.permission` AGENT or PUBLIC.
   */
  gatewayRoutes?: (app: FastifyInstance, ctx: ModuleContext) => Promise<void>;
  /**
   * Gateway role only: handlers of messages agents send, by type. Two modules
   * handling the same type is refused at start.
   */
  agentHandlers?: (ctx: ModuleContext) => AgentHandlers;
  /**
   * Gateway role only: called once an agent is welcomed on this gateway (e.g. to
   * deliver what was queued for it while it was away). Must not block: batch the work.
   */
  agentConnected?: (ctx: ModuleContext) => (agent: AgentSession) => void;
  /**
   * The one module that owns devices and agent credentials: authenticates agent
   * sockets and keeps presence for the gateway.
   */
  agentPresence?: (ctx: ModuleContext) => AgentPresence;
  /** Bus events the browser's live socket passes on, each only to sessions allowed to see it (GW8). */
  liveEvents?: LiveEventRule[];
  /** Worker role only: register queues, schedules and handlers. */
  jobs?: (jobs: Jobs, ctx: ModuleContext) => Promise<void>;
}

export const defineModule = (m: CloudRmmModule): CloudRmmModule => m;
