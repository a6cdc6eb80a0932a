import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../../apps/server/src/app.js';
import type { Config } from '../../apps/server/src/config/config.js';
import { createUserWithPassword } from '../../apps/server/src/platform/auth/users.js';
import { SecretBox } from '../../apps/server/src/platform/secrets.js';
import { testConfig, PASSWORD } from '../../apps/server/test/support/app.js';
import { createTestDatabase, type TestDatabase } from '../../apps/server/test/support/db.js';
import { freePort } from '../../apps/server/test/support/ports.js';

const WEB = path.resolve(import.meta.dirname, '../../apps/web');

/** Builds the dashboard as `npm run build` would, into a throwaway folder (never a stale dist). */
export async function buildDashboard(): Promise<string> {
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-web-'));
  await promisify(execFile)(
    path.resolve(WEB, '../../node_modules/.bin/vite'),
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: WEB,
    },
  );
  return outDir;
}

export interface E2eServer {
  url: string;
  database: TestDatabase;
  adminEmail: string;
  password: string;
  close: () => Promise<void>;
}

/**
 * The real server over real HTTP on a free port, with the built dashboard and a
 * fresh database. `overrides` adjust its configuration (e.g. SMTP_URL).
 */
export async function startE2eServer(webDir: string, overrides: Partial<Config> = {}): Promise<E2eServer> {
  const database = await createTestDatabase();
  const port = await freePort();
  const config = testConfig({ webDir, port, publicUrl: `http://127.0.0.1:${port}`, ...overrides });
  const app = await buildApp({
    config,
    db: database.db,
    log: pino({ level: 'silent' }),
    secrets: new SecretBox(randomBytes(32)),
  });
  await app.listen({ host: '127.0.0.1', port });
  const adminEmail = 'admin@e2e.test';
  await createUserWithPassword(database.db, {
    email: adminEmail,
    name: 'E2E Admin',
    password: PASSWORD,
    partnerId: null,
    roleKey: 'owner',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    database,
    adminEmail,
    password: PASSWORD,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
