import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from '../../api/client';

/* A site's install link and one-time enrollment tokens (AGT1, AGT2; security.md 24). */

export interface InstallCommands {
  linux: string;
  macos: string;
  windows: string;
}

export interface SiteEnrollment {
  site_code: string;
  enabled: boolean;
  rotated_at: string | null;
  install_url: string;
  commands: InstallCommands;
}

export type EnrollmentTokenStatus = 'active' | 'expired' | 'exhausted' | 'revoked';

export interface EnrollmentToken {
  id: string;
  name: string | null;
  prefix: string;
  max_uses: number;
  use_count: number;
  expires_at: string;
  created_at: string;
  created_by: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  status: EnrollmentTokenStatus;
}

export interface CreatedEnrollmentToken extends EnrollmentToken {
  token: string;
  command: InstallCommands;
}

export interface CreateTokenInput {
  name?: string;
  max_uses?: number;
  expires_in_hours?: number;
}

const sitePath = (partnerId: string, organizationId: string, siteId: string) =>
  `/partners/${encodeURIComponent(partnerId)}/organizations/${encodeURIComponent(organizationId)}/sites/${encodeURIComponent(siteId)}`;

export const enrollmentKeys = {
  site: (siteId: string) => ['enrollment', siteId] as const,
  link: (siteId: string) => [...enrollmentKeys.site(siteId), 'link'] as const,
  tokens: (siteId: string) => [...enrollmentKeys.site(siteId), 'tokens'] as const,
};

export interface SiteRef {
  partnerId: string;
  organizationId: string;
  siteId: string;
}

export function useSiteEnrollment({ partnerId, organizationId, siteId }: SiteRef) {
  return useQuery({
    queryKey: enrollmentKeys.link(siteId),
    queryFn: ({ signal }) =>
      api.get<SiteEnrollment>(`${sitePath(partnerId, organizationId, siteId)}/enrollment`, undefined, signal),
  });
}

export function useRotateSiteCode({ partnerId, organizationId, siteId }: SiteRef) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<SiteEnrollment>(`${sitePath(partnerId, organizationId, siteId)}/enrollment/rotate`),
    onSuccess: (link) => queryClient.setQueryData(enrollmentKeys.link(siteId), link),
  });
}

export function useSetSiteEnrollmentEnabled({ partnerId, organizationId, siteId }: SiteRef) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) =>
      api.patch<SiteEnrollment>(`${sitePath(partnerId, organizationId, siteId)}/enrollment`, { enabled }),
    onSuccess: (link) => queryClient.setQueryData(enrollmentKeys.link(siteId), link),
  });
}

export function useEnrollmentTokens({ partnerId, organizationId, siteId }: SiteRef) {
  return useQuery({
    queryKey: enrollmentKeys.tokens(siteId),
    queryFn: ({ signal }) =>
      api.get<Page<EnrollmentToken>>(`${sitePath(partnerId, organizationId, siteId)}/enrollment-tokens`, { limit: 100 }, signal),
  });
}

export function useCreateEnrollmentToken({ partnerId, organizationId, siteId }: SiteRef) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateTokenInput) =>
      api.post<CreatedEnrollmentToken>(`${sitePath(partnerId, organizationId, siteId)}/enrollment-tokens`, input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: enrollmentKeys.tokens(siteId) }),
  });
}

export function useRevokeEnrollmentToken({ partnerId, organizationId, siteId }: SiteRef) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (token: Pick<EnrollmentToken, 'id'>) =>
      api.delete(`${sitePath(partnerId, organizationId, siteId)}/enrollment-tokens/${encodeURIComponent(token.id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: enrollmentKeys.tokens(siteId) }),
  });
}
