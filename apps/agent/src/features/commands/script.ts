import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandPayload, CommandResult, Interpreter } from '@cloudrmm/protocol';
import { ensureStateDir, stateFiles } from '../../state/state-dir.js';
import { consoleUser, type ConsoleUser } from './console-user.js';
import { StreamCapture } from './output.js';
import { killRunTree } from './process-tree.js';

type ScriptPayload = Extract<CommandPayload, { kind: 'script' }>;

const isWindows = process.platform === 'win32';
/** After the script exits, how long its output pipes may stay open (held by a background child) before the run ends anyway. */
const DRAIN_AFTER_EXIT_MS = 2_000;

/** Finds an executable on the PATH, the way a shell would (PATHEXT on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const extensions = isWindows ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  for (const dir of dirs) {
    for (const extension of extensions) {
      const candidate = path.join(dir, name + extension);
      try {
        accessSync(candidate, isWindows ? constants.F_OK : constants.X_OK);
        if (!isWindows || extension || path.extname(name)) return candidate;
      } catch {
        // Not here.
      }
    }
  }
  return null;
}

export interface InterpreterCommand {
  file: string;
  /** Arguments before the script file. */
  args: string[];
  /** The script file's extension (PowerShell and cmd insist on theirs). */
  extension: string;
}

/** The program that runs a script of this language here, or why there is none. */
export function interpreterFor(interpreter: Interpreter, env: NodeJS.ProcessEnv = process.env): InterpreterCommand | string {
  const first = (...names: string[]) => names.map((name) => findOnPath(name, env)).find((found) => found !== null) ?? null;
  switch (interpreter) {
    case 'bash': {
      const file = first('bash');
      return file ? { file, args: [], extension: '.sh' } : 'bash is not installed on this device (not found on the PATH)';
    }
    case 'sh': {
      const file = first('sh');
      return file ? { file, args: [], extension: '.sh' } : 'sh is not installed on this device (not found on the PATH)';
    }
    case 'python': {
      const file = first('python3', 'python');
      return file
        ? { file, args: [], extension: '.py' }
        : 'Python is not installed on this device (neither python3 nor python is on the PATH)';
    }
    case 'powershell': {
      const file = isWindows ? first('pwsh', 'powershell') : first('pwsh');
      const args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File'];
      return file
        ? { file, args, extension: '.ps1' }
        : isWindows
          ? 'PowerShell is not installed on this device (neither pwsh nor powershell.exe is on the PATH)'
          : 'PowerShell is not installed on this device (pwsh is not on the PATH)';
    }
    case 'cmd': {
      if (!isWindows) return 'cmd scripts run only on Windows';
      const file = first('cmd') ?? path.join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'cmd.exe');
      return { file, args: ['/d', '/c'], extension: '.cmd' };
    }
  }
}

/** cmd.exe parses its whole command line again: these characters in an argument could start a second command. */
const CMD_UNSAFE = /["%!^&|<>\r\n]/;

export interface ScriptRun {
  stdout: StreamCapture;
  stderr: StreamCapture;
  /** Kills the process tree; the result says `cancelled`. */
  cancel(): void;
  /** Settles with the final result; never rejects. */
  done: Promise<CommandResult>;
}

export interface ScriptContext {
  runId: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  /** The process started: its pid (the process group on POSIX) and when. */
  started(pid: number, startedAt: number): void;
  /** New output was captured. */
  output(): void;
}

function failedBeforeStart(runId: string, error: string): CommandResult {
  const now = Date.now();
  return {
    run_id: runId,
    status: 'failed',
    exit_code: null,
    stdout: '',
    stderr: '',
    stdout_truncated: false,
    stderr_truncated: false,
    started_at: now,
    finished_at: now,
    error,
  };
}

/** A private folder for the script file: in the root-only state directory, or owned by the user a `user` run runs as. */
function scriptFolder(runId: string, stateDir: string, user: ConsoleUser | null): string {
  if (user) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudrmm-run-'));
    chmodSync(dir, 0o700);
    chownSync(dir, user.uid, user.gid);
    return dir;
  }
  const root = stateFiles(stateDir).runTemp;
  ensureStateDir(root);
  const dir = path.join(root, runId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/**
 * Runs a script (AGT9, security.md 27): the text goes to a private temporary
 * file, the interpreter gets that file and the arguments as argv, parameters
 * as environment variables; nothing passes through a shell command line. The
 * process leads its own group so a timeout or a cancel kills everything it
 * started.
 */
export function startScript(payload: ScriptPayload, context: ScriptContext): ScriptRun {
  const stdout = new StreamCapture(payload.output_cap_bytes);
  const stderr = new StreamCapture(payload.output_cap_bytes);
  let child: ChildProcess | null = null;
  let cancelled = false;
  const run: ScriptRun = {
    stdout,
    stderr,
    cancel() {
      cancelled = true;
      if (child?.pid) killRunTree(child.pid);
    },
    done: execute(),
  };
  return run;

  async function execute(): Promise<CommandResult> {
    const interpreter = interpreterFor(payload.interpreter, context.env);
    if (typeof interpreter === 'string') return failedBeforeStart(context.runId, interpreter);
    if (payload.interpreter === 'cmd' && payload.args.some((arg) => CMD_UNSAFE.test(arg))) {
      return failedBeforeStart(
        context.runId,
        'a cmd script cannot safely receive an argument containing " % ! ^ & | < > or a line break (cmd.exe would parse it ' +
          'as commands); read the value from its CLOUDRMM_PARAM_ environment variable instead',
      );
    }
    let user: ConsoleUser | null = null;
    if (payload.run_as === 'user') {
      if (isWindows) {
        return failedBeforeStart(
          context.runId,
          'running as the logged-in user is not supported on Windows yet; run it as system',
        );
      }
      user = await consoleUser();
      if (!user) return failedBeforeStart(context.runId, 'no user is logged in at this device, so it cannot run as the user');
    }
    if (cancelled) return { ...failedBeforeStart(context.runId, 'cancelled before it started'), status: 'cancelled' };

    let folder: string;
    let file: string;
    try {
      folder = scriptFolder(context.runId, context.stateDir, user);
      file = path.join(folder, `script${interpreter.extension}`);
      writeFileSync(file, payload.script, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
      if (user) chownSync(file, user.uid, user.gid);
    } catch (error) {
      return failedBeforeStart(context.runId, `cannot write the script to a temporary file: ${(error as Error).message}`);
    }

    const env: NodeJS.ProcessEnv = { ...context.env, ...payload.env, CLOUDRMM_RUN_ID: context.runId };
    if (payload.interpreter === 'python' && payload.env.PYTHONUNBUFFERED === undefined) env.PYTHONUNBUFFERED = '1';
    let cwd = folder;
    if (user) {
      Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
      const runtime = `/run/user/${user.uid}`;
      if (process.platform === 'linux' && existsSync(runtime)) env.XDG_RUNTIME_DIR = runtime;
      if (existsSync(user.home)) cwd = user.home;
    }

    const started = Date.now();
    try {
      return await new Promise<CommandResult>((resolve) => {
        let timedOut = false;
        let settled = false;
        let drainTimer: NodeJS.Timeout | null = null;
        const proc = spawn(interpreter.file, [...interpreter.args, file, ...payload.args], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: !isWindows,
          windowsHide: true,
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
        });
        child = proc;
        const timeout = setTimeout(() => {
          timedOut = true;
          if (proc.pid) killRunTree(proc.pid);
        }, payload.timeout_seconds * 1000);

        const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timeout);
          if (drainTimer) clearTimeout(drainTimer);
          proc.stdout?.destroy();
          proc.stderr?.destroy();
          stdout.end();
          stderr.end();
          context.output();
          const status = cancelled
            ? 'cancelled'
            : timedOut
              ? 'timed_out'
              : spawnError
                ? 'failed'
                : code === 0
                  ? 'succeeded'
                  : 'failed';
          const result: CommandResult = {
            run_id: context.runId,
            status,
            exit_code: code,
            stdout: stdout.text(),
            stderr: stderr.text(),
            stdout_truncated: stdout.truncated,
            stderr_truncated: stderr.truncated,
            started_at: started,
            finished_at: Date.now(),
          };
          if (spawnError) result.error = `cannot start ${interpreter.file}: ${spawnError.message}`;
          else if (cancelled) result.error = 'cancelled: the process tree was killed';
          else if (timedOut) result.error = `timed out after ${payload.timeout_seconds} s: the process tree was killed`;
          else if (signal) result.error = `the script was killed by ${signal}`;
          resolve(result);
        };

        proc.on('spawn', () => {
          if (proc.pid) context.started(proc.pid, started);
          // A cancel that came while it was starting.
          if (cancelled && proc.pid) killRunTree(proc.pid);
        });
        proc.stdout!.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          context.output();
        });
        proc.stderr!.on('data', (chunk: Buffer) => {
          stderr.push(chunk);
          context.output();
        });
        proc.on('error', (error) => finish(null, null, error));
        proc.on('exit', (code, signal) => {
          // A child left in the background can hold the pipes open; its output is not waited for long.
          drainTimer = setTimeout(() => finish(code, signal), DRAIN_AFTER_EXIT_MS);
        });
        proc.on('close', (code, signal) => finish(code, signal));
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}
