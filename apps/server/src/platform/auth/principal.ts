import type { PermissionCatalog } from './permissions.js';

/** Who is calling. Later issues add API keys and agents as other kinds. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  name: string;
  /** The partner this user belongs to; null for platform staff. */
  partnerId: string | null;
  isPlatformAdmin: boolean;
  sessionId: string;
  permissions: ReadonlySet<string>;
}

export type Principal = UserPrincipal;

/**
 * Effective permissions. Platform admins hold the whole catalog; a partner user
 * holds every partner-scoped permission within their own partner.
 */
export function resolvePermissions(catalog: PermissionCatalog, user: { isPlatformAdmin: boolean }): Set<string> {
  const out = new Set<string>();
  for (const [name, info] of catalog) {
    if (user.isPlatformAdmin || info.scope === 'partner') out.add(name);
  }
  return out;
}

/** May this principal act inside this partner at all? (Outside → 404, never 403.) */
export function canEnterPartner(principal: Principal, partnerId: string): boolean {
  return principal.isPlatformAdmin || principal.partnerId === partnerId;
}
