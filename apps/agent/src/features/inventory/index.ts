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
): Feature {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let serverHash: string | null = null;

  async function report(session: Session): Promise<void> {
    // Collection is async and may take seconds; one at a time keeps CPU modest.
    if (running) return;
    running = true;
    try {
      const intervalMs = session.config.inventory_minutes * 60_000;
      const inventory = fitInventory(await collect(intervalMs * 0.9));
      const hash = contentHash(inventory);
      if (hash === serverHash) return;
      if (session.send('inventory', { hash, inventory })) {
        session.log('info', 'inventory.sent', { hash, software: inventory.software.length });
      }
    } catch (error) {
      session.log('warn', 'inventory.failed', { error: errorMessage(error) });
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
    name: 'inventory',
    handles: {
      'inventory.ack': (frame) => {
        serverHash = frame.payload.hash;
      },
    },
    start(session) {
      serverHash = session.serverInventoryHash;
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
