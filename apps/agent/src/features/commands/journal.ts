import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { CommandKind, CommandResult } from '@cloudrmm/protocol';
import { ensureStateDir, stateFiles, writeFileAtomic } from '../../state/state-dir.js';
import { CLOCK_SKEW_MS } from './verify.js';

/**
 * - queued: verified and accepted, waiting for a free slot
 * - running: its process started
 * - finished: it ended; the result waits for the server's acknowledgement
 * - acked: the server stored the result; kept (without output) only to refuse replays until expiry
 */
export type RunState = 'queued' | 'running' | 'finished' | 'acked';

export interface JournalEntry {
  run_id: string;
  nonce: string;
  expires_at: number;
  kind: CommandKind;
  state: RunState;
  accepted_at: number;
  started_at: number | null;
  /** The process group leader (POSIX) or process (Windows) while running. */
  pid: number | null;
  result: CommandResult | null;
}

/** An unacknowledged result older than this past its expiry is given up (the server has long marked the run failed). */
const UNACKED_GRACE_MS = 30 * 24 * 3_600_000;
const RUN_FILE = /^([0-9a-f-]{36})\.json$/;

/**
 * The agent's memory of every run it accepted (one file per run, 0600,
 * written atomically in the root-only state directory): what makes delivery
 * at-least-once safe. A repeated envelope is recognised by its run id, a
 * result survives restarts until the server acknowledges it, and a run the
 * agent died during is reported instead of forgotten.
 */
export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = stateFiles(stateDir).runs;
  }

  /** Reads every entry from disk; unreadable files are skipped (and left for a human). */
  load(): JournalEntry[] {
    ensureStateDir(this.dir);
    this.entries.clear();
    for (const name of readdirSync(this.dir)) {
      const match = RUN_FILE.exec(name);
      if (!match) continue;
      try {
        const entry = JSON.parse(readFileSync(path.join(this.dir, name), 'utf8')) as JournalEntry;
        if (entry.run_id === match[1]) this.entries.set(entry.run_id, entry);
      } catch {
        // A torn file cannot happen (atomic writes); anything else here is not ours to delete.
      }
    }
    return [...this.entries.values()];
  }

  get(runId: string): JournalEntry | undefined {
    return this.entries.get(runId);
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  hasNonce(nonce: string): boolean {
    for (const entry of this.entries.values()) if (entry.nonce === nonce) return true;
    return false;
  }

  /** Writes the entry through to disk before returning. */
  put(entry: JournalEntry): void {
    writeFileAtomic(this.file(entry.run_id), `${JSON.stringify(entry)}\n`, 0o600);
    this.entries.set(entry.run_id, entry);
  }

  update(runId: string, patch: Partial<JournalEntry>): JournalEntry | undefined {
    const entry = this.entries.get(runId);
    if (!entry) return undefined;
    const next = { ...entry, ...patch };
    this.put(next);
    return next;
  }

  /**
   * Forgets acknowledged runs once their envelope can no longer be accepted
   * (expiry + clock skew): a replay is then refused as expired anyway.
   */
  prune(now: number): string[] {
    const removed: string[] = [];
    for (const entry of this.entries.values()) {
      const over = entry.expires_at + CLOCK_SKEW_MS;
      const done = (entry.state === 'acked' && now > over) || (entry.state === 'finished' && now > over + UNACKED_GRACE_MS);
      if (!done) continue;
      rmSync(this.file(entry.run_id), { force: true });
      this.entries.delete(entry.run_id);
      removed.push(entry.run_id);
    }
    return removed;
  }

  private file(runId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw new Error(`not a run id: ${runId}`);
    return path.join(this.dir, `${runId}.json`);
  }
}
