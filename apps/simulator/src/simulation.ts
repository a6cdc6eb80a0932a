import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Fleet, type FleetOptions } from './fleet.js';
import { StateStore, type AgentCredential } from './state.js';
import { addStats, emptyStats, type FleetStats } from './stats.js';

/**
 * Agents per process. Each agent holds one socket, and a process may open at
 * most 20,000 files here: above this, the fleet is split over child processes.
 */
export const MAX_AGENTS_PER_PROCESS = 18_000;

export interface SimulateOptions extends Omit<FleetOptions, 'credentials' | 'onCredential' | 'firstIndex'> {
  /** Processes to spread the agents over (default: as few as the open-files cap allows). */
  processes?: number;
  /** Where credentials are kept between runs; null = nowhere. */
  stateFile: string | null;
}

export interface Simulation {
  readonly processes: number;
  stats(): FleetStats;
  stop(): Promise<FleetStats>;
}

/** Messages between the parent and a forked shard. */
type ToChild = { type: 'start'; options: FleetOptions } | { type: 'stop' };
type ToParent =
  | { type: 'stats'; stats: FleetStats }
  | { type: 'credentials'; items: [number, AgentCredential][] }
  | { type: 'stopped'; stats: FleetStats }
  | { type: 'failed'; message: string };

export function processesFor(agents: number, requested?: number): number {
  return Math.max(1, requested ?? Math.ceil(agents / MAX_AGENTS_PER_PROCESS));
}

export async function startSimulation(options: SimulateOptions): Promise<Simulation> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const software = options.software ?? { min: 200, max: 2000 };
  const state = StateStore.open(options.stateFile, options.server, `${software.min}-${software.max}`, log);
  const saver = setInterval(() => state.save(), 2000);
  saver.unref();
  const processes = processesFor(options.agents, options.processes);
  const { processes: _p, stateFile: _s, ...fleetOptions } = options;

  if (processes === 1) {
    const fleet = new Fleet({
      ...fleetOptions,
      log,
      credentials: state.slice(0, options.agents),
      onCredential: (index, credential) => state.set(index, credential),
    });
    fleet.start();
    return {
      processes,
      stats: () => fleet.stats(),
      stop: async () => {
        const stats = await fleet.stop();
        clearInterval(saver);
        state.save();
        return stats;
      },
    };
  }

  const shards: { child: ChildProcess; stats: FleetStats; done: Promise<FleetStats> }[] = [];
  const childScript = fileURLToPath(new URL(`./child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  let first = 0;
  for (let p = 0; p < processes; p++) {
    const count = Math.floor(options.agents / processes) + (p < options.agents % processes ? 1 : 0);
    const shardOptions: FleetOptions = {
      ...fleetOptions,
      log: undefined,
      agents: count,
      firstIndex: first,
      credentials: state.slice(first, count),
      ...(options.connectConcurrency ? { connectConcurrency: Math.ceil(options.connectConcurrency / processes) } : {}),
      ...(options.enrollConcurrency ? { enrollConcurrency: Math.ceil(options.enrollConcurrency / processes) } : {}),
    };
    first += count;
    // stdout stays the parent's (it may carry JSON); a shard's lines go to stderr.
    const child = fork(childScript, [], { stdio: ['ignore', 2, 2, 'ipc'], execArgv: process.execArgv });
    const shard = { child, stats: { ...emptyStats(), agents: count }, done: null as unknown as Promise<FleetStats> };
    shard.done = new Promise<FleetStats>((resolve) => {
      child.on('message', (message: ToParent) => {
        if (message.type === 'stats') shard.stats = message.stats;
        else if (message.type === 'credentials') for (const [index, credential] of message.items) state.set(index, credential);
        else if (message.type === 'stopped') resolve((shard.stats = message.stats));
        else if (message.type === 'failed') log(`[simulate] shard ${p} failed: ${message.message}`);
      });
      child.on('exit', () => resolve(shard.stats));
    });
    child.send({ type: 'start', options: shardOptions } satisfies ToChild);
    shards.push(shard);
  }

  const total = () => {
    let sum = emptyStats();
    for (const shard of shards) sum = addStats(sum, shard.stats);
    const usage = process.cpuUsage();
    sum.cpu_ms += Math.round((usage.user + usage.system) / 1000);
    sum.rss_bytes += process.memoryUsage.rss();
    return sum;
  };
  return {
    processes,
    stats: total,
    stop: async () => {
      for (const shard of shards) if (shard.child.connected) shard.child.send({ type: 'stop' } satisfies ToChild);
      const timeout = setTimeout(() => shards.forEach((s) => s.child.kill()), 15_000);
      await Promise.all(shards.map((s) => s.done));
      clearTimeout(timeout);
      clearInterval(saver);
      state.save();
      return total();
    },
  };
}

/** The body of a forked shard (see child.ts). */
export function runShard(): void {
  let fleet: Fleet | null = null;
  const pending: [number, AgentCredential][] = [];
  const send = (message: ToParent) => process.connected && process.send!(message);
  const flush = () => {
    if (pending.length > 0) send({ type: 'credentials', items: pending.splice(0) });
  };
  const ticker = setInterval(() => {
    flush();
    if (fleet) send({ type: 'stats', stats: fleet.stats() });
  }, 1000);
  process.on('message', (message: ToChild) => {
    if (message.type === 'start') {
      try {
        fleet = new Fleet({
          ...message.options,
          onCredential: (index, credential) => pending.push([index, credential]),
          log: (line) => process.stderr.write(line + '\n'),
        });
        fleet.start();
      } catch (error) {
        send({ type: 'failed', message: (error as Error).message });
        process.exit(1);
      }
    } else if (message.type === 'stop') {
      void (async () => {
        const stats = fleet ? await fleet.stop() : emptyStats();
        clearInterval(ticker);
        flush();
        send({ type: 'stopped', stats });
        process.disconnect();
      })();
    }
  });
  // The parent went away: stop too.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}
