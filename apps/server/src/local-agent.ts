import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

/** Where the local agent keeps its state, inside the server's data directory. */
export const LOCAL_AGENT_DIR = 'local-agent';
const RESTART_DELAY_MS = 5_000;
/** An agent that keeps dying within this long of starting is broken, not unlucky: stop restarting it. */
const QUICK_EXIT_MS = 30_000;
const MAX_QUICK_EXITS = 5;

export interface LocalAgent {
  stop: () => Promise<void>;
}

/**
 * The agent for the machine the server runs on (OPS1): in embedded mode
 * `npm start` enrolls it once, with a one-time token, and keeps it running
 * beside the server, so a first look at the dashboard shows a real device
 * with real inventory. It is the same bundle the install links hand out, run
 * as a child process over loopback http (the agent's development mode).
 */
export async function startLocalAgent(opts: {
  bundle: string;
  dataDir: string;
  /** The server as the agent reaches it: loopback http. */
  serverUrl: string;
  log: Logger;
  /** A one-time enrollment token for the local machine, or null when there is nowhere to enroll it. */
  issueToken: () => Promise<string | null>;
  /** How long to wait before restarting an agent that stopped (tests shorten it). */
  restartDelayMs?: number;
}): Promise<LocalAgent | null> {
  const restartDelayMs = opts.restartDelayMs ?? RESTART_DELAY_MS;
  const log = opts.log.child({ component: 'local-agent' });
  if (!existsSync(opts.bundle)) {
    log.warn(`the local agent was not started: ${opts.bundle} is missing (npm run build -w @cloudrmm/agent)`);
    return null;
  }
  const dir = path.join(opts.dataDir, LOCAL_AGENT_DIR);
  const env = { ...process.env, CLOUDRMM_AGENT_DIR: dir };

  // The agent's own test of "enrolled" (apps/agent/src/state/credential.ts): its credential file exists.
  if (!existsSync(path.join(dir, 'credential.enc'))) {
    const token = await opts.issueToken();
    if (!token) {
      log.info('the local agent was not enrolled: there is no partner site for it (enroll it from a site’s install page)');
      return null;
    }
    try {
      await promisify(execFile)(
        process.execPath,
        [opts.bundle, 'enroll', '--server', opts.serverUrl, '--token', token, '--dev'],
        { env, timeout: 60_000 },
      );
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      log.warn(`the local agent could not enroll: ${stderr || (error as Error).message}`);
      return null;
    }
    log.info('the local agent is enrolled');
  }

  let child: ChildProcess | null = null;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let quickExits = 0;
  const run = () => {
    const startedAt = Date.now();
    const proc = spawn(process.execPath, [opts.bundle, 'run', '--dev'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let pending = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      // The agent's own log lines are for debugging; the server's log stays about the server.
      for (const line of lines) if (line.trim()) log.debug(line);
    });
    proc.once('exit', (code, signal) => {
      child = null;
      if (stopping) return;
      quickExits = Date.now() - startedAt < QUICK_EXIT_MS ? quickExits + 1 : 0;
      if (quickExits >= MAX_QUICK_EXITS) {
        log.warn(
          { code, signal },
          `the local agent exited ${MAX_QUICK_EXITS} times in a row right after starting; not restarting it (run it by hand to see why: CLOUDRMM_AGENT_DIR=${dir} node ${opts.bundle} run --dev)`,
        );
        return;
      }
      log.warn({ code, signal }, `the local agent stopped unexpectedly; restarting it in ${restartDelayMs / 1000} s`);
      restartTimer = setTimeout(run, restartDelayMs);
      restartTimer.unref();
    });
  };
  run();

  return {
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child as ChildProcess | null;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
