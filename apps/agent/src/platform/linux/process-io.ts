import { readFile } from 'node:fs/promises';

export interface IoCounters {
  read: number;
  write: number;
}

/** Bytes a process made the storage layer read and write (/proc/<pid>/io); null where not readable. */
export async function linuxProcessIo(pid: number): Promise<IoCounters | null> {
  const text = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => null);
  if (!text) return null;
  const read = /^read_bytes:\s*(\d+)/m.exec(text);
  const write = /^write_bytes:\s*(\d+)/m.exec(text);
  if (!read || !write) return null;
  return { read: Number(read[1]), write: Number(write[1]) };
}
