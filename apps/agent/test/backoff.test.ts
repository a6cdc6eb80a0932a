import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/transport/backoff.js';

describe('reconnect backoff (AGT3): full jitter, 1 s base, 5 min cap', () => {
  it('the first retry is within a second, and each ceiling doubles', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays[0]).toBeLessThan(1000);
    expect(delays.map((d) => Math.round(d / 1000))).toEqual([1, 2, 4, 8, 16, 32]);
  });

  it('every delay lies in [0, min(cap, base·2^attempt))', () => {
    let seed = 42;
    // A small deterministic generator: the bounds must hold for any draw.
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const backoff = new Backoff({ random });
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(300_000, 1000 * 2 ** attempt);
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    }
  });

  it('full jitter: a draw of 0 retries at once, whatever the attempt', () => {
    const backoff = new Backoff({ random: () => 0 });
    for (let i = 0; i < 20; i++) expect(backoff.next()).toBe(0);
  });

  it('never exceeds the 5 minute cap, even after very many failures', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 1000; i++) expect(backoff.next()).toBeLessThan(300_000);
    expect(backoff.ceiling()).toBe(300_000);
  });

  it('resets after a connection that stayed up more than 60 s, not after a short one', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 5; i++) backoff.next();
    backoff.connected(1_000);
    backoff.disconnected(31_000);
    expect(backoff.ceiling()).toBe(32_000);
    backoff.connected(100_000);
    backoff.disconnected(161_000);
    expect(backoff.ceiling()).toBe(1000);
    expect(backoff.next()).toBeLessThan(1000);
  });

  it('a revoked or refused agent retries only around the cap: within [cap/2, cap)', () => {
    expect(new Backoff({ random: () => 0 }).atCap()).toBe(150_000);
    expect(new Backoff({ random: () => 0.999999 }).atCap()).toBeLessThan(300_000);
    expect(new Backoff({ random: () => 0.999999 }).atCap()).toBeGreaterThan(299_000);
    const backoff = new Backoff({ random: () => 0.5 });
    expect(backoff.atCap()).toBe(225_000);
    expect(backoff.attempts).toBe(1);
  });

  it('agents refused together do not come back together: the cap delay is jittered', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 200 }, () => new Backoff({ random }).atCap());
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(150_000);
      expect(delay).toBeLessThan(300_000);
    }
    // Spread over the window, not parked on one instant.
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(100_000);
  });
});
