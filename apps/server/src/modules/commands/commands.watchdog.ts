import type { Bus } from '../../platform/bus/bus.js';
import type { Database } from '../../platform/db/database.js';
import { announce } from './commands.events.js';
import { runsRepo } from './commands.repository.js';

/** Clocks differ: a run is expired this long after its expiry, not at once. */
export const EXPIRY_GRACE_SECONDS = 5 * 60;
/** A running run without a result this long past its timeout is failed. */
export const RESULT_GRACE_SECONDS = 10 * 60;

/**
 * No run stays unfinished forever (AGT9): queued or sent runs past their
 * expiry become `expired` (and are never delivered now); running runs with no
 * result by their timeout and a grace become `failed` with "no result from
 * the agent" — a result arriving later still overwrites that. `now` is a
 * parameter so tests can move the clock.
 */
export async function runWatchdog(
  ctx: { db: Database; bus: Bus },
  now: Date = new Date(),
): Promise<{ expired: number; failed: number }> {
  // Runs are behind each partner's row-level security: the watchdog visits partners one by one.
  const partners = await ctx.db.withPlatform((tx) => tx.selectFrom('partners').select('id').execute());
  let expired = 0;
  let failed = 0;
  for (const { id } of partners) {
    const changed = await ctx.db.withTenant(id, async (tx) => {
      const e = await runsRepo.expire(tx, now, EXPIRY_GRACE_SECONDS);
      const f = await runsRepo.failSilent(tx, now, RESULT_GRACE_SECONDS);
      return { e, f };
    });
    expired += changed.e.length;
    failed += changed.f.length;
    announce(ctx.bus, id, [...changed.e, ...changed.f]);
  }
  return { expired, failed };
}
