// OPS1, OPS5: a start migrates, creates the first admin once, seeds demo data once,
// serves all roles, and a second start reuses everything.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DEMO_USER_EMAIL } from '../src/seed/demo.js';
import { startServer } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { freePort } from './support/ports.js';

const log = pino({ level: 'silent' });
type Page = { items: { id: string; name: string; site_count: number }[] };
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function tempDir() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudrmm-rt-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function signIn(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '' };
}

describe('startServer with DATABASE_URL (external Postgres)', () => {
  let database: TestDatabase;

  it('creates the admin and demo data once, and a restart reuses them', async () => {
    database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = await tempDir();
    const env = {
      DATABASE_URL: database.ownerUrl,
      CLOUDRMM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      CLOUDRMM_WEB_DIR: '',
    };

    const first = await startServer(loadConfig(env, []), log);
    try {
      expect(first.admin.created).toBe(true);
      expect(first.admin.generatedPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
      const file = path.join(dataDir, 'initial-admin.txt');
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      const text = await fs.readFile(file, 'utf8');
      expect(text).toContain(`admin@localhost / ${first.admin.generatedPassword}`);
      expect(text).toContain(`${DEMO_USER_EMAIL} / ${first.demoUser!.password}`);

      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${first.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      const admin = await signIn(first.url, 'admin@localhost', first.admin.generatedPassword!);
      expect(admin.status).toBe(200);
      const partners = (await (
        await fetch(`${first.url}/api/v1/partners`, { headers: { cookie: admin.cookie } })
      ).json()) as Page;
      expect(partners.items.map((p: { name: string }) => p.name)).toEqual(['Acme IT']);
      const acmeId = partners.items[0]!.id;
      const orgs = (await (
        await fetch(`${first.url}/api/v1/partners/${acmeId}/organizations`, { headers: { cookie: admin.cookie } })
      ).json()) as Page;
      expect(orgs.items.map((o: { name: string; site_count: number }) => [o.name, o.site_count])).toEqual([
        ['Acme IT (internal)', 1],
        ['Contoso Ltd', 2],
        ['Fabrikam Inc', 3],
      ]);
      expect((await signIn(first.url, DEMO_USER_EMAIL, first.demoUser!.password)).status).toBe(200);

      // the worker role started its job queue in its own schema
      const [boss] = await database.ownerQuery(
        `select count(*)::int as n from information_schema.schemata where schema_name = 'pgboss'`,
      );
      expect(boss).toEqual({ n: 1 });
    } finally {
      await first.stop();
    }

    const second = await startServer(loadConfig(env, []), log);
    try {
      expect(second.admin).toMatchObject({ created: false, generatedPassword: null });
      expect(second.demoUser).toBeNull();
      const [{ n }] = (await database.ownerQuery<{ n: number }>('select count(*)::int as n from partners')) as [{ n: number }];
      expect(n).toBe(1);
      expect((await signIn(second.url, 'admin@localhost', first.admin.generatedPassword!)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('--no-demo and CLOUDRMM_ADMIN_PASSWORD: no demo data, the given password, nothing written', async () => {
    const db2 = await createTestDatabase();
    cleanups.push(() => db2.drop());
    const dataDir = await tempDir();
    const env = {
      DATABASE_URL: db2.ownerUrl,
      CLOUDRMM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      CLOUDRMM_WEB_DIR: '',
      CLOUDRMM_ADMIN_EMAIL: 'ops@msp.example',
      CLOUDRMM_ADMIN_PASSWORD: 'a long operator password',
    };
    const server = await startServer(loadConfig(env, ['--no-demo']), log);
    try {
      expect(server.admin).toMatchObject({ created: true, email: 'ops@msp.example', generatedPassword: null });
      expect(server.demoUser).toBeNull();
      expect(await db2.ownerQuery('select id from partners')).toEqual([]);
      expect((await signIn(server.url, 'ops@msp.example', 'a long operator password')).status).toBe(200);
      await expect(fs.stat(path.join(dataDir, 'initial-admin.txt'))).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });
});

describe('startServer with the embedded Postgres', () => {
  it('initialises it under the data folder, and a second start reuses the data', async () => {
    const dataDir = await tempDir();
    const env = {
      CLOUDRMM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      CLOUDRMM_PG_PORT: String(await freePort()),
      CLOUDRMM_WEB_DIR: '',
    };
    const first = await startServer(loadConfig(env, ['--roles', 'api']), log);
    const password = first.admin.generatedPassword!;
    try {
      expect(password).toBeTruthy();
      expect((await fs.stat(path.join(dataDir, 'pg', 'PG_VERSION'))).isFile()).toBe(true);
      expect((await fs.stat(path.join(dataDir, 'pg-superuser-password'))).mode & 0o777).toBe(0o600);
    } finally {
      await first.stop();
    }
    const second = await startServer(loadConfig(env, ['--roles', 'api']), log);
    try {
      expect(second.admin.created).toBe(false);
      expect((await signIn(second.url, 'admin@localhost', password)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});
