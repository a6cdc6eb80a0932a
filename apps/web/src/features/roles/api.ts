import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';

/** One entry of the permission catalog (GET /permissions). */
export interface CatalogPermission {
  name: string;
  module: string;
  description: string;
  /** 'platform' permissions are held only by platform staff and cannot be put in a partner's role. */
  scope: 'platform' | 'partner';
}

export interface Role {
  id: string;
  partner_id: string | null;
  key: string | null;
  name: string;
  description: string;
  is_system: boolean;
  permissions: string[];
  assignment_count: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface RoleInput {
  name: string;
  description: string;
  permissions: string[];
}

export const roleKeys = {
  all: ['roles'] as const,
  partner: (partnerId: string) => [...roleKeys.all, partnerId] as const,
  list: (partnerId: string) => [...roleKeys.partner(partnerId), 'list'] as const,
  detail: (partnerId: string, roleId: string) => [...roleKeys.partner(partnerId), 'detail', roleId] as const,
};

const rolesPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/roles`;
const rolePath = (partnerId: string, roleId: string) => `${rolesPath(partnerId)}/${encodeURIComponent(roleId)}`;

/** The catalog only changes with a server release. */
export const permissionCatalogQueryOptions = queryOptions({
  queryKey: ['permissions'] as const,
  queryFn: async ({ signal }) => (await api.get<{ items: CatalogPermission[] }>('/permissions', undefined, signal)).items,
  staleTime: Infinity,
});

export function usePermissionCatalog() {
  return useQuery(permissionCatalogQueryOptions);
}

export function useRoleList(partnerId: string) {
  return useQuery({
    queryKey: roleKeys.list(partnerId),
    queryFn: async ({ signal }) => (await api.get<{ items: Role[] }>(rolesPath(partnerId), undefined, signal)).items,
  });
}

export function roleQueryOptions(partnerId: string, roleId: string) {
  return queryOptions({
    queryKey: roleKeys.detail(partnerId, roleId),
    queryFn: ({ signal }) => api.get<Role>(rolePath(partnerId, roleId), undefined, signal),
  });
}

export function useRole(partnerId: string, roleId: string, enabled = true) {
  return useQuery({ ...roleQueryOptions(partnerId, roleId), enabled });
}

export function useCreateRole(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: RoleInput) => api.post<Role>(rolesPath(partnerId), input),
    onSuccess: (role) => {
      queryClient.setQueryData(roleKeys.detail(partnerId, role.id), role);
      return queryClient.invalidateQueries({ queryKey: roleKeys.list(partnerId) });
    },
  });
}

export function useUpdateRole(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<RoleInput> & { id: string; version: number }) =>
      api.patch<Role>(rolePath(partnerId, id), body),
    onSuccess: (role) => {
      queryClient.setQueryData(roleKeys.detail(partnerId, role.id), role);
      return queryClient.invalidateQueries({ queryKey: roleKeys.list(partnerId) });
    },
  });
}

export function useDeleteRole(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (role: Pick<Role, 'id'>) => api.delete(rolePath(partnerId, role.id)),
    onSuccess: (_data, role) => {
      queryClient.removeQueries({ queryKey: roleKeys.detail(partnerId, role.id) });
      return queryClient.invalidateQueries({ queryKey: roleKeys.list(partnerId) });
    },
  });
}

/** Display names of the catalog's modules; an unknown module shows its own name. */
const MODULE_LABELS: Record<string, string> = {
  tenancy: 'Partners, organizations and sites',
  access: 'Users and roles',
  users: 'Users',
  audit: 'Audit log',
  'two-factor': 'Two-factor authentication',
  sso: 'Single sign-on',
  'api-keys': 'API keys',
};

const ACRONYMS = new Set(['api', 'sso', 'ip', 'url', 'csv']);

export function moduleLabel(module: string): string {
  const label = MODULE_LABELS[module];
  if (label) return label;
  const words = module
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface PermissionGroup {
  module: string;
  label: string;
  permissions: CatalogPermission[];
}

/** Partner-scoped permissions (the only ones a partner's role can hold), grouped by module in catalog order. */
export function groupCatalog(catalog: CatalogPermission[]): PermissionGroup[] {
  const groups = new Map<string, PermissionGroup>();
  for (const permission of catalog) {
    if (permission.scope !== 'partner') continue;
    let group = groups.get(permission.module);
    if (!group) {
      group = { module: permission.module, label: moduleLabel(permission.module), permissions: [] };
      groups.set(permission.module, group);
    }
    group.permissions.push(permission);
  }
  return [...groups.values()];
}
