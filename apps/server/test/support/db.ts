import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { Database } from '../../src/platform/db/database.js';
import { provisionDatabase } from '../../src/platform/db/provision.js';

export const TEMPLATE_DB = 'cloudrmm_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test cluster's maintenance database. */
    pgAdminUrl: string;
  }
}

export interface TestDatabase {
  name: string;
  /** Owner (superuser) URL of this file's database: for inspecting, never for the app. */
  ownerUrl: string;
  /** Runtime role URL, as the app uses it. */
  appUrl: string;
  db: Database;
  /** Runs SQL as the owner, e.g. to look behind RLS in assertions. */
  ownerQuery: <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;
  drop: () => Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${TEMPLATE_DB}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ownerUrl = url.toString();
  const { appUrl } = await provisionDatabase({ ownerUrl, appUrl: null, log: pino({ level: 'warn' }) });
  const db = new Database(appUrl, 10);
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  // An idle connection ended by the server (the database dropped, Postgres stopping at the end of the
  // run) is not a test failure; without a listener pg.Pool makes it an uncaught exception.
  owner.on('error', () => undefined);
  return {
    name,
    ownerUrl,
    appUrl,
    db,
    ownerQuery: async (sql, params) => (await owner.query(sql, params as unknown[])).rows,
    drop: async () => {
      await db.close();
      await owner.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
