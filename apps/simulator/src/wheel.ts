/**
 * One timer for the whole fleet: entries are kept in buckets of `tickMs` and a
 * single interval runs the buckets that are due. 19,000 agents with a heartbeat,
 * a status timer and a reconnect timer each cost three small array entries, not
 * three Node timers.
 *
 * Cancelling is lazy: an entry carries a token, and the owner ignores a firing
 * whose token is no longer its current one.
 */
export class TimerWheel<T> {
  private readonly buckets = new Map<number, { item: T; token: number }[]>();
  private nextTick: number;
  private timer: NodeJS.Timeout | null = null;
  private size = 0;

  constructor(
    private readonly fire: (item: T, token: number) => void,
    private readonly tickMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.nextTick = Math.floor(this.now() / tickMs);
  }

  /** Runs `fire(item, token)` at `at` (ms since the epoch), rounded up to the next tick. */
  schedule(at: number, item: T, token: number): void {
    const tick = Math.max(this.nextTick, Math.ceil(at / this.tickMs));
    let bucket = this.buckets.get(tick);
    if (!bucket) this.buckets.set(tick, (bucket = []));
    bucket.push({ item, token });
    this.size++;
    if (!this.timer) this.start();
  }

  get pending(): number {
    return this.size;
  }

  /** Runs every bucket up to now. Public so tests can drive it with a fake clock. */
  advance(): void {
    const current = Math.floor(this.now() / this.tickMs);
    while (this.nextTick <= current) {
      const bucket = this.buckets.get(this.nextTick);
      this.buckets.delete(this.nextTick);
      this.nextTick++;
      if (!bucket) continue;
      this.size -= bucket.length;
      for (const entry of bucket) this.fire(entry.item, entry.token);
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.advance(), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
