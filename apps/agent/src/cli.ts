import { parseArgs, type ParseArgsConfig } from 'node:util';
import { enroll } from './commands/enroll.js';
import { formatStatus, statusReport } from './commands/status.js';
import { errorMessage, type Logger } from './log.js';
import { createRegistry } from './registry.js';
import { stateDir } from './state/state-dir.js';
import { AgentConnection } from './transport/connection.js';
import { ServerUrlError } from './transport/server-url.js';
import { AGENT_VERSION } from './version.js';

export const USAGE = `cloudrmm-agent ${AGENT_VERSION}: the CloudRMM endpoint agent

Usage:
  cloudrmm-agent enroll --server URL (--site-code CODE | --token TOKEN) [--ca-file PEM] [--dev]
      Register this machine with the server and store its credential.
  cloudrmm-agent run [--dev]
      Connect to the server and stay connected (run it as a service).
  cloudrmm-agent status [--json]
      Show whether this machine is enrolled and connected.
  cloudrmm-agent --help | --version

Options:
  --server URL     the server's address; must be https://
  --site-code C    the site's enrollment code (from the install link)
  --token T        a one-time enrollment token
  --ca-file PEM    trust this certificate authority instead of the system's (it is pinned)
  --dev            development only: allow http:// on this machine's loopback address,
                   or skip certificate verification for https:// (loud warning)
  --json           machine-readable status

Environment:
  CLOUDRMM_AGENT_DIR              state directory (default /var/lib/cloudrmm-agent)
  CLOUDRMM_AGENT_MACHINE_ID_FILE  testing/debug aid: read the machine id from this file
                                  (the credential is bound to the machine id)
  CLOUDRMM_AGENT_REBOOT_COMMAND   run this instead of the system's reboot command for
                                  reboot commands (program and arguments, no shell)

Exit codes: 0 ok, 1 failed or refused by the server, 2 usage error.
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** `run` resolves when this signal fires (SIGTERM/SIGINT in the real binary). */
  stopSignal?: Promise<void>;
}

class UsageError extends Error {}

function parse(args: string[], options: ParseArgsConfig['options']) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

async function enrollCommand(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, {
    server: { type: 'string' },
    'site-code': { type: 'string' },
    token: { type: 'string' },
    'ca-file': { type: 'string' },
    dev: { type: 'boolean' },
  });
  const server = values.server as string | undefined;
  const siteCode = values['site-code'] as string | undefined;
  const token = values.token as string | undefined;
  if (!server) throw new UsageError('enroll needs --server URL');
  if (!siteCode === !token) throw new UsageError('enroll needs exactly one of --site-code or --token');
  const dir = stateDir(io.env);
  const identity = await enroll(
    {
      server,
      siteCode,
      token,
      caFile: values['ca-file'] as string | undefined,
      dev: values.dev === true,
      stateDir: dir,
      env: io.env,
    },
    (line) => io.err(`${line}\n`),
  );
  io.out(
    `Enrolled: device ${identity.device_id} (agent ${identity.agent_id}) at ${identity.server}\n` +
      (identity.pinned ? `Pinned certificate authority: ${identity.pinned.ca_subject}\n` : '') +
      `Credential stored in ${dir}. Start the agent with: cloudrmm-agent run\n`,
  );
  return 0;
}

async function runCommand(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, { dev: { type: 'boolean' } });
  const connection = new AgentConnection({
    stateDir: stateDir(io.env),
    dev: values.dev === true,
    registry: createRegistry({ env: io.env }),
    log: io.log,
    env: io.env,
  });
  await connection.start();
  await (io.stopSignal ?? new Promise<void>(() => {}));
  await connection.stop();
  io.log('info', 'agent.stopped');
  return 0;
}

function statusCommand(args: string[], io: CliIo): number {
  const values = parse(args, { json: { type: 'boolean' } });
  const report = statusReport(stateDir(io.env));
  io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return 0;
}

/** The whole command line; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help')) {
      if (command === undefined) {
        io.err(USAGE);
        return 2;
      }
      io.out(USAGE);
      return 0;
    }
    if (command === '--version' || command === 'version') {
      io.out(`${AGENT_VERSION}\n`);
      return 0;
    }
    if (command === 'enroll') return await enrollCommand(rest, io);
    if (command === 'run') return await runCommand(rest, io);
    if (command === 'status') return statusCommand(rest, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ServerUrlError) {
      io.err(`cloudrmm-agent: ${error.message}\nRun "cloudrmm-agent --help" for usage.\n`);
      return 2;
    }
    io.err(`cloudrmm-agent: ${errorMessage(error)}\n`);
    return 1;
  }
}
