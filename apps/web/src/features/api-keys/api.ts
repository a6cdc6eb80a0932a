import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from '../../api/client';

export type ApiKeyScopeType = 'platform' | 'partner' | 'organization' | 'site';
export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export interface ApiKey {
  id: string;
  name: string;
  /** The public start of the key (crmm_ab12cd34); the rest is never shown again. */
  prefix: string;
  user_id: string;
  user_email: string;
  permissions: string[];
  scope_type: ApiKeyScopeType;
  partner_id: string | null;
  partner_name: string | null;
  organization_id: string | null;
  organization_name: string | null;
  site_id: string | null;
  site_name: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
  status: ApiKeyStatus;
}

/** The answer to creating a key: the only time the whole key is sent. */
export interface CreatedApiKey extends ApiKey {
  secret: string;
}

export interface CreateApiKeyInput {
  name: string;
  permissions: string[];
  scope_type: ApiKeyScopeType;
  partner_id?: string;
  organization_id?: string;
  site_id?: string;
  expires_at: string | null;
}

export const apiKeyKeys = {
  all: ['api-keys'] as const,
  mine: () => [...apiKeyKeys.all, 'mine'] as const,
  partner: (partnerId: string, status: ApiKeyStatus | null) => [...apiKeyKeys.all, 'partner', partnerId, status] as const,
};

const MINE = '/me/api-keys';

/** The signed-in user's keys, newest first ("Load more" via next_cursor). */
export function useMyApiKeys() {
  return useInfiniteQuery({
    queryKey: apiKeyKeys.mine(),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api.get<Page<ApiKey>>(MINE, { limit: 50, cursor: pageParam ?? undefined }, signal),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateApiKeyInput) => api.post<CreatedApiKey>(MINE, input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.mine() }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (key: Pick<ApiKey, 'id'>) => api.delete(`${MINE}/${encodeURIComponent(key.id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.mine() }),
  });
}

export const API_KEY_STATUSES: readonly ApiKeyStatus[] = ['active', 'expired', 'revoked'];

/** `?status=revoked` on the partner's API keys page. */
export interface PartnerApiKeysSearch {
  status?: ApiKeyStatus;
}

export function validatePartnerApiKeysSearch(search: Record<string, unknown>): PartnerApiKeysSearch {
  const status = API_KEY_STATUSES.find((s) => s === search.status);
  return status ? { status } : {};
}

const partnerPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/api-keys`;

/** The keys of a partner's users, newest first ("Load more" via next_cursor). */
export function usePartnerApiKeys(partnerId: string, status: ApiKeyStatus | null) {
  return useInfiniteQuery({
    queryKey: apiKeyKeys.partner(partnerId, status),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<ApiKey>>(
        partnerPath(partnerId),
        { limit: 50, cursor: pageParam ?? undefined, status: status ?? undefined },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useRevokePartnerApiKey(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (key: Pick<ApiKey, 'id'>) => api.delete(`${partnerPath(partnerId)}/${encodeURIComponent(key.id)}`),
    // The owner's own list shows the key too.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.all }),
  });
}

interface Named {
  id: string;
  name: string;
}

/** Choices for a key's scope: at most 500 of each, by name (the lists are for picking one). */
function useNamedList(key: readonly unknown[], path: string, enabled: boolean) {
  return useQuery({
    queryKey: [...apiKeyKeys.all, 'scope-choices', ...key],
    enabled,
    queryFn: async ({ signal }) => (await api.get<Page<Named>>(path, { limit: 500, sort: 'name' }, signal)).items,
  });
}

export function useScopePartners(enabled: boolean) {
  return useNamedList(['partners'], '/partners', enabled);
}

export function useScopeOrganizations(partnerId: string, enabled: boolean) {
  return useNamedList(
    ['organizations', partnerId],
    `/partners/${encodeURIComponent(partnerId)}/organizations`,
    enabled && Boolean(partnerId),
  );
}

export function useScopeSites(partnerId: string, organizationId: string, enabled: boolean) {
  return useNamedList(
    ['sites', partnerId, organizationId],
    `/partners/${encodeURIComponent(partnerId)}/organizations/${encodeURIComponent(organizationId)}/sites`,
    enabled && Boolean(partnerId && organizationId),
  );
}

/** "Partner-wide (Acme IT)", "Organization: Contoso", "Platform-wide". */
export function scopeText(key: ApiKey): string {
  switch (key.scope_type) {
    case 'platform':
      return 'Platform-wide';
    case 'partner':
      return key.partner_name ? `Partner-wide: ${key.partner_name}` : 'Partner-wide';
    case 'organization':
      return `Organization: ${key.organization_name ?? key.organization_id ?? ''}`;
    case 'site':
      return `Site: ${key.site_name ?? key.site_id ?? ''}`;
  }
}
