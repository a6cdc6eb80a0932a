import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { modules } from './modules/index.js';
import { ensureFirstAdmin, INITIAL_CREDENTIALS_FILE } from './platform/auth/first-admin.js';
import { Database } from './platform/db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './platform/db/embedded.js';
import { provisionDatabase } from './platform/db/provision.js';
import { Jobs } from './platform/jobs/jobs.js';
import { loadMasterKey, SecretBox } from './platform/secrets.js';
import { startLocalAgent } from './local-agent.js';
import { enrollmentServiceOf } from './modules/enrollment/index.js';
import { SYSTEM_ACTOR } from './platform/audit/audit.js';
import { seedDemoData } from './seed/demo.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  db: Database;
  admin: { created: boolean; email: string; generatedPassword: string | null; credentialsFile: string };
  demoUser: { email: string; password: string } | null;
  /** True when this machine's own agent runs beside the server (OPS1). */
  localAgent: boolean;
  stop: () => Promise<void>;
}

/**
 * Starts CloudRMM for the configured roles: the database (embedded unless
 * DATABASE_URL is set), migrations, the first admin, demo data, the HTTP server
 * and the worker's jobs. stop() undoes it in reverse order.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const cleanup: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((error: unknown) => log.error({ err: error }, 'error while stopping'));
    cleanup.length = 0;
  };
  try {
    let embedded: EmbeddedDatabase | null = null;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
      cleanup.push(() => embedded!.stop());
    }
    const ownerUrl = config.databaseUrl ?? embedded!.ownerUrl;
    const { appUrl } = await provisionDatabase({ ownerUrl, appUrl: config.databaseAppUrl, log });

    const db = new Database(appUrl);
    db.onIdleError = (error) => {
      const code = (error as { code?: string }).code;
      // 57P01: Postgres is shutting down (Ctrl-C reaches it too); expected, not worth a warning.
      log[code === '57P01' ? 'debug' : 'warn']({ code, reason: error.message }, 'an idle database connection was dropped');
    };
    cleanup.push(() => db.close());

    const admin = await ensureFirstAdmin(db, {
      email: config.adminEmail,
      password: config.adminPassword,
      dataDir: config.dataDir,
    });
    const demo = config.demoData ? await seedDemoData(db, config.dataDir) : null;

    const secrets = new SecretBox(await loadMasterKey(config.masterKey, config.dataDir));
    const app = await buildApp({ config, db, log, secrets });
    cleanup.push(() => app.close());
    const address = await app.listen({ host: config.host, port: config.port });

    if (config.roles.has('worker')) {
      const jobs = await Jobs.start(ownerUrl, log);
      cleanup.push(() => jobs.stop());
      for (const m of modules) if (m.jobs) await m.jobs(jobs, app.ctx);
    }

    const port = new URL(address).port;
    let localAgentRunning = false;
    if (config.localAgent && config.roles.has('gateway')) {
      const localAgent = await startLocalAgent({
        bundle: config.agentBundle,
        dataDir: config.dataDir,
        serverUrl: `http://${LOOPBACK_HOSTS.has(config.host) ? '127.0.0.1' : config.host}:${port}`,
        log,
        // Only a freshly seeded demo has an obvious home for this machine; later starts reuse the enrollment.
        issueToken: async () => {
          if (!demo) return null;
          const { partnerId, organizationId, siteId } = demo.localSite;
          const made = await enrollmentServiceOf(app.ctx).createToken(
            partnerId,
            organizationId,
            siteId,
            { name: 'This server (local agent)', max_uses: 1, expires_in_hours: 1 },
            null,
            SYSTEM_ACTOR,
          );
          return made.token;
        },
      });
      if (localAgent) cleanup.push(() => localAgent.stop());
      localAgentRunning = localAgent !== null;
    }

    return {
      app,
      url: config.publicUrl.replace(/:\d+$/, `:${port}`),
      db,
      admin: { ...admin, credentialsFile: `${config.dataDir}/${INITIAL_CREDENTIALS_FILE}` },
      demoUser: demo ? { email: demo.email, password: demo.password } : null,
      localAgent: localAgentRunning,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Listening on these, the server is reachable from this machine at 127.0.0.1. */
const LOOPBACK_HOSTS = new Set(['0.0.0.0', '::', '127.0.0.1', 'localhost', '::1']);
