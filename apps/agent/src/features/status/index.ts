import type { Status } from '@cloudrmm/protocol';
import { errorMessage } from '../../log.js';
import type { Feature, Session } from '../../registry.js';
import { createStatusCollector } from './collect.js';

/** The changing numbers (uptime, CPU, memory, disks, users, temperatures): on connect and every inventory interval. */
export function createStatusFeature(collect: () => Promise<Status> = createStatusCollector()): Feature {
  let timer: NodeJS.Timeout | null = null;
  /** The session reports go to; null between sessions. A report goes to the session current when it finishes. */
  let current: Session | null = null;
  /** The current session has not had its status yet (the one sent on connect). */
  let owed = false;
  let running = false;

  async function report(): Promise<void> {
    // One collection at a time; a session that starts meanwhile gets its result (below).
    const asked = current;
    if (running || !asked) return;
    running = true;
    try {
      const status = await collect();
      // The socket may have dropped while collecting: report to the session live now,
      // not to the one that asked (a dead socket); with none, the next start() collects anew.
      if (current?.send('status', { status })) owed = false;
    } catch (error) {
      (current ?? asked).log('warn', 'status.failed', { error: errorMessage(error) });
    } finally {
      running = false;
    }
    // A session began while this ran and still has nothing (the collection failed): redo it for that session.
    if (owed && current && current !== asked) void report();
  }

  function schedule(session: Session) {
    if (timer) clearInterval(timer);
    timer = setInterval(() => void report(), session.config.inventory_minutes * 60_000);
    timer.unref();
  }

  return {
    name: 'status',
    start(session) {
      current = session;
      owed = true;
      void report();
      schedule(session);
    },
    configure(session) {
      current = session;
      schedule(session);
    },
    stop() {
      current = null;
      owed = false;
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
