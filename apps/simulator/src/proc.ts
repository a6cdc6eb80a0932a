import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Reading a process's CPU time and memory from /proc (Linux). */

let clockTicks: number | null = null;

/** Clock ticks per second of /proc/<pid>/stat's times (almost always 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * User + system CPU seconds the process has used so far; with `children`, also
 * what its ended and reaped children used (a postmaster's exited backends).
 */
export function cpuSeconds(pid: number, children = false): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const ticks = fields[11]! + fields[12]! + (children ? fields[13]! + fields[14]! : 0);
  return ticks / clockTicksPerSecond();
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Proportional set size in bytes: shared pages split among the processes sharing them. */
export function pssBytes(pid: number): number {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+)\s+kB/m.exec(rollup);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (e.g. a postmaster and its backends). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

/** Summed PSS and CPU seconds of a process tree (processes that end meanwhile are skipped). */
export function treeUsage(root: number): { pss_bytes: number; cpu_seconds: number; processes: number } {
  let pss = 0;
  let cpu = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      cpu += cpuSeconds(pid, pid === root);
      pss += pssBytes(pid);
      processes++;
    } catch {
      // gone
    }
  }
  return { pss_bytes: pss, cpu_seconds: cpu, processes };
}
