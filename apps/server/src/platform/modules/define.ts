import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { PermissionCatalog, PermissionInfo } from '../auth/permissions.js';
import type { SessionStore } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import type { Jobs } from '../jobs/jobs.js';
import type { Mailer } from '../mail/mailer.js';
import type { SecretBox } from '../secrets.js';

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
  /** Worker role only: register queues, schedules and handlers. */
  jobs?: (jobs: Jobs, ctx: ModuleContext) => Promise<void>;
}

export const defineModule = (m: CloudRmmModule): CloudRmmModule => m;
