import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Tx = Transaction<DB>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// timestamptz as ISO strings in UTC (api.md), bigint counts as numbers.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * The runtime role's connection pool. Partner data is only reachable inside
 * withTenant(); repositories receive its transaction and nothing else.
 */
export class Database {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<DB>;

  /** Set by the server to log dropped idle connections. */
  onIdleError: (error: Error) => void = () => undefined;

  constructor(appUrl: string, poolSize = 20) {
    this.pool = new pg.Pool({ connectionString: appUrl, max: poolSize, application_name: 'cloudrmm' });
    // An idle connection dropped by the server (a restart, a failover) must not
    // crash the process: the pool replaces it on the next query.
    this.pool.on('error', (error) => this.onIdleError(error));
    this.kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  /**
   * Runs fn in a transaction where Postgres row-level security shows only this
   * partner's rows. The setting is transaction-local, so a pooled connection
   * never carries a tenant into the next transaction.
   */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (!UUID.test(tenantId)) throw new Error('withTenant needs a partner id (uuid)');
    return this.kysely.transaction().execute(async (tx) => {
      await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(tx);
      return fn(tx);
    });
  }

  /**
   * Platform-level work: sign-in, sessions, the partner list of platform staff.
   * Only the platform tables (partners, users, sessions, auth_throttle) honour it;
   * partner data stays behind withTenant().
   */
  withPlatform<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute(async (tx) => {
      await sql`select set_config('app.platform', 'on', true)`.execute(tx);
      return fn(tx);
    });
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.kysely);
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
