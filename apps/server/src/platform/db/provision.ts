import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';

export const RUNTIME_GROUP_ROLE = 'cloudrmm_runtime';
export const RUNTIME_LOGIN_ROLE = 'cloudrmm_app';
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../db/migrations');

/**
 * Brings the database to the current schema with the owner account, then makes sure
 * the runtime role exists and is safe to use: a member of cloudrmm_runtime, not an
 * owner of anything, not a superuser, no BYPASSRLS. Returns the runtime role's URL.
 * Safe to run from many processes at once (advisory lock).
 */
export async function provisionDatabase(opts: {
  ownerUrl: string;
  appUrl: string | null;
  log: Logger;
  migrationsDir?: string;
}): Promise<{ appUrl: string; applied: string[] }> {
  const client = new pg.Client({ connectionString: opts.ownerUrl });
  await client.connect();
  try {
    await client.query(`select pg_advisory_lock(hashtext('cloudrmm.migrate'))`);
    await client.query(`
      do $$ begin
        if not exists (select from pg_roles where rolname = '${RUNTIME_GROUP_ROLE}') then
          create role ${RUNTIME_GROUP_ROLE} nologin;
        end if;
      end $$`);
    const applied = await migrate(client, opts.migrationsDir ?? MIGRATIONS_DIR, opts.log);
    const appUrl = opts.appUrl ?? (await ensureRuntimeLogin(client, opts.ownerUrl));
    if (opts.appUrl) {
      const user = decodeURIComponent(new URL(opts.appUrl).username);
      await client.query(`grant ${RUNTIME_GROUP_ROLE} to ${client.escapeIdentifier(user)}`).catch((error: Error) => {
        opts.log.warn(
          { err: error, user },
          `could not grant ${RUNTIME_GROUP_ROLE} to the DATABASE_APP_URL role; grant it yourself`,
        );
      });
    }
    await assertRuntimeRoleIsSafe(client, decodeURIComponent(new URL(appUrl).username));
    return { appUrl, applied };
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('cloudrmm.migrate'))`).catch(() => undefined);
    await client.end();
  }
}

async function migrate(client: pg.Client, dir: string, log: Logger): Promise<string[]> {
  await client.query(`
    create table if not exists schema_migrations (
      version text primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
  const done = new Map<string, string>(
    (await client.query<{ version: string; checksum: string }>('select version, checksum from schema_migrations')).rows.map(
      (r) => [r.version, r.checksum],
    ),
  );
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.slice(0, 4);
    const sql = await fs.readFile(path.join(dir, file), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    const known = done.get(version);
    if (known !== undefined) {
      // Migrations are forward-only: an edited one means this database and the code disagree.
      if (known !== checksum) throw new Error(`migration ${file} was changed after it was applied; add a new migration instead`);
      continue;
    }
    log.info({ migration: file }, 'applying migration');
    await client.query('begin');
    try {
      // The owner is exempt from RLS only while a migration runs (FORCE is lifted
      // inside this transaction and put back on every RLS table before commit),
      // so data migrations see all rows even when the owner is no superuser.
      const forced = await client.query<{ name: string }>(
        `select format('%I', c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relforcerowsecurity`,
      );
      for (const { name } of forced.rows) await client.query(`alter table ${name} no force row level security`);
      await client.query(sql);
      const withRls = await client.query<{ name: string }>(
        `select format('%I', c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relrowsecurity`,
      );
      for (const { name } of withRls.rows) await client.query(`alter table ${name} force row level security`);
      await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        version,
        file,
        checksum,
      ]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
    }
    applied.push(file);
  }
  return applied;
}

/**
 * Creates (or re-keys) the runtime login role. Its password is derived from the owner
 * credentials, so every process of a cluster given the same DATABASE_URL agrees on it
 * without another secret to distribute.
 */
async function ensureRuntimeLogin(client: pg.Client, ownerUrl: string): Promise<string> {
  const owner = new URL(ownerUrl);
  const password = createHmac('sha256', `${owner.username}:${owner.password}@${owner.host}`)
    .update('cloudrmm runtime role')
    .digest('base64url');
  const appUrl = new URL(ownerUrl);
  appUrl.username = RUNTIME_LOGIN_ROLE;
  appUrl.password = password;
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [RUNTIME_LOGIN_ROLE]);
  // Roles are cluster-wide: several databases (or processes) may get here at once. Leave a
  // role that already takes this password alone, so they do not rewrite it concurrently.
  if (exists.rowCount === 0 || !(await canConnect(appUrl.toString()))) {
    const verb = exists.rowCount === 0 ? 'create' : 'alter';
    // Passwords cannot be bound as parameters in DDL; this one is base64url, so literal-safe.
    await client.query(
      `${verb} role ${RUNTIME_LOGIN_ROLE} login nosuperuser nobypassrls nocreatedb nocreaterole password ${client.escapeLiteral(password)}`,
    );
  }
  await client.query(`grant ${RUNTIME_GROUP_ROLE} to ${RUNTIME_LOGIN_ROLE}`);
  return appUrl.toString();
}

async function canConnect(url: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

async function assertRuntimeRoleIsSafe(client: pg.Client, role: string): Promise<void> {
  const r = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'select rolsuper, rolbypassrls from pg_roles where rolname = $1',
    [role],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`runtime database role "${role}" does not exist`);
  if (row.rolsuper || row.rolbypassrls) {
    throw new Error(`runtime database role "${role}" is a superuser or has BYPASSRLS; tenant isolation needs a plain role`);
  }
  const owned = await client.query(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and pg_get_userbyid(c.relowner) = $1 limit 1`,
    [role],
  );
  if (owned.rowCount) throw new Error(`runtime database role "${role}" owns table ${owned.rows[0].relname}; it must own nothing`);
}
