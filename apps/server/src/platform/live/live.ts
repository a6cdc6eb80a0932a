import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import type { WebSocket } from 'ws';
import type { Bus, BusEvents, Topic } from '../bus/bus.js';
import type { Database } from '../db/database.js';
import { AUTHENTICATED } from '../auth/permissions.js';
import { hasPermission, type Principal, type Target } from '../auth/principal.js';

/** How often open sockets re-check their session; a revoked or expired one closes within this. */
export const REVALIDATE_EVERY_MS = 2_000;
/** Close code for "your session ended": the dashboard then goes to the sign-in page. */
export const SESSION_ENDED = 4001;
/** The browser only pings; anything larger than this is not a dashboard talking. */
export const LIVE_MAX_FRAME_BYTES = 64 * 1024;

/**
 * A bus topic the live socket forwards as `{type: topic, id, partner_id}`,
 * only to sessions holding `permission` where the event happened.
 */
export interface LiveEventRule {
  topics: readonly Topic[];
  permission: string;
  scope: (event: BusEvents[Topic]) => { target: Target & { partnerId: string }; id: string };
  /** Extra fields the browser gets with the event (e.g. a run's output chunk), so it need not refetch. */
  detail?: (event: BusEvents[Topic]) => Record<string, unknown>;
}

/** A rule for topics that share one event type. */
export function liveEvents<T extends Topic>(
  topics: readonly T[],
  permission: string,
  scope: (event: BusEvents[T]) => { target: Target & { partnerId: string }; id: string },
  detail?: (event: BusEvents[T]) => Record<string, unknown>,
): LiveEventRule {
  return { topics, permission, scope: scope as LiveEventRule['scope'], detail: detail as LiveEventRule['detail'] };
}

/**
 * The browser's live socket (`/api/v1/live`): authenticated by the session
 * cookie like any route, refused from foreign origins (security.md 21), and
 * closed when its session is revoked, expires or its user is suspended —
 * whichever process revoked it, since the check reads Postgres (security.md 12).
 * Dashboard events are sent over it as `{type, id}` (api.md "Real time").
 */
export const liveSocket = fp<{ db: Database; bus: Bus; events: LiveEventRule[] }>(
  async (app: FastifyInstance, opts) => {
    const bySession = new Map<string, Set<WebSocket>>();
    const principals = new Map<WebSocket, Principal>();

    app.get(
      '/api/v1/live',
      { websocket: true, config: { permission: AUTHENTICATED }, schema: { hide: true } },
      (socket, request) => {
        const principal = request.principal!;
        const key = principal.sessionId;
        let sockets = bySession.get(key);
        if (!sockets) bySession.set(key, (sockets = new Set()));
        sockets.add(socket);
        principals.set(socket, principal);
        socket.on('close', () => {
          principals.delete(socket);
          sockets.delete(socket);
          if (sockets.size === 0) bySession.delete(key);
        });
        socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          // The shared socket server allows agent-sized frames; a browser gets its own, smaller limit.
          const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
          if (size > LIVE_MAX_FRAME_BYTES) return socket.close(1009, 'frame too large');
          // The socket is for the server to talk; a client may only ping.
          if (data.toString() === '{"type":"ping"}') socket.send('{"type":"pong"}');
        });
        socket.send(JSON.stringify({ type: 'hello', user_id: principal.userId }));
      },
    );

    const revalidate = async () => {
      if (bySession.size === 0) return;
      const ids = [...bySession.keys()];
      const alive = await opts.db.withPlatform((tx) =>
        tx
          .selectFrom('sessions as s')
          .innerJoin('users as u', 'u.id', 's.user_id')
          .select('s.id')
          .where('s.id', 'in', ids)
          .where('s.revoked_at', 'is', null)
          .where('s.expires_at', '>', sql<string>`now()`)
          .where('u.status', '=', 'active')
          .where('u.deleted_at', 'is', null)
          .execute(),
      );
      const keep = new Set(alive.map((r) => r.id));
      for (const id of ids) {
        if (keep.has(id)) continue;
        for (const socket of bySession.get(id) ?? []) socket.close(SESSION_ENDED, 'session ended');
        bySession.delete(id);
      }
    };
    // Events go only to sessions that could open the thing they name (security.md 1: no foreign ids either).
    const unsubscribe = opts.events.map((rule) =>
      opts.bus.subscribe(rule.topics, (topic, event) => {
        if (principals.size === 0) return;
        const { target, id } = rule.scope(event);
        const message = JSON.stringify({ ...rule.detail?.(event), type: topic, id, partner_id: target.partnerId });
        for (const [socket, principal] of principals) {
          if (hasPermission(principal, rule.permission, target, true)) socket.send(message);
        }
      }),
    );
    app.addHook('onClose', async () => unsubscribe.forEach((u) => u()));

    const timer = setInterval(() => {
      revalidate().catch((error: unknown) => app.log.warn({ err: error }, 'live socket session check failed'));
    }, REVALIDATE_EVERY_MS);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'cloudrmm-live-socket', dependencies: ['cloudrmm-guard', '@fastify/websocket'] },
);
