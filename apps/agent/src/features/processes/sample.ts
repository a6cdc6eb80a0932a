import { MAX_FRAME_BYTES, encodeAgentFrame, type AgentPayload, type ProcessInfo } from '@cloudrmm/protocol';
import si from 'systeminformation';
import { processIo } from '../../platform/index.js';
import { clean, text } from '../../text.js';

export type ProcessSort = 'cpu' | 'memory' | 'io' | 'name';

const SAMPLE_MS = 1000;

async function ioSnapshot(pids: number[]): Promise<Map<number, { read: number; write: number }>> {
  const counters = await Promise.all(pids.map(async (pid) => [pid, await processIo(pid)] as const));
  return new Map(counters.filter((entry): entry is [number, { read: number; write: number }] => entry[1] !== null));
}

function startedAt(value: string | undefined): string | null {
  if (!value) return null;
  const date = new Date(value.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const io = (p: ProcessInfo) => (p.io_read_bytes_per_sec ?? 0) + (p.io_write_bytes_per_sec ?? 0);
const ORDER: Record<ProcessSort, (a: ProcessInfo, b: ProcessInfo) => number> = {
  cpu: (a, b) => b.cpu_percent - a.cpu_percent || b.memory_bytes - a.memory_bytes,
  memory: (a, b) => b.memory_bytes - a.memory_bytes,
  io: (a, b) => io(b) - io(a) || b.cpu_percent - a.cpu_percent,
  name: (a, b) => a.name.localeCompare(b.name) || a.pid - b.pid,
};

/** Shortens command lines, then drops the tail, until the reply fits one frame. */
function fitReply(reply: AgentPayload<'processes.list.result'>): AgentPayload<'processes.list.result'> {
  const size = (r: typeof reply) => Buffer.byteLength(encodeAgentFrame('processes.list.result', r, { re: 'x'.repeat(64) }));
  if (size(reply) <= MAX_FRAME_BYTES) return reply;
  let fitted = { ...reply, processes: reply.processes.map((p) => ({ ...p, command: p.command?.slice(0, 256) ?? null })) };
  for (let bytes = size(fitted); bytes > MAX_FRAME_BYTES && fitted.processes.length > 0; bytes = size(fitted)) {
    const keep = Math.floor(fitted.processes.length * (MAX_FRAME_BYTES / bytes) * 0.95);
    fitted = { ...fitted, processes: fitted.processes.slice(0, Math.min(keep, fitted.processes.length - 1)) };
  }
  return fitted;
}

/**
 * The process list (AGT7), sampled over about a second so CPU % and disk I/O
 * per second describe now, not the whole life of each process.
 */
export async function sampleProcesses(sort: ProcessSort = 'cpu', limit = 200): Promise<AgentPayload<'processes.list.result'>> {
  const started = Date.now();
  // The first call primes systeminformation's CPU counters; the second reports the delta.
  const first = await si.processes();
  const ioBefore = await ioSnapshot(first.list.map((p) => p.pid));
  const ioStart = Date.now();
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  const second = await si.processes();
  const ioAfter = await ioSnapshot(second.list.map((p) => p.pid));
  const seconds = Math.max(0.001, (Date.now() - ioStart) / 1000);
  const totalMem = (await si.mem().catch(() => null))?.total ?? 0;

  const processes: ProcessInfo[] = second.list.map((p) => {
    const before = ioBefore.get(p.pid);
    const after = ioAfter.get(p.pid);
    const rate = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined && b >= a ? Math.round((b - a) / seconds) : null;
    const memoryBytes = Math.max(0, (p.memRss || 0) * 1024);
    const command = [p.path && !p.command.startsWith('/') ? `${p.path}/${p.command}` : p.command, p.params]
      .filter(Boolean)
      .join(' ');
    return {
      pid: p.pid,
      parent_pid: p.parentPid >= 0 ? p.parentPid : undefined,
      name: text(p.name, String(p.pid)),
      command: clean(command, 4096),
      user: clean(p.user, 128),
      state: clean(p.state, 32),
      cpu_percent: Math.max(0, Math.round((p.cpu || 0) * 100) / 100),
      memory_bytes: memoryBytes,
      memory_percent: Math.max(0, Math.round((p.mem || (totalMem ? (memoryBytes / totalMem) * 100 : 0)) * 100) / 100),
      io_read_bytes_per_sec: rate(before?.read, after?.read),
      io_write_bytes_per_sec: rate(before?.write, after?.write),
      started_at: startedAt(p.started),
    };
  });
  processes.sort(ORDER[sort]);
  return fitReply({
    processes: processes.slice(0, Math.min(limit, 5000)),
    total: processes.length,
    sampled_ms: Date.now() - started,
  });
}
