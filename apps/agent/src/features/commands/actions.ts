import { execFile } from 'node:child_process';
import type { CommandPayload, CommandResult } from '@cloudrmm/protocol';
import { errorMessage } from '../../log.js';
import { killProcess, processExists } from './process-tree.js';

/**
 * Replaces the reboot command: whitespace-separated program and arguments,
 * run without a shell (the delay is in CLOUDRMM_REBOOT_DELAY_SECONDS). For
 * tests and unusual systems; nothing else is read from it.
 */
export const REBOOT_COMMAND_ENV = 'CLOUDRMM_AGENT_REBOOT_COMMAND';

const ACTION_OUTPUT_CAP = 64 * 1024;

type Outcome = Pick<CommandResult, 'status' | 'exit_code' | 'stdout' | 'stderr' | 'error'>;

export function resultOf(runId: string, startedAt: number, outcome: Outcome): CommandResult {
  const result: CommandResult = {
    run_id: runId,
    status: outcome.status,
    exit_code: outcome.exit_code,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    stdout_truncated: false,
    stderr_truncated: false,
    started_at: startedAt,
    finished_at: Date.now(),
  };
  if (outcome.error) result.error = outcome.error.slice(0, 2000);
  return result;
}

const ok = (stdout: string): Outcome => ({ status: 'succeeded', exit_code: 0, stdout, stderr: '' });
const failed = (error: string): Outcome => ({ status: 'failed', exit_code: null, stdout: '', stderr: '', error });

/** The reboot command for this system, or the override. */
export function rebootCommand(delaySeconds: number, env: NodeJS.ProcessEnv): string[] {
  const override = env[REBOOT_COMMAND_ENV]?.trim();
  if (override) return override.split(/\s+/);
  if (process.platform === 'win32') return ['shutdown', '/r', '/t', String(delaySeconds)];
  return ['shutdown', '-r', delaySeconds === 0 ? 'now' : `+${Math.ceil(delaySeconds / 60)}`];
}

function reboot(delaySeconds: number, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const [file, ...args] = rebootCommand(delaySeconds, env);
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      {
        env: { ...env, CLOUDRMM_REBOOT_DELAY_SECONDS: String(delaySeconds) },
        timeout: 60_000,
        maxBuffer: ACTION_OUTPUT_CAP,
        windowsHide: true,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const out = (stdout ?? '').slice(0, ACTION_OUTPUT_CAP);
        const err = (stderr ?? '').slice(0, ACTION_OUTPUT_CAP);
        if (!error) {
          const when = delaySeconds === 0 ? 'now' : `in ${delaySeconds} s`;
          resolve({ status: 'succeeded', exit_code: 0, stdout: out || `reboot scheduled ${when}\n`, stderr: err });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        resolve({
          status: 'failed',
          exit_code: code,
          stdout: out,
          stderr: err,
          error: `the reboot command (${file}) failed: ${errorMessage(error)}`,
        });
      },
    );
  });
}

async function kill(pid: number, tree: boolean): Promise<Outcome> {
  if (pid === process.pid) return failed('refusing to kill the CloudRMM agent itself');
  if (pid === 1) return failed('refusing to kill process 1 (the system init process)');
  if (process.platform !== 'win32' && !processExists(pid)) return failed(`no process with pid ${pid} is running`);
  try {
    await killProcess(pid, tree);
  } catch (error) {
    return failed(errorMessage(error));
  }
  if (process.platform !== 'win32' && processExists(pid)) return failed(`process ${pid} is still running after SIGKILL`);
  return ok(tree ? `process ${pid} and its children were killed\n` : `process ${pid} was killed\n`);
}

export interface ActionContext {
  env: NodeJS.ProcessEnv;
  refreshInventory(): Promise<{ hash: string; software: number }>;
}

/** The kinds that are not scripts: reboot, inventory refresh, process kill. Never rejects. */
export async function runAction(
  payload: Exclude<CommandPayload, { kind: 'script' }>,
  runId: string,
  context: ActionContext,
): Promise<CommandResult> {
  const startedAt = Date.now();
  let outcome: Outcome;
  try {
    switch (payload.kind) {
      case 'reboot':
        outcome = await reboot(payload.delay_seconds, context.env);
        break;
      case 'inventory.refresh': {
        const sent = await context.refreshInventory();
        outcome = ok(`inventory sent (${sent.software} software packages, hash ${sent.hash})\n`);
        break;
      }
      case 'process.kill':
        outcome = await kill(payload.pid, payload.tree);
        break;
    }
  } catch (error) {
    outcome = failed(errorMessage(error));
  }
  return resultOf(runId, startedAt, outcome);
}
