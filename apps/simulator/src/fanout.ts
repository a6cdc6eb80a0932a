/*
 * `npm run bench -- fanout [options]` (also `npm run bench:fanout -- [options]`):
 * one command to every device of a partner. N simulated agents connect, one
 * task targets them all, and the JSON says how long until every agent had its
 * signed command, how long until every result was stored, and what the server
 * spent doing it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchPartner, log, mergeKinds, postmasterPid, round, sleep, startBenchServer, waitFor } from './bench-kit.js';
import { checkKnown, intFlag, loopbackSources, parseFlags, UsageError } from './cli.js';
import { cpuSeconds, rssBytes, treeUsage } from './proc.js';
import { startSimulation, type Simulation } from './simulation.js';

export const FANOUT_USAGE = `usage: npm run bench -- fanout [options]    (or: npm run bench:fanout -- [options])

  --agents N              simulated agents, every one a target (default 10000)
  --command TEXT          the shell command run everywhere (default "echo hello"; the simulator answers it)
  --processes P           simulator processes (default: one per 18,000 agents)
  --connect-concurrency K socket handshakes the simulator keeps in flight (default 200)
  --enroll-concurrency K  enrollments in flight (default 50)
  --source-ips K          loopback source addresses for the agents (default 8)
  --server-from src|dist  run the server from its built dist/ (default) or its sources via tsx
  --keep                  keep the temporary data folder (its server.log) afterwards
  --progress S            seconds between progress lines on stderr (default 5; 0 = none)`;

const BOOLEANS = ['keep', 'help'] as const;
const KNOWN = [
  ...BOOLEANS,
  'agents',
  'command',
  'processes',
  'connect-concurrency',
  'enroll-concurrency',
  'source-ips',
  'server-from',
  'progress',
] as const;

interface TaskCounts {
  queued: number;
  sent: number;
  running: number;
  succeeded: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  expired: number;
}

export async function benchFanout(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseFlags(argv, BOOLEANS);
  if (flags.has('help')) throw new UsageError('');
  checkKnown(flags, KNOWN);
  const agents = intFlag(flags, 'agents', 10_000, 1, 200_000);
  const progressMs = intFlag(flags, 'progress', 5, 0, 3600) * 1000;
  const command = flags.get('command') ?? 'echo hello';
  const { server, api } = await startBenchServer(flags);
  let simulation: Simulation | null = null;
  try {
    const { partnerId, token } = await benchPartner(api, agents);
    // One task to the whole fleet is the point here: lift the second-approver threshold above it.
    const settings = await api.call<{ version: number; default_expiry_hours: number }>(
      'GET',
      `/partners/${partnerId}/command-settings`,
    );
    await api.call('PUT', `/partners/${partnerId}/command-settings`, {
      version: settings.version,
      fanout_threshold: agents + 1,
      default_expiry_hours: settings.default_expiry_hours,
    });

    const simOptions = {
      server: server.url,
      agents,
      token,
      stateFile: path.join(server.dataDir, 'simulator-state.json'),
      software: { min: 0, max: 20 },
      ...(flags.has('processes') ? { processes: intFlag(flags, 'processes', 1, 1, 64) } : {}),
      connectConcurrency: intFlag(flags, 'connect-concurrency', 200, 1, 5000),
      enrollConcurrency: intFlag(flags, 'enroll-concurrency', 50, 1, 1000),
      sourceAddresses: loopbackSources(intFlag(flags, 'source-ips', 8, 1, 250)),
      log,
    };
    const started = Date.now();
    simulation = await startSimulation(simOptions);
    log(`[bench] ${agents} agents in ${simulation.processes} simulator process(es)`);
    const connectTimeout = Math.max(600_000, agents * 200);
    const connected = await waitFor('connections', simulation, (s) => s.welcomed >= agents, connectTimeout, progressMs, started);
    if (connected === null) throw new Error('the fleet did not connect');
    await waitFor(
      'inventory acknowledgements',
      simulation,
      (s) => s.inventory_acks + s.inventory_failures >= s.inventories,
      connectTimeout,
      progressMs,
      started,
    );
    // Let the connect storm's writes settle before the baseline.
    await sleep(3000);
    const pgPid = postmasterPid(server.dataDir);
    const before = {
      stats: simulation.stats(),
      cpu: cpuSeconds(server.pid),
      rss: rssBytes(server.pid),
      pg: pgPid ? treeUsage(pgPid) : null,
    };

    const t0 = Date.now();
    const task = await api.call<{ id: string; target_count: number; approval: string }>('POST', `/partners/${partnerId}/tasks`, {
      kind: 'shell',
      interpreter: 'sh',
      command,
      target: { type: 'partner', ids: [] },
    });
    const createSeconds = (Date.now() - t0) / 1000;
    if (task.approval === 'pending') throw new Error('the task waits for approval: the fan-out threshold was not lifted');
    log(`[bench] task ${task.id} created for ${task.target_count} devices in ${round(createSeconds)} s`);
    const rssPeak = { value: rssBytes(server.pid) ?? 0 };
    const sampler = setInterval(() => (rssPeak.value = Math.max(rssPeak.value, rssBytes(server.pid) ?? 0)), 200);
    const timeout = Math.max(300_000, agents * 60);
    const received = await waitFor(
      'every agent to receive the command',
      simulation,
      (s) => s.commands_received - before.stats.commands_received >= agents,
      timeout,
      progressMs,
      t0,
    );
    const deliveredSeconds = received === null ? null : (Date.now() - t0) / 1000;
    // The server acknowledges a result only once it is committed: every ack is a stored result.
    const acked = await waitFor(
      'every result to be stored',
      simulation,
      (s) => s.results_acked - before.stats.results_acked >= agents,
      timeout,
      progressMs,
      t0,
    );
    const storedSeconds = acked === null ? null : (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const after = {
      stats: simulation.stats(),
      cpu: cpuSeconds(server.pid),
      rss: rssBytes(server.pid),
      pg: pgPid ? treeUsage(pgPid) : null,
    };
    // What the API says, to check the simulator's counts against the database.
    const stored = await api.call<{ counts: TaskCounts }>('GET', `/partners/${partnerId}/tasks/${task.id}`);
    const final = await simulation.stop();
    simulation = null;

    return {
      agents,
      targets: task.target_count,
      create_task_seconds: round(createSeconds, 3),
      delivered_to_all_seconds: deliveredSeconds === null ? null : round(deliveredSeconds),
      results_stored_seconds: storedSeconds === null ? null : round(storedSeconds),
      runs_per_s_end_to_end: storedSeconds ? round(agents / storedSeconds, 1) : null,
      runs_by_status: stored.counts,
      commands_received: after.stats.commands_received - before.stats.commands_received,
      commands_refused: after.stats.commands_refused - before.stats.commands_refused,
      results_acked: after.stats.results_acked - before.stats.results_acked,
      server_cpu_seconds: round(after.cpu - before.cpu, 3),
      postgres_cpu_seconds: before.pg && after.pg ? round(after.pg.cpu_seconds - before.pg.cpu_seconds, 3) : null,
      server_rss_bytes_before: before.rss,
      server_rss_bytes_peak: rssPeak.value,
      server_rss_bytes_after: after.rss,
      simulator_processes: simOptions.processes ?? Math.max(1, Math.ceil(agents / 18_000)),
      errors: final.errors,
      error_kinds: mergeKinds(final.error_kinds, {}),
      node_version: process.version,
      cpus: os.cpus().length,
    };
  } finally {
    if (simulation) await simulation.stop().catch(() => undefined);
    await server.stop();
    if (flags.has('keep')) log(`[bench] kept ${server.dataDir} (server log: ${server.logFile})`);
    else fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}
