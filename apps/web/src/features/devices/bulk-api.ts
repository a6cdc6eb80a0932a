import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from '../../api/client';
import { deviceKeys, devicesPath } from './api';

/* Bulk changes from the device list (DEV4) and the saved filters commands can target. */

export interface DeviceFilter {
  id: string;
  name: string;
  query: {
    status?: string;
    platform?: string;
    organization_id?: string;
    site_id?: string;
    tag?: string;
    low_disk?: boolean;
    q?: string;
  };
  version?: number;
  created_at?: string;
}

const filtersPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/device-filters`;

export function useDeviceFilters(partnerId: string, enabled = true) {
  return useQuery({
    queryKey: [...deviceKeys.partner(partnerId), 'filters'],
    enabled,
    queryFn: async ({ signal }) => {
      const answer = await api.get<DeviceFilter[] | Page<DeviceFilter>>(filtersPath(partnerId), undefined, signal);
      return Array.isArray(answer) ? answer : answer.items;
    },
  });
}

export function useCreateDeviceFilter(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; query: DeviceFilter['query'] }) => api.post<DeviceFilter>(filtersPath(partnerId), input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...deviceKeys.partner(partnerId), 'filters'] }),
  });
}

function refresh(queryClient: ReturnType<typeof useQueryClient>, partnerId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: deviceKeys.lists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: deviceKeys.summaries(partnerId) }),
    queryClient.invalidateQueries({ queryKey: [...deviceKeys.partner(partnerId), 'detail'] }),
  ]);
}

export function useBulkTags(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { device_ids: string[]; add?: string[]; remove?: string[] }) =>
      api.post<unknown>(`${devicesPath(partnerId)}/bulk/tags`, input),
    onSuccess: () => refresh(queryClient, partnerId),
  });
}

export function useBulkMove(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { device_ids: string[]; site_id: string }) =>
      api.post<unknown>(`${devicesPath(partnerId)}/bulk/move`, input),
    onSuccess: () => refresh(queryClient, partnerId),
  });
}
