/**
 * Who is calling, and what they may do where. A user's role assignments become
 * grants: a set of permissions at one scope (the platform, a partner, one
 * organization, one site). A grant covers its scope and everything below it.
 */
export type Scope =
  | { type: 'platform' }
  | { type: 'partner'; partnerId: string }
  | { type: 'organization'; partnerId: string; organizationId: string }
  | { type: 'site'; partnerId: string; organizationId: string; siteId: string };

export interface Grant {
  permissions: ReadonlySet<string>;
  scope: Scope;
}

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  name: string;
  /** The partner this user belongs to; null for platform staff. */
  partnerId: string | null;
  /** Holds a platform-wide grant: may enter every partner. */
  isPlatformAdmin: boolean;
  sessionId: string;
  /**
   * Set while the session knows only the password and still owes its second
   * factor (or, when the partner requires one, its enrolment): the guard lets
   * it reach only the routes of that step (security.md 10).
   */
  pendingStep?: 'second_factor' | 'enrolment' | null;
  grants: Grant[];
  /** Every permission held anywhere (for the dashboard to show or hide things). */
  permissions: ReadonlySet<string>;
}

/**
 * A request made with a personal API key (IAM6): its owner, with grants that are
 * the key's permissions and scope narrowed to what the owner holds right now.
 * `sessionId` is the key's id: a key stands where a session would, and the
 * guard keeps keys off every 'authenticated' route (sign-out, sessions, 2FA,
 * keys), so no session code ever receives one.
 */
export interface ApiKeyPrincipal extends Omit<UserPrincipal, 'kind' | 'pendingStep'> {
  kind: 'api_key';
  apiKeyId: string;
  apiKeyName: string;
  pendingStep?: null;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

/** What a request is about, from its path: the deeper, the narrower. */
export interface Target {
  partnerId?: string;
  organizationId?: string;
  siteId?: string;
}

export function principalFromGrants(
  base: Omit<UserPrincipal, 'grants' | 'permissions' | 'isPlatformAdmin'>,
  grants: Grant[],
): UserPrincipal {
  const permissions = new Set<string>();
  for (const g of grants) for (const p of g.permissions) permissions.add(p);
  return { ...base, grants, permissions, isPlatformAdmin: grants.some((g) => g.scope.type === 'platform') };
}

/** The grant applies to the whole target (and so to everything inside it). */
function covers(scope: Scope, t: Target): boolean {
  switch (scope.type) {
    case 'platform':
      return true;
    case 'partner':
      return t.partnerId === scope.partnerId;
    case 'organization':
      return t.partnerId === scope.partnerId && t.organizationId === scope.organizationId;
    case 'site':
      return t.partnerId === scope.partnerId && t.organizationId === scope.organizationId && t.siteId === scope.siteId;
  }
}

/** The grant applies to something inside the target (a technician of one site sees its organization). */
function reachesInto(scope: Scope, t: Target): boolean {
  if (covers(scope, t) || t.partnerId === undefined) return true;
  if (scope.type === 'platform' || scope.type === 'partner' || t.partnerId !== scope.partnerId) return false;
  if (t.organizationId === undefined) return true;
  return scope.type === 'site' && t.siteId === undefined && t.organizationId === scope.organizationId;
}

/** May the principal see that the target exists at all? (No → 404, never 403.) */
export function canSee(p: Principal, t: Target): boolean {
  return p.grants.some((g) => reachesInto(g.scope, t));
}

/**
 * Does the principal hold the permission for the target? `whole` asks for it on
 * the target itself (changing it); otherwise holding it somewhere inside is
 * enough (reading, where the service narrows the answer to what is visible).
 */
export function hasPermission(p: Principal, permission: string, t: Target, whole: boolean): boolean {
  return p.grants.some((g) => g.permissions.has(permission) && (whole ? covers(g.scope, t) : reachesInto(g.scope, t)));
}

/** Kept for the partner-level checks that predate scopes. */
export function canEnterPartner(p: Principal, partnerId: string): boolean {
  return canSee(p, { partnerId });
}

/** What a principal without a partner-wide grant may list inside a partner. */
export interface Visibility {
  /** Organizations it can see (held whole, or holding one of its sites). */
  organizationIds: Set<string>;
  /** Organizations held whole: all their sites are visible. */
  wholeOrganizationIds: Set<string>;
  /** Single sites held, in organizations not held whole. */
  siteIds: Set<string>;
}

/** null: the principal sees the whole partner. */
export function visibleWithin(p: Principal, partnerId: string): Visibility | null {
  if (p.grants.some((g) => covers(g.scope, { partnerId }))) return null;
  const v: Visibility = { organizationIds: new Set(), wholeOrganizationIds: new Set(), siteIds: new Set() };
  for (const g of p.grants) {
    if (g.scope.type === 'organization' && g.scope.partnerId === partnerId) {
      v.organizationIds.add(g.scope.organizationId);
      v.wholeOrganizationIds.add(g.scope.organizationId);
    }
    if (g.scope.type === 'site' && g.scope.partnerId === partnerId) {
      v.organizationIds.add(g.scope.organizationId);
      v.siteIds.add(g.scope.siteId);
    }
  }
  return v;
}

/**
 * No escalation by delegation (security.md 6): one may hand out only
 * permissions one holds, at a scope one's own grants cover.
 */
export function canDelegate(p: Principal, permissions: Iterable<string>, scope: Scope): boolean {
  const target: Target =
    scope.type === 'platform'
      ? {}
      : scope.type === 'partner'
        ? { partnerId: scope.partnerId }
        : scope.type === 'organization'
          ? { partnerId: scope.partnerId, organizationId: scope.organizationId }
          : { partnerId: scope.partnerId, organizationId: scope.organizationId, siteId: scope.siteId };
  for (const permission of permissions) {
    const held = p.grants.some(
      (g) => g.permissions.has(permission) && (scope.type === 'platform' ? g.scope.type === 'platform' : covers(g.scope, target)),
    );
    if (!held) return false;
  }
  return true;
}
