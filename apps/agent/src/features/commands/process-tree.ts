import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How long a process tree gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3_000;

const isWindows = process.platform === 'win32';

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function taskkill(pid: number, tree: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('taskkill', [...(tree ? ['/T'] : []), '/F', '/PID', String(pid)], { windowsHide: true }, (error) => resolve(!error));
  });
}

/**
 * Kills the process group a run started (POSIX: the script is the leader of
 * its own group, so its children go too): SIGTERM, then SIGKILL after the
 * grace period. On Windows `taskkill /T /F` ends the tree at once.
 */
export function killRunTree(pid: number, graceMs = KILL_GRACE_MS): void {
  if (isWindows) {
    void taskkill(pid, true);
    return;
  }
  if (!signalGroup(pid, 'SIGTERM')) return;
  setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs).unref();
}

/** SIGKILL at once, synchronously: for the agent's own exit. */
export function killRunTreeNow(pid: number): void {
  if (isWindows) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    return;
  }
  signalGroup(pid, 'SIGKILL');
}

/** Every process's parent, from `ps` (Linux, macOS). */
function parents(): Promise<Map<number, number>> {
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      const map = new Map<number, number>();
      if (!error) {
        for (const line of stdout.split('\n')) {
          const [pid, ppid] = line.trim().split(/\s+/).map(Number);
          if (pid && ppid !== undefined && Number.isInteger(ppid)) map.set(pid, ppid);
        }
      }
      resolve(map);
    });
  });
}

/** The descendants of `pid`, children before grandchildren. */
export async function descendants(pid: number): Promise<number[]> {
  const map = await parents();
  const children = new Map<number, number[]>();
  for (const [child, parent] of map) children.set(parent, [...(children.get(parent) ?? []), child]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (found.includes(child) || child === pid) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Kills one process (and, with `tree`, its descendants): SIGTERM, SIGKILL to
 * whatever is left after the grace period. Resolves when they are gone or the
 * SIGKILL was sent.
 */
export async function killProcess(pid: number, tree: boolean, graceMs = KILL_GRACE_MS): Promise<void> {
  if (isWindows) {
    if (!(await taskkill(pid, tree))) throw new Error(`taskkill could not end process ${pid}`);
    return;
  }
  const targets = [pid, ...(tree ? await descendants(pid) : [])];
  for (const target of targets) {
    try {
      process.kill(target, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some(processExists)) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const target of targets.filter(processExists)) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/**
 * Whether `pid` is still the process a run started (Linux: its environment
 * carries CLOUDRMM_RUN_ID), so a group left over from an agent that was killed
 * can be ended without risking a reused pid.
 */
export function isRunProcess(pid: number, runId: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`CLOUDRMM_RUN_ID=${runId}`);
  } catch {
    return false;
  }
}
