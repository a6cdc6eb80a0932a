/**
 * Events from the live socket (`/api/v1/live`), fanned out to whichever pages
 * listen: `{type: 'device.online', id, partner_id}` and the like (api.md
 * "Real time"). A page patches or refetches its cache from them.
 */
export interface LiveEvent {
  type: string;
  id?: string;
  partner_id?: string;
  [key: string]: unknown;
}

/** Sent to listeners when the socket (re)opens: events may have been missed, so refetch. */
export const LIVE_RECONNECTED = 'live.reconnected';

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();

export function subscribeLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function publishLive(event: LiveEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // One page's handler must not stop the others.
    }
  }
}

/** Parses one socket message; anything that is not an event object is ignored. */
export function parseLiveMessage(data: unknown): LiveEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const value = JSON.parse(data) as unknown;
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return value as LiveEvent;
  } catch {
    // Not JSON: not an event.
  }
  return null;
}
