export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** A connection that stayed up this long counts as healthy: the next failure starts over. */
  resetAfterMs?: number;
  /** [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Exponential backoff with FULL jitter: delay = random(0, min(cap, base·2^attempt)).
 * When a server restarts, thousands of agents spread their reconnects over the
 * whole window instead of arriving together (no thundering herd).
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  private readonly random: () => number;
  private attempt = 0;
  private connectedAt: number | null = null;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1_000;
    this.capMs = options.capMs ?? 5 * 60_000;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** The upper bound of the next delay, before jitter. */
  ceiling(): number {
    // 2^attempt overflows nothing useful past ~40; the cap wins long before.
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 40));
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt++;
    return delay;
  }

  /**
   * A revoked credential or a refusal: retry only around the cap, so a
   * re-enrolled or upgraded agent still recovers. Jittered over [cap/2, cap):
   * agents refused together (a server-wide change) do not return together.
   */
  atCap(): number {
    this.attempt++;
    return Math.floor(this.capMs / 2 + this.random() * (this.capMs / 2));
  }

  connected(now = Date.now()): void {
    this.connectedAt = now;
  }

  disconnected(now = Date.now()): void {
    if (this.connectedAt !== null && now - this.connectedAt > this.resetAfterMs) this.attempt = 0;
    this.connectedAt = null;
  }

  get attempts(): number {
    return this.attempt;
  }
}
