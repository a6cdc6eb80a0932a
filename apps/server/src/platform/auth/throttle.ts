import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Failed attempts allowed per window before the key is locked for LOCK_MINUTES:
 * passwords, and second factors (codes, recovery codes) counted apart from them.
 * Password-reset requests count every request (each one may send a mail).
 * Enrollment counts presented site codes and tokens that do not exist.
 */
export const LIMITS = {
  account: 5,
  ip: 30,
  second_factor_account: 5,
  second_factor_ip: 30,
  password_reset_account: 3,
  password_reset_ip: 20,
  // Unknown site codes and enrollment tokens from one address: someone guessing them.
  enrollment_ip: 20,
} as const;
const WINDOW_MINUTES = 15;
const LOCK_MINUTES = 15;

export type ThrottleKey = { kind: keyof typeof LIMITS; value: string };

const keyOf = (k: ThrottleKey) => `${k.kind}:${k.value.toLowerCase()}`;

/**
 * Sign-in throttling kept in Postgres, so every api process of a cluster counts
 * the same failures. Returns the seconds left on the longest lock, or 0.
 */
export async function lockedFor(db: Database, keys: ThrottleKey[]): Promise<number> {
  const rows = await db.withPlatform((tx) =>
    tx
      .selectFrom('auth_throttle')
      .select(sql<number>`ceil(extract(epoch from locked_until - now()))`.as('seconds'))
      .where('key', 'in', keys.map(keyOf))
      .where('locked_until', '>', sql<string>`now()`)
      .execute(),
  );
  return Math.max(0, ...rows.map((r) => Number(r.seconds)));
}

export async function recordFailure(db: Database, keys: ThrottleKey[]): Promise<void> {
  await db.withPlatform(async (tx) => {
    for (const k of keys) {
      const expired = sql<boolean>`auth_throttle.window_started_at < now() - make_interval(mins => ${WINDOW_MINUTES})`;
      const failures = sql<number>`case when ${expired} then 1 else auth_throttle.failures + 1 end`;
      await tx
        .insertInto('auth_throttle')
        .values({ key: keyOf(k), failures: 1, window_started_at: sql`now()` })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures,
            window_started_at: sql`case when ${expired} then now() else auth_throttle.window_started_at end`,
            locked_until: sql`case when ${failures} >= ${LIMITS[k.kind]} then now() + make_interval(mins => ${LOCK_MINUTES}) else auth_throttle.locked_until end`,
          }),
        )
        .execute();
    }
  });
}

export async function clearFailures(db: Database, key: ThrottleKey): Promise<void> {
  await db.withPlatform((tx) => tx.deleteFrom('auth_throttle').where('key', '=', keyOf(key)).execute());
}
