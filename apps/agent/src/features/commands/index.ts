import os from 'node:os';
import type { CommandEnvelope, CommandResult, RefusalReason } from '@cloudrmm/protocol';
import { errorMessage, type Logger } from '../../log.js';
import type { Feature, Session } from '../../registry.js';
import { loadCommandKey } from '../../state/command-key.js';
import { runAction, resultOf } from './actions.js';
import { Journal, type JournalEntry } from './journal.js';
import { fitResult, type StreamCapture } from './output.js';
import { isRunProcess, killRunTreeNow } from './process-tree.js';
import { startScript } from './script.js';
import { isExpired, verifyEnvelope } from './verify.js';

/** Runs at once; more wait in the order they arrived. */
export const MAX_CONCURRENT_RUNS = 8;
/**
 * Results sent and not yet acknowledged, at most. The gateway handles a few
 * messages of an agent at a time and answers `busy` beyond them (closing a
 * socket that keeps flooding), so a backlog after a long disconnect goes out
 * two at a time, the next one when an acknowledgement arrives.
 */
const RESULTS_IN_FLIGHT = 2;
/** A result not acknowledged by then is sent again (the acknowledgement may have been lost). */
const RESULT_ACK_TIMEOUT_MS = 60_000;
/** Live output is coalesced and sent at most this often... */
const OUTPUT_TICK_MS = 250;
/** ...and at most this many frames a tick, over all runs. */
const OUTPUT_FRAMES_PER_TICK = 2;
const PRUNE_EVERY_MS = 10 * 60_000;

export const AGENT_STOPPED_ERROR = 'the agent stopped while this was running';

export interface CommandsOptions {
  env: NodeJS.ProcessEnv;
  /** Collect and send the inventory now (the `inventory.refresh` kind). */
  refreshInventory(): Promise<{ hash: string; software: number }>;
}

/** A run this process accepted and has not finished reporting. */
interface ActiveRun {
  envelope: CommandEnvelope;
  state: 'queued' | 'running' | 'finishing';
  cancelRequested: boolean;
  cancel: (() => void) | null;
  streams: { stdout: StreamCapture; stderr: StreamCapture } | null;
  seq: number;
  /** The script's process (group leader on POSIX), once started. */
  pid: number | null;
}

/**
 * Commands (AGT9, AGT18): verifies every envelope before anything runs,
 * journals accepted runs on disk, runs scripts and actions, streams output,
 * and delivers each result until the server acknowledges it.
 */
export function createCommandsFeature(options: CommandsOptions): Feature {
  let current: Session | null = null;
  let log: Logger = () => {};
  let journal: Journal | null = null;
  let stateDir = '';
  const active = new Map<string, ActiveRun>();
  const waiting: string[] = [];
  let running = 0;
  const resultQueue: string[] = [];
  const outstanding = new Map<string, NodeJS.Timeout>();
  let outputTimer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let rotate = 0;

  /** Once per process, before the first command: read the journal and settle what an earlier agent left running. */
  function init(session: Session): Journal {
    if (journal) return journal;
    stateDir = session.stateDir;
    const opened = new Journal(stateDir);
    const now = Date.now();
    const bootedAt = now - os.uptime() * 1000;
    for (const entry of opened.load()) {
      if (entry.state !== 'queued' && entry.state !== 'running') continue;
      if (entry.pid && isRunProcess(entry.pid, entry.run_id)) {
        // The agent was killed and its script lives on: end it, its result is already lost.
        killRunTreeNow(entry.pid);
        log('warn', 'command.orphan_killed', { run_id: entry.run_id, pid: entry.pid });
      }
      const startedAt = entry.started_at ?? entry.accepted_at;
      const rebooted = entry.kind === 'reboot' && entry.state === 'running' && bootedAt > startedAt;
      const result = resultOf(
        entry.run_id,
        startedAt,
        rebooted
          ? { status: 'succeeded', exit_code: 0, stdout: 'the device restarted\n', stderr: '' }
          : {
              status: 'failed',
              exit_code: null,
              stdout: '',
              stderr: '',
              error: entry.state === 'queued' ? 'the agent stopped before this run could start' : AGENT_STOPPED_ERROR,
            },
      );
      opened.put({ ...entry, state: 'finished', pid: null, result });
      log('warn', 'command.recovered', { run_id: entry.run_id, status: result.status, error: result.error });
    }
    opened.prune(now);
    journal = opened;
    // The scripts are in their own process groups: they would outlive the agent.
    process.once('exit', () => {
      for (const run of active.values()) if (run.pid && run.state === 'running') killRunTreeNow(run.pid);
    });
    return opened;
  }

  function refuse(session: Session, runId: string | null, reason: RefusalReason, message: string): void {
    session.log('warn', 'command.refused', { run_id: runId, reason, message });
    session.send('command.refused', { run_id: runId, reason, message: message.slice(0, 2000) });
  }

  function receive(envelope: CommandEnvelope, session: Session): void {
    const runs = init(session);
    const now = Date.now();
    const verdict = verifyEnvelope(envelope, {
      deviceId: session.deviceId,
      partnerId: session.partnerId,
      key: loadCommandKey(stateDir),
      now,
    });
    if (!verdict.ok) return refuse(session, envelope.run_id, verdict.reason, verdict.message);

    const known = runs.get(envelope.run_id);
    if (known) {
      session.log('info', 'command.repeated', { run_id: known.run_id, state: known.state });
      if (known.state === 'running')
        session.send('command.accepted', { run_id: known.run_id, started_at: known.started_at ?? now });
      else if (known.state === 'finished' && !active.has(known.run_id)) resendResult(known, session);
      else if (known.state === 'acked') {
        refuse(
          session,
          known.run_id,
          'replayed',
          'this run already finished and the server stored its result; it is not run again',
        );
      }
      return;
    }
    if (runs.hasNonce(envelope.nonce)) {
      return refuse(session, envelope.run_id, 'replayed', 'this nonce was already used by another run; it is not run');
    }
    if (isExpired(envelope, now)) {
      return refuse(
        session,
        envelope.run_id,
        'expired',
        `the command expired at ${new Date(envelope.expires_at).toISOString()} (this device's clock: ${new Date(now).toISOString()})`,
      );
    }
    const entry: JournalEntry = {
      run_id: envelope.run_id,
      nonce: envelope.nonce,
      expires_at: envelope.expires_at,
      kind: envelope.payload.kind,
      state: 'queued',
      accepted_at: now,
      started_at: null,
      pid: null,
      result: null,
    };
    try {
      runs.put(entry);
    } catch (error) {
      // Without a journal entry a repeated delivery could run it twice: better not to run it.
      return refuse(session, envelope.run_id, 'unsupported', `cannot record the run on disk: ${errorMessage(error)}`);
    }
    active.set(envelope.run_id, {
      envelope,
      state: 'queued',
      cancelRequested: false,
      cancel: null,
      streams: null,
      seq: 0,
      pid: null,
    });
    waiting.push(envelope.run_id);
    session.log('info', 'command.verified', { run_id: envelope.run_id, kind: envelope.payload.kind, queued: waiting.length });
    launchWaiting();
  }

  function launchWaiting(): void {
    while (running < MAX_CONCURRENT_RUNS && waiting.length > 0) {
      const run = active.get(waiting.shift()!);
      if (run?.state === 'queued') launch(run);
    }
  }

  function markStarted(run: ActiveRun, pid: number | null, startedAt: number): void {
    const runId = run.envelope.run_id;
    run.pid = pid;
    try {
      journal!.update(runId, { state: 'running', started_at: startedAt, pid });
    } catch (error) {
      log('error', 'command.journal_failed', { run_id: runId, error: errorMessage(error) });
    }
    current?.send('command.accepted', { run_id: runId, started_at: startedAt });
    log('info', 'command.started', { run_id: runId, kind: run.envelope.payload.kind, pid });
  }

  function launch(run: ActiveRun): void {
    running++;
    run.state = 'running';
    const runId = run.envelope.run_id;
    const payload = run.envelope.payload;
    let done: Promise<CommandResult>;
    if (payload.kind === 'script') {
      const script = startScript(payload, {
        runId,
        stateDir,
        env: options.env,
        started: (pid, startedAt) => markStarted(run, pid, startedAt),
        output: () => ensureOutputTimer(),
      });
      run.cancel = () => script.cancel();
      run.streams = { stdout: script.stdout, stderr: script.stderr };
      done = script.done;
    } else {
      markStarted(run, null, Date.now());
      done = runAction(payload, runId, { env: options.env, refreshInventory: options.refreshInventory });
    }
    done
      .catch((error: unknown) =>
        resultOf(runId, Date.now(), { status: 'failed', exit_code: null, stdout: '', stderr: '', error: errorMessage(error) }),
      )
      .then((result) => complete(run, result));
  }

  function complete(run: ActiveRun, raw: CommandResult): void {
    running--;
    const runId = run.envelope.run_id;
    const result = fitResult(raw);
    try {
      journal!.update(runId, { state: 'finished', pid: null, result });
    } catch (error) {
      log('error', 'command.journal_failed', { run_id: runId, error: errorMessage(error) });
    }
    log('info', 'command.finished', { run_id: runId, status: result.status, exit_code: result.exit_code, error: result.error });
    run.state = 'finishing';
    // The result goes after the live output still waiting (see flushOutput), so the server sees them in order.
    if (run.streams && (run.streams.stdout.hasPending || run.streams.stderr.hasPending) && current) ensureOutputTimer();
    else finalize(run);
    launchWaiting();
  }

  function finalize(run: ActiveRun): void {
    active.delete(run.envelope.run_id);
    queueResult(run.envelope.run_id, false);
  }

  /** A repeated delivery of a finished run: the server lacks the result, so it goes again (even if sent moments ago). */
  function resendResult(entry: JournalEntry, session: Session): void {
    if (outstanding.has(entry.run_id) && entry.result) session.send('command.result', { result: entry.result });
    else queueResult(entry.run_id, true);
  }

  function queueResult(runId: string, first: boolean): void {
    if (outstanding.has(runId) || resultQueue.includes(runId)) return;
    if (first) resultQueue.unshift(runId);
    else resultQueue.push(runId);
    pumpResults();
  }

  function pumpResults(): void {
    while (current && journal && outstanding.size < RESULTS_IN_FLIGHT && resultQueue.length > 0) {
      const runId = resultQueue.shift()!;
      const entry = journal.get(runId);
      if (!entry || entry.state !== 'finished' || !entry.result) continue;
      if (!current.send('command.result', { result: entry.result })) {
        resultQueue.unshift(runId);
        return;
      }
      const timer = setTimeout(() => {
        outstanding.delete(runId);
        queueResult(runId, false);
      }, RESULT_ACK_TIMEOUT_MS);
      timer.unref();
      outstanding.set(runId, timer);
    }
  }

  function acknowledge(runId: string): void {
    const timer = outstanding.get(runId);
    if (timer) clearTimeout(timer);
    outstanding.delete(runId);
    const queued = resultQueue.indexOf(runId);
    if (queued >= 0) resultQueue.splice(queued, 1);
    const entry = journal?.get(runId);
    if (entry?.state === 'finished') {
      try {
        // The output is the server's now; only what refuses a replay stays.
        journal!.update(runId, { state: 'acked', result: null });
      } catch (error) {
        log('error', 'command.journal_failed', { run_id: runId, error: errorMessage(error) });
      }
      log('info', 'command.acknowledged', { run_id: runId });
    }
    pumpResults();
  }

  function cancel(runId: string): void {
    const run = active.get(runId);
    if (!run || run.state === 'finishing') {
      log('info', 'command.cancel_ignored', { run_id: runId, reason: run ? 'already finished' : 'unknown run' });
      return;
    }
    run.cancelRequested = true;
    log('info', 'command.cancelling', { run_id: runId, state: run.state });
    if (run.state === 'queued') {
      const index = waiting.indexOf(runId);
      if (index >= 0) waiting.splice(index, 1);
      running++;
      run.state = 'running';
      const now = Date.now();
      complete(
        run,
        resultOf(runId, now, {
          status: 'cancelled',
          exit_code: null,
          stdout: '',
          stderr: '',
          error: 'cancelled before it started',
        }),
      );
      return;
    }
    if (run.cancel) run.cancel();
    else
      log('info', 'command.cancel_ignored', {
        run_id: runId,
        reason: `a ${run.envelope.payload.kind} cannot be cancelled once started`,
      });
  }

  function ensureOutputTimer(): void {
    if (outputTimer) return;
    outputTimer = setInterval(flushOutput, OUTPUT_TICK_MS);
  }

  /** Sends a few coalesced output chunks (round-robin over the runs), then the results whose output has all gone. */
  function flushOutput(): void {
    const runs = [...active.values()].filter((run) => run.streams);
    if (runs.length === 0) {
      if (outputTimer) clearInterval(outputTimer);
      outputTimer = null;
      return;
    }
    let budget = OUTPUT_FRAMES_PER_TICK;
    rotate = (rotate + 1) % runs.length;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(rotate + i) % runs.length]!;
      for (const stream of ['stdout', 'stderr'] as const) {
        const capture = run.streams![stream];
        if (!capture.hasPending) continue;
        if (!current) {
          capture.discardPending();
          continue;
        }
        if (budget <= 0) continue;
        const data = capture.take();
        if (current.send('command.output', { run_id: run.envelope.run_id, seq: run.seq, stream, data })) budget--;
        run.seq++;
      }
    }
    for (const run of runs) {
      if (run.state === 'finishing' && !run.streams!.stdout.hasPending && !run.streams!.stderr.hasPending) finalize(run);
    }
  }

  function prune(): void {
    try {
      journal?.prune(Date.now());
    } catch (error) {
      log('warn', 'command.prune_failed', { error: errorMessage(error) });
    }
  }

  return {
    name: 'commands',
    handles: {
      command: (frame, session) => receive(frame.payload.envelope, session),
      'command.cancel': (frame) => cancel(frame.payload.run_id),
      'command.result.ack': (frame) => acknowledge(frame.payload.run_id),
    },
    malformed(type, payload, message, session) {
      if (type !== 'command') return false;
      const envelope = (payload as { envelope?: Record<string, unknown> } | null)?.envelope;
      const runId = typeof envelope?.run_id === 'string' && envelope.run_id.length <= 64 ? envelope.run_id : null;
      if (typeof envelope?.signature !== 'string' || envelope.signature === '') {
        refuse(session, runId, 'unsigned', 'the command is not signed; it was not run');
      } else {
        refuse(session, runId, 'unsupported', `this agent cannot read the command (${message}); it was not run`);
      }
      return true;
    },
    start(session) {
      current = session;
      log = session.log;
      const runs = init(session);
      for (const timer of outstanding.values()) clearTimeout(timer);
      outstanding.clear();
      resultQueue.length = 0;
      // Every result the server has not acknowledged, oldest first (a new socket: it may have missed them).
      const unacked = runs
        .all()
        .filter((entry) => entry.state === 'finished' && entry.result && !active.has(entry.run_id))
        .sort((a, b) => a.result!.finished_at - b.result!.finished_at);
      for (const entry of unacked) resultQueue.push(entry.run_id);
      if (unacked.length > 0) session.log('info', 'command.results_resending', { count: unacked.length });
      pumpResults();
      if (active.size > 0) ensureOutputTimer();
      if (!pruneTimer) {
        pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
        pruneTimer.unref();
      }
    },
    stop() {
      // Runs go on without a connection; their results wait in the journal for the next session.
      current = null;
      for (const timer of outstanding.values()) clearTimeout(timer);
      outstanding.clear();
      resultQueue.length = 0;
    },
  };
}
