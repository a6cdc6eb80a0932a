/*
 * `npm run simulate -- --server URL --agents N [--token T | --site-code C] [options]`
 * Many simulated agents speaking the real protocol to a CloudRMM server.
 */
import path from 'node:path';
import { checkKnown, intFlag, isLoopback, loopbackSources, parseFlags, UsageError } from './cli.js';
import { startSimulation, type SimulateOptions } from './simulation.js';
import { progressLine } from './stats.js';

const USAGE = `usage: npm run simulate -- --server URL --agents N (--token T | --site-code C) [options]

  --server URL            the CloudRMM server (gateway role), e.g. http://127.0.0.1:3000
  --agents N              how many agents to simulate
  --token T               an enrollment token (cret_...) with at least N uses left
  --site-code C           or a site code (its install link must be enabled)
  --state FILE            where credentials are kept, so a rerun reconnects the same devices
                          (default .cloudrmm/simulator/<host>-<port>.json; --no-state keeps none)
  --processes P           spread the agents over P processes (default: one per ${'18,000'} agents)
  --heartbeat-jitter      vary every heartbeat interval by ±10 % (the first beat is always at a random phase)
  --software MIN-MAX      installed packages per device (default 200-2000)
  --enroll-concurrency K  enrollments in flight (default 50)
  --connect-concurrency K socket handshakes in flight (default 200)
  --source-ips K          connect from K loopback addresses 127.0.0.1..K (loopback servers only; default 1)
  --duration S            stop after S seconds (default: run until Ctrl-C)
  --progress S            seconds between progress lines on stderr (default 5; 0 = none)
  --json                  print the final counters as JSON on stdout when stopping`;

const BOOLEANS = ['heartbeat-jitter', 'json', 'no-state', 'help'] as const;
const KNOWN = [
  ...BOOLEANS,
  'server',
  'agents',
  'token',
  'site-code',
  'state',
  'processes',
  'software',
  'enroll-concurrency',
  'connect-concurrency',
  'source-ips',
  'duration',
  'progress',
] as const;

export function parseSimulateArgs(argv: string[]): SimulateOptions & { duration: number; json: boolean; progress: number } {
  const { flags } = parseFlags(argv, BOOLEANS);
  if (flags.has('help')) throw new UsageError('');
  checkKnown(flags, KNOWN);
  const server = flags.get('server');
  if (!server) throw new UsageError('--server is required');
  let base: URL;
  try {
    base = new URL(server);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError('--server must be an http:// or https:// URL');
  }
  const agents = intFlag(flags, 'agents', undefined, 1, 1_000_000);
  const token = flags.get('token');
  const siteCode = flags.get('site-code');
  if (token && siteCode) throw new UsageError('give --token or --site-code, not both');
  const softwareRaw = flags.get('software') ?? '200-2000';
  const m = /^(\d+)(?:-(\d+))?$/.exec(softwareRaw);
  if (!m) throw new UsageError('--software must be MIN-MAX, e.g. 200-2000');
  const software = { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
  if (software.max > 20_000 || software.min > software.max)
    throw new UsageError('--software must be MIN-MAX with MIN <= MAX <= 20000');
  const sourceIps = intFlag(flags, 'source-ips', 1, 1, 250);
  if (sourceIps > 1 && !isLoopback(server)) throw new UsageError('--source-ips only works against a loopback server');
  const stateFile = flags.has('no-state')
    ? null
    : (flags.get('state') ??
      path.join('.cloudrmm', 'simulator', `${base.hostname}-${base.port || (base.protocol === 'https:' ? 443 : 80)}.json`));
  return {
    server: base.origin,
    agents,
    ...(token ? { token } : {}),
    ...(siteCode ? { siteCode } : {}),
    stateFile,
    ...(flags.has('processes') ? { processes: intFlag(flags, 'processes', 1, 1, 64) } : {}),
    heartbeatJitter: flags.has('heartbeat-jitter'),
    software,
    enrollConcurrency: intFlag(flags, 'enroll-concurrency', 50, 1, 1000),
    connectConcurrency: intFlag(flags, 'connect-concurrency', 200, 1, 5000),
    ...(sourceIps > 1 ? { sourceAddresses: loopbackSources(sourceIps) } : {}),
    duration: intFlag(flags, 'duration', 0, 0, 7 * 86_400),
    json: flags.has('json'),
    progress: intFlag(flags, 'progress', 5, 0, 3600),
  };
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseSimulateArgs>;
  try {
    options = parseSimulateArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`simulate: ${error.message}\n\n`);
    process.stderr.write(USAGE + '\n');
    process.exit(error.message ? 2 : 0);
  }
  const started = Date.now();
  const simulation = await startSimulation(options);
  process.stderr.write(
    `[simulate] ${options.agents} agents against ${options.server} in ${simulation.processes} process(es)` +
      `${options.stateFile ? `, state in ${options.stateFile}` : ''}\n`,
  );
  const progress =
    options.progress > 0
      ? setInterval(
          () => process.stderr.write(progressLine(simulation.stats(), Date.now() - started) + '\n'),
          options.progress * 1000,
        )
      : null;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (progress) clearInterval(progress);
    const stats = await simulation.stop();
    process.stderr.write(progressLine(stats, Date.now() - started) + '\n');
    if (options.json)
      process.stdout.write(JSON.stringify({ ...stats, seconds: Math.round((Date.now() - started) / 100) / 10 }) + '\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (options.duration > 0) setTimeout(() => void stop(), options.duration * 1000);
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    process.stderr.write(`simulate: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
