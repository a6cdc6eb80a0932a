/** Counters of one fleet; the parent of forked shards adds them up. */
export interface FleetStats {
  agents: number;
  /** Agents holding a credential (enrolled now or loaded from the state file). */
  enrolled: number;
  /** Enrollments made by this run. */
  enrolled_now: number;
  enroll_failures: number;
  /** Sockets open right now, and of those, agents that got their `welcome`. */
  connected: number;
  welcomed: number;
  /** Sockets opened in total, and closed after they were open. */
  connects: number;
  disconnects: number;
  heartbeats: number;
  inventories: number;
  inventory_acks: number;
  /** Inventories the server answered with an `error` frame. */
  inventory_failures: number;
  statuses: number;
  requests_answered: number;
  /** Commands received, refused (bad signature, wrong device, expired), results sent and acknowledged. */
  commands_received: number;
  commands_refused: number;
  results_sent: number;
  results_acked: number;
  configs: number;
  revoked: number;
  errors: number;
  error_kinds: Record<string, number>;
  /** The simulator's own CPU time (user + system), milliseconds. */
  cpu_ms: number;
  rss_bytes: number;
}

export function emptyStats(): FleetStats {
  return {
    agents: 0,
    enrolled: 0,
    enrolled_now: 0,
    enroll_failures: 0,
    connected: 0,
    welcomed: 0,
    connects: 0,
    disconnects: 0,
    heartbeats: 0,
    inventories: 0,
    inventory_acks: 0,
    inventory_failures: 0,
    statuses: 0,
    requests_answered: 0,
    commands_received: 0,
    commands_refused: 0,
    results_sent: 0,
    results_acked: 0,
    configs: 0,
    revoked: 0,
    errors: 0,
    error_kinds: {},
    cpu_ms: 0,
    rss_bytes: 0,
  };
}

export function addStats(total: FleetStats, part: FleetStats): FleetStats {
  const out: FleetStats = { ...total, error_kinds: { ...total.error_kinds } };
  for (const key of Object.keys(part) as (keyof FleetStats)[]) {
    if (key === 'error_kinds') continue;
    (out[key] as number) += part[key] as number;
  }
  for (const [kind, n] of Object.entries(part.error_kinds)) out.error_kinds[kind] = (out.error_kinds[kind] ?? 0) + n;
  return out;
}

/** The one-line progress summary printed every few seconds. */
export function progressLine(stats: FleetStats, elapsedMs: number): string {
  const kinds = Object.entries(stats.error_kinds)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `[simulate ${(elapsedMs / 1000).toFixed(0)}s] agents ${stats.agents} enrolled ${stats.enrolled} (+${stats.enrolled_now})` +
    ` connected ${stats.connected} welcomed ${stats.welcomed} heartbeats ${stats.heartbeats}` +
    ` inventories ${stats.inventory_acks}/${stats.inventories}${stats.inventory_failures ? ` (${stats.inventory_failures} failed)` : ''} errors ${stats.errors}${kinds ? ` (${kinds})` : ''}`
  );
}
