/**
 * The permission catalog. Each module declares its permissions in its
 * defineModule(); routes name one of them (or 'public' / 'authenticated'), and
 * the server refuses to start when a route names none or an unknown one.
 *
 * `scope` says where a permission can be held: 'platform' permissions only by
 * platform staff; 'partner' permissions by a partner's users within their partner.
 */
export interface PermissionInfo {
  description: string;
  scope: 'platform' | 'partner';
}

export type PermissionCatalog = ReadonlyMap<string, PermissionInfo & { module: string }>;

/** What a route requires: a catalog permission, or one of the two open levels. */
export type RouteAccess = string;
export const PUBLIC = 'public';
export const AUTHENTICATED = 'authenticated';
/**
 * Agent routes (bootstrap, enrollment, the agent socket): no user may use them.
 * The guard leaves authentication to the gateway, which accepts only an agent
 * credential (security.md 15); enrollment itself is paid for with a site code or token.
 */
export const AGENT = 'agent';

export function buildCatalog(modules: { name: string; permissions: Record<string, PermissionInfo> }[]): PermissionCatalog {
  const catalog = new Map<string, PermissionInfo & { module: string }>();
  for (const m of modules) {
    for (const [name, info] of Object.entries(m.permissions)) {
      if (catalog.has(name)) throw new Error(`permission ${name} is declared by two modules`);
      if (!/^[a-z_]+\.[a-z_.]+$/.test(name)) throw new Error(`permission name ${name} must look like module.action`);
      catalog.set(name, { ...info, module: m.name });
    }
  }
  return catalog;
}
