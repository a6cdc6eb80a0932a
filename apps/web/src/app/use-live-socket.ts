import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { sessionQueryOptions } from '../features/auth/api';
import { LIVE_RECONNECTED, parseLiveMessage, publishLive } from './live-events';

/** Close code the server uses when the session behind the socket ended. */
const SESSION_ENDED = 4001;

/**
 * Keeps the live socket to the server open while the dashboard is signed in. When the
 * server closes it because the session was revoked, expired or the user was
 * suspended, the session is cleared and the layout sends the user to sign in.
 * Other drops re-check the session, then reconnect with jittered backoff.
 */
export function useLiveSocket(userId: string | null): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    // No session yet (or any more): a socket now would only be refused.
    if (!userId) return;
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let reconnecting = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const open = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/live`);
      let opened = false;
      socket.onopen = () => {
        // After a drop, pages refetch what they may have missed.
        if (attempt > 0 || reconnecting) publishLive({ type: LIVE_RECONNECTED });
        attempt = 0;
        opened = true;
        reconnecting = false;
      };
      socket.onmessage = (event) => {
        const message = parseLiveMessage(event.data);
        if (message) publishLive(message);
      };
      socket.onclose = (event) => {
        if (stopped) return;
        if (opened) reconnecting = true;
        if (event.code === SESSION_ENDED) {
          queryClient.setQueryData(sessionQueryOptions.queryKey, null);
          return;
        }
        const delay = Math.min(30_000, 1_000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        timer = setTimeout(() => void reconnect(), delay);
      };
    };
    // Only with a live session: a socket opened without one is refused (and the browser logs it).
    // If the session check itself fails (the server is restarting), try the socket anyway.
    const reconnect = async () => {
      const session = await queryClient.fetchQuery({ ...sessionQueryOptions, staleTime: 0 }).catch(() => undefined);
      if (stopped || session === null) return;
      open();
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [queryClient, userId]);
}
