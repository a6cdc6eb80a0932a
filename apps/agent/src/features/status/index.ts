import type { Status } from '@cloudrmm/protocol';
import { errorMessage } from '../../log.js';
import type { Feature, Session } from '../../registry.js';
import { createStatusCollector } from './collect.js';

/** The changing numbers (uptime, CPU, memory, disks, users, temperatures): on connect and every inventory interval. */
export function createStatusFeature(collect: () => Promise<Status> = createStatusCollector()): Feature {
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  async function report(session: Session): Promise<void> {
    if (running) return;
    running = true;
    try {
      session.send('status', { status: await collect() });
    } catch (error) {
      session.log('warn', 'status.failed', { error: errorMessage(error) });
    } finally {
      running = false;
    }
  }

  function schedule(session: Session) {
    if (timer) clearInterval(timer);
    timer = setInterval(() => void report(session), session.config.inventory_minutes * 60_000);
    timer.unref();
  }

  return {
    name: 'status',
    start(session) {
      void report(session);
      schedule(session);
    },
    configure: schedule,
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
