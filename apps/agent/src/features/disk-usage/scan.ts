import { lstatSync, type Dirent, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FolderUsage } from '@cloudrmm/protocol';

export interface ScanOptions {
  path: string;
  /** How many folders to return. */
  top: number;
  /** Report folders down to this many levels below `path`. */
  depth: number;
  budgetMs?: number;
  maxEntries?: number;
}

export interface ScanResult {
  path: string;
  folders: FolderUsage[];
  partial: boolean;
  scanned_entries: number;
}

export class ScanError extends Error {}

interface Pending {
  dir: string;
  level: number;
  /** The reported folders (level 1..depth) this directory lies in, itself included. */
  counted: string[];
}

const PARALLEL_DIRS = 4;

function safeLstat(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}
const STAT_BATCH = 64;

/**
 * The largest folders under a path (AGT8), like `du` but safe to run on a
 * live server: never follows symlinks (lstat), stays on the path's file system
 * (st_dev), and stops at a time and entry budget, saying the result is partial.
 */
export async function scanFolders(options: ScanOptions): Promise<ScanResult> {
  const root = path.resolve(options.path);
  const budgetMs = options.budgetMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 200_000;
  const rootStat = await lstat(root).catch((error: NodeJS.ErrnoException) => {
    throw new ScanError(`cannot read ${root}: ${error.code ?? error.message}`);
  });
  if (!rootStat.isDirectory()) throw new ScanError(`${root} is not a folder`);

  const deadline = Date.now() + budgetMs;
  const sizes = new Map<string, number>();
  const seenLinks = new Set<string>();
  const stack: Pending[] = [{ dir: root, level: 0, counted: [] }];
  let scanned = 0;
  let partial = false;
  const overBudget = () => {
    if (!partial && (scanned >= maxEntries || Date.now() > deadline)) partial = true;
    return partial;
  };

  async function visit({ dir, level, counted }: Pending): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder (permissions, vanished): its size is unknown, not an error
    }
    for (let i = 0; i < entries.length; i += STAT_BATCH) {
      if (overBudget()) return;
      const batch = entries.slice(i, i + STAT_BATCH);
      // lstat of a local, already-listed entry takes microseconds: a synchronous batch is ~20x
      // faster than one thread-pool round trip each; yielding after each batch keeps heartbeats flowing.
      const stats = batch.map((entry) => safeLstat(path.join(dir, entry.name)));
      await new Promise((resolve) => setImmediate(resolve));
      scanned += batch.length;
      batch.forEach((entry, index) => {
        const stat = stats[index];
        if (!stat) return;
        const full = path.join(dir, entry.name);
        if (stat.isDirectory()) {
          // Another file system mounted here (/proc, a network share, a backup disk) is not this one's usage.
          if (stat.dev !== rootStat.dev) return;
          const childLevel = level + 1;
          const childCounted = childLevel <= options.depth ? [...counted, full] : counted;
          if (childLevel <= options.depth) sizes.set(full, 0);
          stack.push({ dir: full, level: childLevel, counted: childCounted });
          return;
        }
        if (stat.isSymbolicLink()) return;
        // A hard-linked file counts once, as du does.
        if (stat.nlink > 1) {
          const key = `${stat.dev}:${stat.ino}`;
          if (seenLinks.has(key)) return;
          seenLinks.add(key);
        }
        for (const folder of counted) sizes.set(folder, (sizes.get(folder) ?? 0) + stat.size);
      });
    }
  }

  // Workers share one stack; a worker with nothing to do waits for a busy one to push more or finish.
  let active = 0;
  let waiting: (() => void)[] = [];
  const wakeAll = () => {
    const woken = waiting;
    waiting = [];
    woken.forEach((wake) => wake());
  };
  const workers = Array.from({ length: PARALLEL_DIRS }, async () => {
    while (!overBudget()) {
      const next = stack.pop();
      if (!next) {
        if (active === 0) break;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      active++;
      try {
        await visit(next);
      } finally {
        active--;
        wakeAll();
      }
    }
    wakeAll();
  });
  await Promise.all(workers);
  if (stack.length > 0 && !partial) partial = true;

  const folders = [...sizes.entries()]
    .map(([folder, size_bytes]) => ({ path: folder.slice(0, 4096), size_bytes }))
    .sort((a, b) => b.size_bytes - a.size_bytes || a.path.localeCompare(b.path))
    .slice(0, Math.min(options.top, 200));
  return { path: root, folders, partial, scanned_entries: scanned };
}
