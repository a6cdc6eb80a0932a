import { MAX_FRAME_BYTES, contentHash, encodeAgentFrame, type Inventory } from '@cloudrmm/protocol';
import { errorMessage } from '../../log.js';
import type { Feature, Session } from '../../registry.js';
import { createInventoryCollector } from './collect.js';

/**
 * Trims the software list until the frame fits the protocol's size limit: a
 * device with tens of thousands of packages still reports everything else.
 */
export function fitInventory(inventory: Inventory): Inventory {
  const size = (candidate: Inventory) =>
    Buffer.byteLength(encodeAgentFrame('inventory', { hash: '0'.repeat(64), inventory: candidate }));
  let fitted = inventory;
  for (let bytes = size(fitted); bytes > MAX_FRAME_BYTES && fitted.software.length > 0; bytes = size(fitted)) {
    const keep = Math.floor(fitted.software.length * (MAX_FRAME_BYTES / bytes) * 0.95);
    fitted = { ...fitted, software: fitted.software.slice(0, Math.max(0, Math.min(keep, fitted.software.length - 1))) };
  }
  return fitted;
}

/**
 * Inventory (AGT4–AGT6): collected on connect and every inventory interval,
 * sent only when its content hash differs from what the server holds.
 */
export function createInventoryFeature(
  collect: (softwareMaxAgeMs: number) => Promise<Inventory> = createInventoryCollector(),
): Feature & { refresh(): Promise<{ hash: string; software: number }> } {
  let timer: NodeJS.Timeout | null = null;
  /** The session reports go to; null between sessions. A report goes to the session current when it finishes. */
  let current: Session | null = null;
  /** The current session has not had its inventory yet (the one sent on connect). */
  let owed = false;
  let running = false;
  let serverHash: string | null = null;

  async function report(): Promise<void> {
    // Collection is async and may take seconds; one at a time keeps CPU modest. A
    // session that starts meanwhile gets the running collection's result (below).
    const asked = current;
    if (running || !asked) return;
    running = true;
    try {
      const intervalMs = asked.config.inventory_minutes * 60_000;
      const inventory = fitInventory(await collect(intervalMs * 0.9));
      // The socket may have dropped while collecting: report to the session live now,
      // not to the one that asked (a dead socket); with none, the next start() collects anew.
      const session = current;
      if (!session) return;
      const hash = contentHash(inventory);
      if (hash === serverHash) {
        owed = false;
        return;
      }
      if (session.send('inventory', { hash, inventory })) {
        owed = false;
        session.log('info', 'inventory.sent', { hash, software: inventory.software.length });
      }
    } catch (error) {
      (current ?? asked).log('warn', 'inventory.failed', { error: errorMessage(error) });
    } finally {
      running = false;
    }
    // A session began while this ran and still has nothing (the collection failed): redo it for that session.
    if (owed && current && current !== asked) void report();
  }

  /**
   * Collects everything anew (software list included) and sends it even when
   * the server holds the same hash: what the `inventory.refresh` command asks.
   */
  async function refresh(): Promise<{ hash: string; software: number }> {
    while (running) await new Promise((resolve) => setTimeout(resolve, 100));
    running = true;
    try {
      if (!current) throw new Error('the agent is not connected to the server');
      const inventory = fitInventory(await collect(0));
      const hash = contentHash(inventory);
      if (!current?.send('inventory', { hash, inventory }))
        throw new Error('the connection dropped while the inventory was collected');
      owed = false;
      current.log('info', 'inventory.sent', { hash, software: inventory.software.length, refresh: true });
      return { hash, software: inventory.software.length };
    } finally {
      running = false;
    }
  }

  function schedule(session: Session) {
    if (timer) clearInterval(timer);
    timer = setInterval(() => void report(), session.config.inventory_minutes * 60_000);
    timer.unref();
  }

  return {
    name: 'inventory',
    refresh,
    handles: {
      'inventory.ack': (frame) => {
        serverHash = frame.payload.hash;
      },
    },
    start(session) {
      current = session;
      owed = true;
      serverHash = session.serverInventoryHash;
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
