/** Reconnect delays, as the real agent does them: full-jitter exponential backoff. */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60 * 1000;

/**
 * The delay before reconnect attempt `attempt` (0 = the first retry): a uniform
 * draw from [0, min(cap, base * 2^attempt)). Full jitter spreads a fleet that
 * lost its server at the same instant over the whole window, so a restart does
 * not bring every agent back in the same second.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  base = BACKOFF_BASE_MS,
  cap = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * ceiling);
}
