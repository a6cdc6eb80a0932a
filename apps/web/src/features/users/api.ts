import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { API_BASE, api } from '../../api/client';
import type { Query } from '../../api/client';
import { toListParams, useCursorList, validateListSearch } from '../../api/list';
import type { ListParams, ListSearch } from '../../api/list';
import { roleKeys } from '../roles/api';

export type UserStatus = 'invited' | 'active' | 'suspended';
export type ScopeType = 'partner' | 'organization' | 'site';

/** One role a user holds, and where. */
export interface UserRole {
  assignment_id: string;
  role_id: string;
  role_name: string;
  scope_type: ScopeType;
  organization_id: string | null;
  organization_name: string | null;
  site_id: string | null;
  site_name: string | null;
}

export interface User {
  id: string;
  partner_id: string;
  email: string;
  name: string;
  status: UserStatus;
  last_seen_at: string | null;
  invitation_expires_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  version: number;
  roles: UserRole[];
}

export type InvitedUser = User & { invitation_sent: boolean };

export interface ScopeInput {
  scope_type: ScopeType;
  organization_id?: string;
  site_id?: string;
}

export interface InviteInput extends ScopeInput {
  email: string;
  name: string;
  role_id: string;
}

/** The users list's filters as they live in the URL: the list basics plus `?status=invited&role=<id>`. */
export type UsersSearch = ListSearch & { status?: UserStatus; role?: string };

const STATUSES: readonly UserStatus[] = ['invited', 'active', 'suspended'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateUsersSearch(search: Record<string, unknown>): UsersSearch {
  const out: UsersSearch = validateListSearch(search);
  if (typeof search.status === 'string' && (STATUSES as readonly string[]).includes(search.status))
    out.status = search.status as UserStatus;
  if (typeof search.role === 'string' && UUID.test(search.role)) out.role = search.role;
  return out;
}

export interface UsersParams extends ListParams {
  status: UserStatus | null;
  roleId: string | null;
}

export function toUsersParams(search: UsersSearch): UsersParams {
  return { ...toListParams(search), status: search.status ?? null, roleId: search.role ?? null };
}

function usersFilters(params: UsersParams): Query {
  return { status: params.status ?? undefined, role_id: params.roleId ?? undefined };
}

export const userKeys = {
  all: ['users'] as const,
  partner: (partnerId: string) => [...userKeys.all, partnerId] as const,
  lists: (partnerId: string) => [...userKeys.partner(partnerId), 'list'] as const,
  detail: (partnerId: string, userId: string) => [...userKeys.partner(partnerId), 'detail', userId] as const,
};

export const usersPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/users`;
export const userPath = (partnerId: string, userId: string) => `${usersPath(partnerId)}/${encodeURIComponent(userId)}`;

export function useUserList(partnerId: string, params: UsersParams) {
  const { status: _status, roleId: _roleId, ...list } = params;
  return useCursorList<User>(userKeys.lists(partnerId), usersPath(partnerId), list, true, usersFilters(params));
}

/** The CSV of what the list shows: a plain link, so the browser downloads it with the session cookie. */
export function usersExportHref(partnerId: string, params: UsersParams): string {
  const query = new URLSearchParams();
  if (params.q) query.set('q', params.q);
  if (params.sort) query.set('sort', params.sort);
  if (params.includeDeleted) query.set('include_deleted', 'true');
  if (params.status) query.set('status', params.status);
  if (params.roleId) query.set('role_id', params.roleId);
  const qs = query.toString();
  return `${API_BASE}${usersPath(partnerId)}/export${qs ? `?${qs}` : ''}`;
}

export function userQueryOptions(partnerId: string, userId: string) {
  return queryOptions({
    queryKey: userKeys.detail(partnerId, userId),
    queryFn: ({ signal }) => api.get<User>(userPath(partnerId, userId), undefined, signal),
  });
}

export function useUser(partnerId: string, userId: string) {
  return useQuery(userQueryOptions(partnerId, userId));
}

/** After any change to users: the lists, the user, and the roles' assignment counts. */
function refresh(queryClient: ReturnType<typeof useQueryClient>, partnerId: string, user?: User) {
  if (user) queryClient.setQueryData(userKeys.detail(partnerId, user.id), user);
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: userKeys.lists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: roleKeys.list(partnerId) }),
  ]);
}

export function useInviteUser(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: InviteInput) => api.post<InvitedUser>(`${usersPath(partnerId)}/invitations`, input),
    onSuccess: (user) => refresh(queryClient, partnerId, user),
  });
}

export function useResendInvitation(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (user: Pick<User, 'id'>) => api.post<InvitedUser>(`${userPath(partnerId, user.id)}/resend-invitation`),
    onSuccess: (user) => refresh(queryClient, partnerId, user),
  });
}

export function useSetUserStatus(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ user, action }: { user: Pick<User, 'id'>; action: 'suspend' | 'reactivate' }) =>
      api.post<User>(`${userPath(partnerId, user.id)}/${action}`),
    onSuccess: (user) => refresh(queryClient, partnerId, user),
  });
}

export function useDeleteUser(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (user: Pick<User, 'id'>) => api.delete(userPath(partnerId, user.id)),
    onSuccess: (_data, user) => {
      void queryClient.invalidateQueries({ queryKey: userKeys.detail(partnerId, user.id), refetchType: 'none' });
      return refresh(queryClient, partnerId);
    },
  });
}

/** Brings a deleted user back; the server returns them suspended. */
export function useRestoreUser(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (user: Pick<User, 'id'>) => api.post<User>(`${userPath(partnerId, user.id)}/restore`),
    onSuccess: (user) => refresh(queryClient, partnerId, user),
  });
}

export function useUpdateUser(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name: string; version: number }) =>
      api.patch<User>(userPath(partnerId, id), body),
    onSuccess: (user) => refresh(queryClient, partnerId, user),
  });
}

// Role assignments (the access module's API) ----------------------------------------

const assignmentsPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/role-assignments`;

export function useAddRoleAssignment(partnerId: string, userId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: ScopeInput & { role_id: string }) => api.post(assignmentsPath(partnerId), { user_id: userId, ...input }),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: userKeys.detail(partnerId, userId) }),
        refresh(queryClient, partnerId),
      ]),
  });
}

export function useRemoveRoleAssignment(partnerId: string, userId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (role: Pick<UserRole, 'assignment_id'>) =>
      api.delete(`${assignmentsPath(partnerId)}/${encodeURIComponent(role.assignment_id)}`),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: userKeys.detail(partnerId, userId) }),
        refresh(queryClient, partnerId),
      ]),
  });
}

// Pickers for a scope: every organization of the partner, every site of one organization ----------

interface Named {
  id: string;
  name: string;
}

const PICKER_LIMIT = 500;

export function useOrganizationOptions(partnerId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['organizations', partnerId, 'options'],
    enabled,
    queryFn: async ({ signal }) =>
      (
        await api.get<{ items: Named[] }>(
          `/partners/${encodeURIComponent(partnerId)}/organizations`,
          { limit: PICKER_LIMIT },
          signal,
        )
      ).items,
  });
}

export function useSiteOptions(partnerId: string, organizationId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: ['sites', partnerId, organizationId, 'options'],
    enabled: enabled && Boolean(organizationId),
    queryFn: async ({ signal }) =>
      (
        await api.get<{ items: Named[] }>(
          `/partners/${encodeURIComponent(partnerId)}/organizations/${encodeURIComponent(organizationId ?? '')}/sites`,
          { limit: PICKER_LIMIT },
          signal,
        )
      ).items,
  });
}

/** "Technician · X Corp": the role and where it applies (the partner's name for partner-wide roles). */
export function roleScopeLabel(role: UserRole, partnerName: string | undefined): { role: string; where: string } {
  const where =
    role.scope_type === 'site'
      ? `${role.organization_name ?? 'Organization'} › ${role.site_name ?? 'Site'}`
      : role.scope_type === 'organization'
        ? (role.organization_name ?? 'Organization')
        : (partnerName ?? 'Whole partner');
  return { role: role.role_name, where };
}
