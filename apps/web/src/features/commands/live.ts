import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { LIVE_RECONNECTED, subscribeLive } from '../../app/live-events';
import type { LiveEvent } from '../../app/live-events';
import { commandKeys, UNFINISHED } from './api';
import type { Run } from './api';

/** A burst of run events (a 500-device task finishing) is one refetch. */
const SETTLE_MS = 500;

/**
 * Keeps the command pages of one partner current from the live socket:
 * `run.updated` and `task.updated` refetch the lists, the run and the task
 * they name, once the burst settles.
 */
export function useCommandLiveUpdates(partnerId: string): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: number | undefined;
    const runs = new Set<string>();
    const tasks = new Set<string>();
    let everything = false;

    const flush = () => {
      timer = undefined;
      void queryClient.invalidateQueries({ queryKey: commandKeys.runLists(partnerId) });
      void queryClient.invalidateQueries({ queryKey: commandKeys.taskLists(partnerId) });
      for (const id of runs) void queryClient.invalidateQueries({ queryKey: commandKeys.run(partnerId, id) });
      for (const id of tasks) void queryClient.invalidateQueries({ queryKey: commandKeys.task(partnerId, id) });
      if (everything) {
        void queryClient.invalidateQueries({ queryKey: [...commandKeys.partner(partnerId), 'run'] });
        void queryClient.invalidateQueries({ queryKey: [...commandKeys.partner(partnerId), 'task'] });
        void queryClient.invalidateQueries({ queryKey: commandKeys.settings(partnerId) });
      }
      runs.clear();
      tasks.clear();
      everything = false;
    };
    const schedule = () => {
      if (timer === undefined) timer = window.setTimeout(flush, SETTLE_MS);
    };

    const unsubscribe = subscribeLive((event: LiveEvent) => {
      if (event.type === LIVE_RECONNECTED) {
        everything = true;
        schedule();
        return;
      }
      if (event.partner_id !== undefined && event.partner_id !== partnerId) return;
      if (event.type === 'run.updated' && typeof event.id === 'string') {
        runs.add(event.id);
        if (typeof event.task_id === 'string') tasks.add(event.task_id);
        schedule();
      } else if (event.type === 'task.updated' && typeof event.id === 'string') {
        tasks.add(event.id);
        schedule();
      }
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [queryClient, partnerId]);
}

export type OutputStream = 'stdout' | 'stderr';

interface Chunk {
  seq: number;
  stream: OutputStream;
  data: string;
  receivedAt: number;
}

/** More than this per stream is not kept in the page: the stored output (capped) is read when the run ends. */
const LIVE_CAP = 1024 * 1024;

/**
 * The output of one run as it streams in (`run.output`: seq, stream, data),
 * kept in seq order without repeats, on top of the text the run was read
 * with. Chunks already in that text (up to its output_seq, or received before
 * the read started) are left out.
 */
export function useLiveOutput(runId: string, run: Run | undefined): { stdout: string; stderr: string; live: boolean } {
  const [state, setState] = useState<{ runId: string; chunks: Map<string, Chunk> }>(() => ({ runId, chunks: new Map() }));
  // Another run's page (same component, new id): start empty.
  const chunks = state.runId === runId ? state.chunks : new Map<string, Chunk>();
  if (state.runId !== runId) setState({ runId, chunks });

  useEffect(() => {
    return subscribeLive((event: LiveEvent) => {
      if (event.type !== 'run.output' || event.id !== runId) return;
      const seq = event.seq;
      const stream = event.stream;
      const data = event.data;
      if (typeof seq !== 'number' || (stream !== 'stdout' && stream !== 'stderr') || typeof data !== 'string') return;
      const key = `${stream}:${seq}`;
      setState((prev) => {
        if (prev.runId !== runId || prev.chunks.has(key)) return prev;
        const next = new Map(prev.chunks);
        next.set(key, { seq, stream, data, receivedAt: Date.now() });
        return { runId, chunks: next };
      });
    });
  }, [runId]);

  if (!run) return { stdout: '', stderr: '', live: false };
  const stdoutBase = run.stdout ?? '';
  const stderrBase = run.stderr ?? '';
  // A finished run's stored text is the whole truth.
  if (!UNFINISHED.includes(run.status)) return { stdout: stdoutBase, stderr: stderrBase, live: false };

  const sorted = [...chunks.values()].sort((a, b) => a.seq - b.seq);
  let fresh: Chunk[];
  if (typeof run.output_seq === 'number') {
    const last = run.output_seq;
    fresh = sorted.filter((c) => c.seq > last);
  } else {
    // Chunks are stored before they are announced: one that arrived before the read started is in the text already.
    const from = run.fetched_from ?? 0;
    const at = run.fetched_at ?? from;
    const after = sorted.filter((c) => c.receivedAt >= from);
    // Those that arrived while the read was in flight may be in it too: kept only if the text does not already end with them.
    const inFlight = after.filter((c) => c.receivedAt < at);
    const tail = (stream: OutputStream) =>
      inFlight
        .filter((c) => c.stream === stream)
        .map((c) => c.data)
        .join('');
    const stored = {
      stdout: inFlight.length > 0 && stdoutBase.endsWith(tail('stdout')),
      stderr: inFlight.length > 0 && stderrBase.endsWith(tail('stderr')),
    };
    fresh = after.filter((c) => c.receivedAt >= at || !stored[c.stream]);
  }
  let stdout = stdoutBase;
  let stderr = stderrBase;
  for (const c of fresh) {
    if (c.stream === 'stdout' && stdout.length < LIVE_CAP) stdout += c.data;
    if (c.stream === 'stderr' && stderr.length < LIVE_CAP) stderr += c.data;
  }
  return { stdout, stderr, live: true };
}
