import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useCursorList } from '../../api/list';
import type { ListParams } from '../../api/list';
import { organizationKeys, organizationPath } from '../organizations/api';

export interface Site {
  id: string;
  partner_id: string;
  organization_id: string;
  name: string;
  description: string | null;
  timezone: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  version: number;
}

export interface SiteInput {
  name: string;
  description?: string;
  timezone?: string;
}

export const siteKeys = {
  all: ['sites'] as const,
  organization: (partnerId: string, organizationId: string) => [...siteKeys.all, partnerId, organizationId] as const,
  lists: (partnerId: string, organizationId: string) => [...siteKeys.organization(partnerId, organizationId), 'list'] as const,
  detail: (partnerId: string, organizationId: string, siteId: string) =>
    [...siteKeys.organization(partnerId, organizationId), 'detail', siteId] as const,
};

const sitesPath = (partnerId: string, organizationId: string) => `${organizationPath(partnerId, organizationId)}/sites`;
const sitePath = (partnerId: string, organizationId: string, siteId: string) =>
  `${sitesPath(partnerId, organizationId)}/${encodeURIComponent(siteId)}`;

export function useSiteList(partnerId: string, organizationId: string, params: ListParams, enabled = true) {
  return useCursorList<Site>(siteKeys.lists(partnerId, organizationId), sitesPath(partnerId, organizationId), params, enabled);
}

export function siteQueryOptions(partnerId: string, organizationId: string, siteId: string) {
  return {
    queryKey: siteKeys.detail(partnerId, organizationId, siteId),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api.get<Site>(sitePath(partnerId, organizationId, siteId), undefined, signal),
  };
}

export function useSite(partnerId: string, organizationId: string, siteId: string, enabled = true) {
  return useQuery({ ...siteQueryOptions(partnerId, organizationId, siteId), enabled });
}

/** The organization's site_count changes with these writes. */
function invalidateCounts(queryClient: ReturnType<typeof useQueryClient>, partnerId: string, organizationId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: siteKeys.lists(partnerId, organizationId) }),
    queryClient.invalidateQueries({ queryKey: organizationKeys.lists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: organizationKeys.detail(partnerId, organizationId) }),
  ]);
}

export function useCreateSite(partnerId: string, organizationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SiteInput) => api.post<Site>(sitesPath(partnerId, organizationId), input),
    onSuccess: (site) => {
      queryClient.setQueryData(siteKeys.detail(partnerId, organizationId, site.id), site);
      return invalidateCounts(queryClient, partnerId, organizationId);
    },
  });
}

export function useUpdateSite(partnerId: string, organizationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name?: string; description?: string; timezone?: string; version: number }) =>
      api.patch<Site>(sitePath(partnerId, organizationId, id), body),
    onSuccess: (site) => {
      queryClient.setQueryData(siteKeys.detail(partnerId, organizationId, site.id), site);
      return queryClient.invalidateQueries({ queryKey: siteKeys.lists(partnerId, organizationId) });
    },
  });
}

export function useDeleteSite(partnerId: string, organizationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (site: Pick<Site, 'id'>) => api.delete(sitePath(partnerId, organizationId, site.id)),
    onSuccess: (_data, site) => {
      // Marked stale, not refetched: the page that deleted it is navigating away.
      void queryClient.invalidateQueries({
        queryKey: siteKeys.detail(partnerId, organizationId, site.id),
        refetchType: 'none',
      });
      return invalidateCounts(queryClient, partnerId, organizationId);
    },
  });
}

export function useRestoreSite(partnerId: string, organizationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (site: Pick<Site, 'id'>) => api.post<Site | undefined>(`${sitePath(partnerId, organizationId, site.id)}/restore`),
    onSuccess: (restored, site) => {
      if (restored) queryClient.setQueryData(siteKeys.detail(partnerId, organizationId, site.id), restored);
      else void queryClient.invalidateQueries({ queryKey: siteKeys.detail(partnerId, organizationId, site.id) });
      return invalidateCounts(queryClient, partnerId, organizationId);
    },
  });
}
