import { useQueryClient } from '@tanstack/react-query';
import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Page } from '../../api/client';
import { LIVE_RECONNECTED, subscribeLive } from '../../app/live-events';
import type { LiveEvent } from '../../app/live-events';
import { deviceKeys } from './api';
import type { Device, DeviceSummary } from './api';

const DEVICE_EVENTS = new Set(['device.online', 'device.offline', 'device.updated', 'device.enrolled', 'device.deleted']);

/** Many devices flip at once after a network blip: one refetch for a burst of events. */
const SETTLE_MS = 400;

function patchLists(queryClient: QueryClient, partnerId: string, id: string, patch: Partial<DeviceSummary>) {
  queryClient.setQueriesData<InfiniteData<Page<DeviceSummary>>>({ queryKey: deviceKeys.lists(partnerId) }, (data) => {
    if (!data) return data;
    let changed = false;
    const pages = data.pages.map((page) => {
      if (!page.items.some((d) => d.id === id)) return page;
      changed = true;
      return { ...page, items: page.items.map((d) => (d.id === id ? { ...d, ...patch } : d)) };
    });
    return changed ? { ...data, pages } : data;
  });
}

/**
 * Keeps the device pages of one partner current from the live socket:
 * online/offline is patched into the cached rows at once (no flicker, no
 * reload), then lists, counts and the device are refetched once the burst settles.
 */
export function useDeviceLiveUpdates(partnerId: string): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let timer: number | undefined;
    const touched = new Set<string>();
    let everything = false;

    const flush = () => {
      timer = undefined;
      void queryClient.invalidateQueries({ queryKey: deviceKeys.lists(partnerId) });
      void queryClient.invalidateQueries({ queryKey: deviceKeys.summaries(partnerId) });
      for (const id of touched) {
        void queryClient.invalidateQueries({ queryKey: deviceKeys.detail(partnerId, id) });
        void queryClient.invalidateQueries({ queryKey: deviceKeys.software(partnerId, id) });
      }
      if (everything) void queryClient.invalidateQueries({ queryKey: [...deviceKeys.partner(partnerId), 'detail'] });
      touched.clear();
      everything = false;
    };
    const schedule = () => {
      if (timer === undefined) timer = window.setTimeout(flush, SETTLE_MS);
    };

    const onEvent = (event: LiveEvent) => {
      if (event.type === LIVE_RECONNECTED) {
        everything = true;
        schedule();
        return;
      }
      if (!DEVICE_EVENTS.has(event.type) || typeof event.id !== 'string') return;
      if (event.partner_id !== undefined && event.partner_id !== partnerId) return;
      const id = event.id;
      if (event.type === 'device.online' || event.type === 'device.offline') {
        const online = event.type === 'device.online';
        const now = new Date().toISOString();
        const patch: Partial<DeviceSummary> = online ? { online, connected_at: now, last_seen_at: now } : { online };
        patchLists(queryClient, partnerId, id, patch);
        queryClient.setQueryData<Device>(deviceKeys.detail(partnerId, id), (d) => (d ? { ...d, ...patch } : d));
      }
      if (event.type === 'device.deleted') {
        queryClient.setQueriesData<InfiniteData<Page<DeviceSummary>>>({ queryKey: deviceKeys.lists(partnerId) }, (data) =>
          data ? { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((d) => d.id !== id) })) } : data,
        );
      }
      touched.add(id);
      schedule();
    };

    const unsubscribe = subscribeLive(onEvent);
    return () => {
      unsubscribe();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [queryClient, partnerId]);
}
