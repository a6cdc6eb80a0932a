import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useCursorList } from '../../api/list';
import type { ListParams } from '../../api/list';
import { partnerKeys } from '../partners/api';

export interface Organization {
  id: string;
  partner_id: string;
  name: string;
  description: string | null;
  site_count: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  version: number;
}

export interface OrganizationInput {
  name: string;
  description?: string;
}

export const organizationKeys = {
  all: ['organizations'] as const,
  partner: (partnerId: string) => [...organizationKeys.all, partnerId] as const,
  lists: (partnerId: string) => [...organizationKeys.partner(partnerId), 'list'] as const,
  detail: (partnerId: string, organizationId: string) =>
    [...organizationKeys.partner(partnerId), 'detail', organizationId] as const,
};

export const organizationsPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/organizations`;
export const organizationPath = (partnerId: string, organizationId: string) =>
  `${organizationsPath(partnerId)}/${encodeURIComponent(organizationId)}`;

export function useOrganizationList(partnerId: string, params: ListParams) {
  return useCursorList<Organization>(organizationKeys.lists(partnerId), organizationsPath(partnerId), params);
}

export function organizationQueryOptions(partnerId: string, organizationId: string) {
  return {
    queryKey: organizationKeys.detail(partnerId, organizationId),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api.get<Organization>(organizationPath(partnerId, organizationId), undefined, signal),
  };
}

export function useOrganization(partnerId: string, organizationId: string, enabled = true) {
  return useQuery({ ...organizationQueryOptions(partnerId, organizationId), enabled });
}

/** The partner's organization_count changes with these writes. */
function invalidateCounts(queryClient: ReturnType<typeof useQueryClient>, partnerId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: organizationKeys.lists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: partnerKeys.lists() }),
    queryClient.invalidateQueries({ queryKey: partnerKeys.detail(partnerId) }),
  ]);
}

export function useCreateOrganization(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: OrganizationInput) => api.post<Organization>(organizationsPath(partnerId), input),
    onSuccess: (organization) => {
      queryClient.setQueryData(organizationKeys.detail(partnerId, organization.id), organization);
      return invalidateCounts(queryClient, partnerId);
    },
  });
}

export function useUpdateOrganization(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name?: string; description?: string; version: number }) =>
      api.patch<Organization>(organizationPath(partnerId, id), body),
    onSuccess: (organization) => {
      queryClient.setQueryData(organizationKeys.detail(partnerId, organization.id), organization);
      return queryClient.invalidateQueries({ queryKey: organizationKeys.lists(partnerId) });
    },
  });
}

export function useDeleteOrganization(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (organization: Pick<Organization, 'id'>) => api.delete(organizationPath(partnerId, organization.id)),
    onSuccess: (_data, organization) => {
      // Marked stale, not refetched: the page that deleted it is navigating away.
      void queryClient.invalidateQueries({
        queryKey: organizationKeys.detail(partnerId, organization.id),
        refetchType: 'none',
      });
      return invalidateCounts(queryClient, partnerId);
    },
  });
}

export function useRestoreOrganization(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (organization: Pick<Organization, 'id'>) =>
      api.post<Organization | undefined>(`${organizationPath(partnerId, organization.id)}/restore`),
    onSuccess: (restored, organization) => {
      if (restored) queryClient.setQueryData(organizationKeys.detail(partnerId, organization.id), restored);
      else void queryClient.invalidateQueries({ queryKey: organizationKeys.detail(partnerId, organization.id) });
      return invalidateCounts(queryClient, partnerId);
    },
  });
}
