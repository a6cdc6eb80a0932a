import type { CommandEnvelope, CommandResult, ServerMessageType, ServerPayload } from '@cloudrmm/protocol';
import { audit } from '../../platform/audit/audit.js';
import type { AgentHandlers, AgentSession } from '../../platform/gateway/agent-link.js';
import { Batcher, perGroup } from '../../platform/gateway/batch.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { payloadOf, type DeviceInput, type SharedPayload } from './commands.build.js';
import { announce, storable } from './commands.events.js';
import { runsRepo, tasksRepo, type OwedRun } from './commands.repository.js';
import { runInputContext } from './commands.service.js';

/** Agents delivered to together, at most. */
const MAX_DELIVERY_BATCH = 1_000;
/** Output chunks, results and acceptances written together, at most. */
const MAX_WRITE_BATCH = 2_000;

type Send = <T extends ServerMessageType>(type: T, payload: ServerPayload<T>) => boolean;

interface AcceptedIn {
  tenantId: string;
  runId: string;
  deviceId: string;
  startedAt: number;
}

interface OutputIn {
  tenantId: string;
  runId: string;
  deviceId: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  data: string;
}

interface ResultIn {
  tenantId: string;
  deviceId: string;
  result: CommandResult;
}

interface Recipient {
  tenantId: string;
  deviceId: string;
  send: Send;
  /** Just connected: everything unfinished is resent. Otherwise only newly queued runs go out. */
  connecting: boolean;
}

/**
 * Delivery that loses nothing (AGT9, AGT18): a run is delivered when it is
 * queued and its agent is connected here, and again whenever the agent
 * connects until it reports the run finished; the agent de-duplicates by run
 * id. Everything that arrives in bursts (a fleet reconnecting, 10,000 results
 * of one task, live output) is written in batches: one statement per partner
 * per batch. A result is acknowledged only after it is stored.
 */
export class CommandDelivery {
  private readonly deliveries: Batcher<Recipient, void>;
  private readonly accepted: Batcher<AcceptedIn, void>;
  private readonly output: Batcher<OutputIn, void>;
  private readonly results: Batcher<ResultIn, void>;

  constructor(private readonly ctx: ModuleContext) {
    this.deliveries = new Batcher<Recipient, void>(
      (items) =>
        perGroup(
          items,
          (r) => r.tenantId,
          async (tenantId, group) => {
            await this.deliver(tenantId, group);
            return group.map(() => undefined);
          },
        ),
      { concurrency: 2, maxBatch: MAX_DELIVERY_BATCH },
    );
    this.accepted = new Batcher<AcceptedIn, void>(
      (items) =>
        perGroup(
          items,
          (i) => i.tenantId,
          async (tenantId, group) => {
            const items = group.map((i) => ({ ...i, startedAt: epochMs(i.startedAt) }));
            return isolating(items, async (part) => {
              const changed = await retryDeadlock(() => ctx.db.withTenant(tenantId, (tx) => runsRepo.markRunning(tx, part)));
              announce(ctx.bus, tenantId, changed);
            });
          },
        ),
      { concurrency: 2, maxBatch: MAX_WRITE_BATCH },
    );
    this.output = new Batcher<OutputIn, void>(
      (items) =>
        perGroup(
          items,
          (i) => i.tenantId,
          async (tenantId, group) => {
            // A repeat inside the batch: the first copy counts (per device: another agent's claim is not a repeat).
            const first = new Map<string, OutputIn>();
            for (const c of group) {
              const k = `${c.deviceId}:${c.runId}:${c.seq}`;
              if (!first.has(k)) first.set(k, c);
            }
            const unique = [...first.values()];
            const outcome = await isolating(unique, async (part) => {
              const stored = await retryDeadlock(() => ctx.db.withTenant(tenantId, (tx) => runsRepo.appendOutput(tx, part)));
              const byRun = new Map(stored.map((r) => [r.id, r]));
              for (const c of [...part].sort((a, b) => a.seq - b.seq)) {
                const run = byRun.get(c.runId);
                if (!run || run.device_id !== c.deviceId || c.seq <= run.previous_seq) continue;
                ctx.bus.publish('run.output', {
                  tenantId,
                  organizationId: run.organization_id,
                  siteId: run.site_id,
                  deviceId: run.device_id,
                  runId: run.id,
                  taskId: run.task_id,
                  status: run.status,
                  seq: c.seq,
                  stream: c.stream,
                  data: c.data,
                });
              }
            });
            const failed = new Map(unique.map((c, i) => [c, outcome[i]]));
            return group.map((c) => failed.get(first.get(`${c.deviceId}:${c.runId}:${c.seq}`)!));
          },
        ),
      // One batch at a time, so chunks are appended in the order they arrived.
      { concurrency: 1, maxBatch: MAX_WRITE_BATCH },
    );
    this.results = new Batcher<ResultIn, void>(
      (items) =>
        perGroup(
          items,
          (i) => i.tenantId,
          async (tenantId, group) => {
            // The last copy of a result sent twice in one batch is as good as the first. Keyed by device
            // too: another agent claiming the same run id must not push the true result out of the batch.
            const key = (g: ResultIn) => `${g.deviceId}:${g.result.run_id}`;
            const last = new Map(group.map((g) => [key(g), g]));
            const unique = [...last.values()];
            const outcome = await isolating(unique, async (part) => {
              const changed = await retryDeadlock(() =>
                ctx.db.withTenant(tenantId, (tx) =>
                  runsRepo.storeResults(
                    tx,
                    part.map(({ deviceId, result: r }) => ({
                      runId: r.run_id,
                      deviceId,
                      status: r.status,
                      exitCode: storableExitCode(r.exit_code),
                      stdout: storable(r.stdout),
                      stderr: storable(r.stderr),
                      stdoutTruncated: r.stdout_truncated,
                      stderrTruncated: r.stderr_truncated,
                      startedAt: epochMs(r.started_at),
                      finishedAt: epochMs(r.finished_at),
                      error: r.error === undefined ? null : storable(r.error),
                    })),
                  ),
                ),
              );
              announce(ctx.bus, tenantId, changed);
            });
            const failed = new Map(unique.map((g, i) => [key(g), outcome[i]]));
            for (const [k, error] of failed) {
              if (error) ctx.log.warn({ err: error, run: k }, 'a command result could not be stored; the agent sends it again');
            }
            return group.map((g) => failed.get(key(g)));
          },
        ),
      { concurrency: 2, maxBatch: MAX_WRITE_BATCH },
    );

    ctx.bus.subscribe(['commands.queued'], (_topic, event) => {
      for (const deviceId of event.deviceIds) {
        if (!ctx.agents.isOnline(deviceId)) continue;
        this.queueDelivery({
          tenantId: event.tenantId,
          deviceId,
          send: (type, payload) => ctx.agents.push(deviceId, type, payload),
          connecting: false,
        });
      }
    });
    ctx.bus.subscribe(['commands.cancel'], (_topic, event) => {
      for (const r of event.runs) {
        if (ctx.agents.isOnline(r.deviceId)) ctx.agents.push(r.deviceId, 'command.cancel', { run_id: r.runId });
      }
    });
  }

  /** An agent was welcomed: it gets what it is owed, with the other agents connecting now. */
  connected(agent: AgentSession): void {
    this.queueDelivery({
      tenantId: agent.tenantId,
      deviceId: agent.deviceId,
      send: (type, payload) => {
        agent.send(type, payload);
        return true;
      },
      connecting: true,
    });
  }

  handlers(): AgentHandlers {
    return {
      'command.accepted': async (agent, frame) => {
        await this.accepted.add({
          tenantId: agent.tenantId,
          runId: frame.payload.run_id,
          deviceId: agent.deviceId,
          startedAt: frame.payload.started_at,
        });
      },
      'command.output': async (agent, frame) => {
        const { run_id, seq, stream, data } = frame.payload;
        await this.output.add({
          tenantId: agent.tenantId,
          runId: run_id,
          deviceId: agent.deviceId,
          seq,
          stream,
          data: storable(data),
        });
      },
      'command.result': async (agent, frame) => {
        await this.results.add({ tenantId: agent.tenantId, deviceId: agent.deviceId, result: frame.payload.result });
        // Stored (or stored before): the agent may forget it.
        agent.send('command.result.ack', { run_id: frame.payload.result.run_id });
      },
      'command.refused': async (agent, frame) => {
        const { run_id: runId, reason, message } = frame.payload;
        const error = storable(`refused by the agent: ${reason}: ${message}`).slice(0, 2_000);
        const changed = await this.ctx.db.withTenant(agent.tenantId, async (tx) => {
          const changed = UUID.test(runId ?? '') ? await runsRepo.refuse(tx, runId!, agent.deviceId, error) : undefined;
          await audit(
            tx,
            agent.tenantId,
            { type: 'agent', id: agent.agentId, label: `agent of ${agent.hostname}` },
            {
              action: 'command.refused_by_agent',
              targetType: 'run',
              ...(changed ? { targetId: changed.id } : {}),
              after: { run_id: runId, reason, message: storable(message), device_id: agent.deviceId },
            },
          );
          return changed;
        });
        if (changed) announce(this.ctx.bus, agent.tenantId, [changed]);
      },
    };
  }

  private queueDelivery(r: Recipient): void {
    this.deliveries
      .add(r)
      .catch((error: unknown) =>
        this.ctx.log.warn(
          { err: error, deviceId: r.deviceId },
          'could not deliver queued commands; they go out on the next connect',
        ),
      );
  }

  /** Sends these connected agents their owed runs and cancels; marks the delivered ones sent, in one statement. */
  private async deliver(tenantId: string, recipients: Recipient[]): Promise<void> {
    // A device connecting and named by a queued event in the same batch: the connect covers both.
    const byDevice = new Map<string, Recipient>();
    for (const r of recipients) if (!byDevice.get(r.deviceId)?.connecting) byDevice.set(r.deviceId, r);
    const now = new Date();
    const { owed, payloads } = await this.ctx.db.withTenant(tenantId, async (tx) => {
      const owed = await runsRepo.owed(tx, [...byDevice.keys()], now);
      return { owed, payloads: await tasksRepo.payloads(tx, [...new Set(owed.map((r) => r.task_id))]) };
    });
    const sent: string[] = [];
    for (const run of owed) {
      const to = byDevice.get(run.device_id)!;
      if (!to.connecting && run.status !== 'queued') continue;
      if (run.cancel_requested_at) {
        to.send('command.cancel', { run_id: run.id });
        continue;
      }
      let envelope: CommandEnvelope;
      try {
        envelope = this.envelopeOf(tenantId, run, payloads.get(run.task_id) as unknown as SharedPayload);
      } catch (error) {
        this.ctx.log.error({ err: error, runId: run.id }, 'could not rebuild a command envelope');
        continue;
      }
      if (to.send('command', { envelope }) && run.status === 'queued') sent.push(run.id);
    }
    if (sent.length === 0) return;
    const changed = await retryDeadlock(() => this.ctx.db.withTenant(tenantId, (tx) => runsRepo.markSent(tx, sent)));
    announce(this.ctx.bus, tenantId, changed);
  }

  /** The envelope exactly as it was signed when the run was created. */
  private envelopeOf(tenantId: string, run: OwedRun, shared: SharedPayload): CommandEnvelope {
    const input = run.device_input_encrypted
      ? (JSON.parse(this.ctx.secrets.decrypt(run.device_input_encrypted, runInputContext(run.id))) as DeviceInput)
      : null;
    return {
      run_id: run.id,
      partner_id: tenantId,
      device_id: run.device_id,
      nonce: run.nonce,
      expires_at: Date.parse(run.expires_at),
      key_id: run.key_id,
      payload_hash: run.payload_hash,
      payload: payloadOf(shared, input),
      signature: run.signature,
    };
  }
}

/**
 * Runs a batch write again when Postgres aborted it to break a deadlock
 * (40P01). The batch writers lock runs in one order, but the watchdog and
 * cancellations update runs by status in scan order: rare, and a retry is
 * the answer rather than failing a whole batch of results.
 */
async function retryDeadlock<T>(write: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= attempts) throw error;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Writes a batch in one statement; when it fails, halves it until the items at
 * fault are found, so one bad item (a value the database refuses) fails alone
 * and the thousands batched with it are stored and acknowledged. Answers, in
 * order, undefined for each item written and the Error of each that was not.
 */
export async function isolating<T>(items: T[], write: (items: T[]) => Promise<void>): Promise<(Error | undefined)[]> {
  if (items.length === 0) return [];
  try {
    await write(items);
    return items.map(() => undefined);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    // Only a value the database refuses is one item's fault; anything else (the database is away) fails them all.
    if (items.length === 1 || !refusedValue(failure)) return items.map(() => failure);
    const half = Math.ceil(items.length / 2);
    return [...(await isolating(items.slice(0, half), write)), ...(await isolating(items.slice(half), write))];
  }
}

/** Data exceptions (22xxx), integrity violations (23xxx) and program limits (54xxx): about the values written. */
const refusedValue = (error: Error) => /^(22|23|54)/.test(String((error as { code?: unknown }).code ?? ''));

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

/**
 * An exit code as the database keeps it (a 32-bit integer). Windows reports
 * codes as unsigned 32-bit values (0xC0000005, an access violation, is
 * 3221225477): those become their signed form (-1073741819), as Windows tools
 * also show them. Anything beyond 32 bits is not an exit code: null.
 */
export function storableExitCode(code: number | null): number | null {
  if (code === null || !Number.isSafeInteger(code)) return null;
  if (code >= INT32_MIN && code <= INT32_MAX) return code;
  if (code > INT32_MAX && code <= UINT32_MAX) return code - (UINT32_MAX + 1);
  return null;
}

/** Agent clocks can be wrong: a time the database cannot hold counts as unknown (0: the server's clock is used). */
const LATEST_MS = Date.UTC(9999, 11, 31);
const epochMs = (ms: number) => (Number.isSafeInteger(ms) && ms > 0 && ms <= LATEST_MS ? ms : 0);

const deliveries = new WeakMap<ModuleContext, CommandDelivery>();

/** One delivery per app (the gateway's handlers and its connect hook share it). */
export function deliveryOf(ctx: ModuleContext): CommandDelivery {
  let d = deliveries.get(ctx);
  if (!d) deliveries.set(ctx, (d = new CommandDelivery(ctx)));
  return d;
}
