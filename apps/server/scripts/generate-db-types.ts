// Regenerates src/platform/db/schema.ts from db/migrations, using a throwaway embedded Postgres.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/platform/db/embedded.js';
import { provisionDatabase } from '../src/platform/db/provision.js';
import { DB_TYPES_FILE, generateDbTypes } from './db-types.js';

const log = pino({ level: 'warn' });
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-dbtypes-'));
const pg = await startEmbeddedPostgres({ dataDir, port: 54300 + Math.floor(Math.random() * 90), log });
try {
  await provisionDatabase({ ownerUrl: pg.ownerUrl, appUrl: null, log });
  await fs.writeFile(DB_TYPES_FILE, await generateDbTypes(pg.ownerUrl));
  console.log(`wrote ${path.relative(process.cwd(), DB_TYPES_FILE)}`);
} finally {
  await pg.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
