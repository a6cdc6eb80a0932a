/*
 * `npm run bench -- gateway|fanout [options]` (also `npm run bench:gateway`,
 * `npm run bench:fanout`): starts one real CloudRMM server with an embedded
 * Postgres in a temporary data folder, drives N simulated agents against it and
 * prints what it cost as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchPartner, dirBytes, log, mergeKinds, postmasterPid, round, sleep, startBenchServer, waitFor } from './bench-kit.js';
import { checkKnown, intFlag, loopbackSources, parseFlags, UsageError } from './cli.js';
import { benchFanout, FANOUT_USAGE } from './fanout.js';
import { cpuSeconds, rssBytes, treeUsage } from './proc.js';
import { startSimulation, type Simulation } from './simulation.js';
import { progressLine } from './stats.js';

const USAGE = `usage: npm run bench -- gateway [options]    (or: npm run bench:gateway -- [options])

  --agents N              simulated agents (default 2000; up to 19,000 on this machine's 20,000 open-files cap)
  --duration S            seconds of the steady-state window in which heartbeats are counted (default 20)
  --heartbeat S           heartbeat interval during that window, set through the partner's agent settings (default 5)
  --software MIN-MAX      installed packages per simulated device (default 200-2000)
  --processes P           simulator processes (default: one per 18,000 agents)
  --connect-concurrency K socket handshakes the simulator keeps in flight (default 200)
  --enroll-concurrency K  enrollments in flight (default 50)
  --source-ips K          loopback source addresses for the agents (default 8)
  --no-reconnect          skip the reconnect phase (the whole fleet reconnecting, as after a server restart)
  --server-from src|dist  run the server from its built dist/ (default, built when stale) or its sources via tsx
  --keep                  keep the temporary data folder (its server.log) afterwards
  --progress S            seconds between progress lines on stderr (default 5; 0 = none)`;

const BOOLEANS = ['no-reconnect', 'keep', 'help'] as const;
const KNOWN = [
  ...BOOLEANS,
  'agents',
  'duration',
  'heartbeat',
  'software',
  'processes',
  'connect-concurrency',
  'enroll-concurrency',
  'source-ips',
  'server-from',
  'progress',
] as const;

export async function benchGateway(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseFlags(argv, BOOLEANS);
  if (flags.has('help')) throw new UsageError('');
  checkKnown(flags, KNOWN);
  const agents = intFlag(flags, 'agents', 2000, 1, 200_000);
  const duration = intFlag(flags, 'duration', 20, 1, 3600);
  const heartbeat = intFlag(flags, 'heartbeat', 5, 5, 3600);
  const progressMs = intFlag(flags, 'progress', 5, 0, 3600) * 1000;
  const softwareRaw = flags.get('software') ?? '200-2000';
  const m = /^(\d+)(?:-(\d+))?$/.exec(softwareRaw);
  if (!m) throw new UsageError('--software must be MIN-MAX');
  const software = { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
  const { server, api } = await startBenchServer(flags);
  let simulation: Simulation | null = null;
  try {
    const { partnerId, token } = await benchPartner(api, agents);

    // Let start-up work (migrations, job schedules) settle before the baseline.
    await sleep(3000);
    const rssBefore = rssBytes(server.pid);
    const pgPid = postmasterPid(server.dataDir);
    const pgBefore = pgPid ? treeUsage(pgPid) : null;

    const stateFile = path.join(server.dataDir, 'simulator-state.json');
    const simOptions = {
      server: server.url,
      agents,
      token,
      stateFile,
      software,
      ...(flags.has('processes') ? { processes: intFlag(flags, 'processes', 1, 1, 64) } : {}),
      connectConcurrency: intFlag(flags, 'connect-concurrency', 200, 1, 5000),
      enrollConcurrency: intFlag(flags, 'enroll-concurrency', 50, 1, 1000),
      sourceAddresses: loopbackSources(intFlag(flags, 'source-ips', 8, 1, 250)),
      log,
    };
    const started = Date.now();
    simulation = await startSimulation(simOptions);
    log(`[bench] ${agents} agents in ${simulation.processes} simulator process(es)`);
    // Generous: a slow phase should be measured, not cut short (which leaves its numbers null).
    const connectTimeout = Math.max(600_000, agents * 200);
    const enrollSeconds = await waitFor(
      'enrollments',
      simulation,
      (s) => s.enrolled_now >= agents,
      connectTimeout,
      progressMs,
      started,
    );
    const connectSeconds = await waitFor(
      'connections',
      simulation,
      (s) => s.welcomed >= agents,
      connectTimeout,
      progressMs,
      started,
    ).then((s) => (s === null ? null : (Date.now() - started) / 1000));
    const inventorySeconds = await waitFor(
      'inventory acknowledgements',
      simulation,
      (s) => s.inventory_acks + s.inventory_failures >= s.inventories,
      connectTimeout,
      progressMs,
      started,
    ).then((s) => (s === null ? null : (Date.now() - started) / 1000));
    const afterConnect = simulation.stats();
    const rssConnected = rssBytes(server.pid);
    const pgDir = path.join(server.dataDir, 'pg');
    const pgWalBytes = dirBytes(path.join(pgDir, 'pg_wal'));
    const pgDataBytes = dirBytes(pgDir) - pgWalBytes;

    // Steady state: a short heartbeat for every agent, pushed live through the partner's settings.
    const settingsPath = `/partners/${partnerId}/agent-settings`;
    const settings = await api.call<{ heartbeat_seconds: number; inventory_minutes: number; version: number }>(
      'GET',
      settingsPath,
    );
    const configsBefore = afterConnect.configs;
    await api.call('PUT', settingsPath, {
      heartbeat_seconds: heartbeat,
      inventory_minutes: settings.inventory_minutes,
      version: settings.version,
    });
    await waitFor(
      'the new settings',
      simulation,
      (s) => s.configs - configsBefore >= afterConnect.welcomed,
      60_000,
      progressMs,
      started,
    );
    // One interval for every agent to move to its new phase, then the window.
    await sleep(heartbeat * 1000 + 1000);
    const window0 = {
      stats: simulation.stats(),
      cpu: cpuSeconds(server.pid),
      pg: pgPid ? treeUsage(pgPid) : null,
      t: Date.now(),
    };
    const windowEnd = Date.now() + duration * 1000;
    while (Date.now() < windowEnd) {
      await sleep(Math.min(progressMs || 1000, windowEnd - Date.now()));
      if (progressMs > 0) log(progressLine(simulation.stats(), Date.now() - started));
    }
    const window1 = {
      stats: simulation.stats(),
      cpu: cpuSeconds(server.pid),
      pg: pgPid ? treeUsage(pgPid) : null,
      t: Date.now(),
    };
    const rssAfter = rssBytes(server.pid);
    const heartbeats = window1.stats.heartbeats - window0.stats.heartbeats;
    const serverCpu = window1.cpu - window0.cpu;
    const pgCpu = window0.pg && window1.pg ? window1.pg.cpu_seconds - window0.pg.cpu_seconds : null;
    const connected = window1.stats.welcomed;

    // Reconnect: the whole fleet drops and comes back with its saved credentials (no enrollment, no inventory).
    let reconnect: { seconds: number | null; rate: number | null } | null = null;
    if (!flags.has('no-reconnect')) {
      await simulation.stop();
      simulation = null;
      await sleep(3000);
      const again = Date.now();
      simulation = await startSimulation(simOptions);
      const seconds = await waitFor(
        'the reconnect',
        simulation,
        (s) => s.welcomed >= connected,
        connectTimeout,
        progressMs,
        again,
      );
      reconnect = { seconds: seconds === null ? null : round(seconds), rate: seconds ? round(connected / seconds, 1) : null };
    }
    const final = await simulation!.stop();
    simulation = null;
    const totalErrors = window1.stats.errors + (reconnect ? final.errors : 0);

    return {
      agents,
      connected,
      connect_seconds: connectSeconds === null ? null : round(connectSeconds),
      connect_rate_per_s: connectSeconds ? round(afterConnect.welcomed / connectSeconds, 1) : null,
      enroll_seconds: enrollSeconds === null ? null : round(enrollSeconds),
      enroll_rate_per_s: enrollSeconds ? round(afterConnect.enrolled_now / enrollSeconds, 1) : null,
      inventories_stored: afterConnect.inventory_acks,
      inventories_failed: afterConnect.inventory_failures,
      inventories_done_seconds: inventorySeconds === null ? null : round(inventorySeconds),
      software_per_device: `${software.min}-${software.max}`,
      reconnect_seconds: reconnect?.seconds ?? null,
      reconnect_rate_per_s: reconnect?.rate ?? null,
      server_rss_bytes_before: rssBefore,
      server_rss_bytes_connected: rssConnected,
      server_rss_bytes_after: rssAfter,
      rss_per_agent_bytes: connected > 0 ? Math.round((rssAfter - rssBefore) / connected) : null,
      postgres_data_bytes_connected: pgDataBytes,
      postgres_wal_bytes_connected: pgWalBytes,
      postgres_pss_bytes_before: pgBefore?.pss_bytes ?? null,
      postgres_pss_bytes_after: window1.pg?.pss_bytes ?? null,
      server_cpu_seconds_during_steady_state: round(serverCpu, 3),
      postgres_cpu_seconds_during_steady_state: pgCpu === null ? null : round(pgCpu, 3),
      heartbeats_during_steady_state: heartbeats,
      heartbeats_per_s: round(heartbeats / ((window1.t - window0.t) / 1000), 1),
      cpu_ms_per_heartbeat: heartbeats > 0 ? round((serverCpu * 1000) / heartbeats, 4) : null,
      heartbeat_seconds: heartbeat,
      steady_state_seconds: round((window1.t - window0.t) / 1000, 1),
      simulator_processes: simOptions.processes ?? Math.max(1, Math.ceil(agents / 18_000)),
      simulator_cpu_seconds_total: round(final.cpu_ms / 1000, 1),
      errors: totalErrors,
      error_kinds: mergeKinds(window1.stats.error_kinds, reconnect ? final.error_kinds : {}),
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

async function main(): Promise<void> {
  const [target, ...rest] = process.argv.slice(2);
  let usage = `${USAGE}\n\n${FANOUT_USAGE}`;
  try {
    if (target !== 'gateway' && target !== 'fanout')
      throw new UsageError(target ? `unknown benchmark "${target}" (expected: gateway or fanout)` : '');
    usage = target === 'fanout' ? FANOUT_USAGE : USAGE;
    const result = target === 'fanout' ? await benchFanout(rest) : await benchGateway(rest);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`bench: ${error.message}\n\n`);
    process.stderr.write(usage + '\n');
    process.exit(error.message ? 2 : 0);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
