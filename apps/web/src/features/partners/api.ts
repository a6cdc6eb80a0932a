import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useCursorList } from '../../api/list';
import type { ListParams } from '../../api/list';

export interface Partner {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  organization_count: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  version: number;
}

export const partnerKeys = {
  all: ['partners'] as const,
  lists: () => [...partnerKeys.all, 'list'] as const,
  detail: (partnerId: string) => [...partnerKeys.all, 'detail', partnerId] as const,
};

const partnerPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}`;

export function usePartnerList(params: ListParams) {
  return useCursorList<Partner>(partnerKeys.lists(), '/partners', params);
}

export function partnerQueryOptions(partnerId: string) {
  return {
    queryKey: partnerKeys.detail(partnerId),
    queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Partner>(partnerPath(partnerId), undefined, signal),
  };
}

export function usePartner(partnerId: string, enabled = true) {
  return useQuery({ ...partnerQueryOptions(partnerId), enabled });
}

export function useCreatePartner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string }) => api.post<Partner>('/partners', input),
    onSuccess: (partner) => {
      queryClient.setQueryData(partnerKeys.detail(partner.id), partner);
      return queryClient.invalidateQueries({ queryKey: partnerKeys.lists() });
    },
  });
}

export function useUpdatePartner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name?: string; version: number }) => api.patch<Partner>(partnerPath(id), body),
    onSuccess: (partner) => {
      queryClient.setQueryData(partnerKeys.detail(partner.id), partner);
      return queryClient.invalidateQueries({ queryKey: partnerKeys.lists() });
    },
  });
}

export function useDeletePartner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (partner: Pick<Partner, 'id'>) => api.delete(partnerPath(partner.id)),
    onSuccess: (_data, partner) => {
      // Marked stale, not refetched: the page that deleted it is navigating away.
      void queryClient.invalidateQueries({ queryKey: partnerKeys.detail(partner.id), refetchType: 'none' });
      return queryClient.invalidateQueries({ queryKey: partnerKeys.lists() });
    },
  });
}

export function useRestorePartner() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (partner: Pick<Partner, 'id'>) => api.post<Partner | undefined>(`${partnerPath(partner.id)}/restore`),
    onSuccess: (restored, partner) => {
      if (restored) queryClient.setQueryData(partnerKeys.detail(partner.id), restored);
      else void queryClient.invalidateQueries({ queryKey: partnerKeys.detail(partner.id) });
      return queryClient.invalidateQueries({ queryKey: partnerKeys.lists() });
    },
  });
}
