import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.js';
import { provisionDatabase } from '../../src/platform/db/provision.js';
import { TEMPLATE_DB } from './db.js';
import { freePort } from './ports.js';

/**
 * One real Postgres for the whole run, with a migrated template database that
 * every test file clones (support/db.ts), so files never share data.
 */
export default async function setup(project: TestProject) {
  // Tests import the protocol package's build and run the agent's bundle: never stale ones.
  execFileSync(
    process.execPath,
    [path.resolve(import.meta.dirname, '../../../../scripts/build-stale.mjs'), 'protocol', 'agent'],
    {
      stdio: 'inherit',
    },
  );
  const log = pino({ level: 'warn' });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-test-'));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: TEMPLATE_DB, log });
  await provisionDatabase({ ownerUrl: server.ownerUrl, appUrl: null, log });
  // Nobody may stay connected to a template while it is being cloned.
  const admin = new pg.Client({ connectionString: server.adminUrl('postgres') });
  await admin.connect();
  await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [
    TEMPLATE_DB,
  ]);
  await admin.end();
  project.provide('pgAdminUrl', server.adminUrl('postgres'));
  return async () => {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
