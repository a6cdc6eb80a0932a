import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Database, Tx } from '../db/database.js';
import { AppError } from '../http/errors.js';
import type { PermissionCatalog } from './permissions.js';
import type { ApiKeyPrincipal, Grant, Scope } from './principal.js';
import type { SessionStore } from './sessions.js';

/**
 * Personal API keys as a credential (IAM6; security.md 15, 34, 36): the format,
 * the hash, and turning `Authorization: Bearer crmm_...` into a principal. The
 * keys themselves are made, listed and revoked by modules/api-keys.
 *
 * `crmm_` marks a user's API key. Agent credentials are a different kind with
 * their own prefix and are never accepted here, nor keys by the agent side.
 */
export const API_KEY_PREFIX = 'crmm_';
/** crmm_<8-character public id>_<43 characters of base64url: 256 random bits> */
const KEY_FORMAT = /^crmm_([a-z0-9]{8})_([A-Za-z0-9_-]{32,100})$/;
const PUBLIC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOUCH_EVERY_MS = 60_000;

/** The whole key carries 256 random bits, so a fast hash is enough (like session tokens). */
export const hashApiKey = (key: string): Buffer => createHash('sha256').update(key).digest();

export function newApiKey(): { key: string; prefix: string; hash: Buffer } {
  let prefix = '';
  for (let i = 0; i < 8; i++) prefix += PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)];
  const key = `${API_KEY_PREFIX}${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The part of a key that may be shown again: `crmm_ab12cd34`. */
export const shownPrefix = (prefix: string): string => `${API_KEY_PREFIX}${prefix}`;

export interface KeyScopeColumns {
  scope_type: 'platform' | 'partner' | 'organization' | 'site';
  partner_id: string | null;
  organization_id: string | null;
  site_id: string | null;
}

export function scopeOfKey(k: KeyScopeColumns): Scope {
  switch (k.scope_type) {
    case 'platform':
      return { type: 'platform' };
    case 'partner':
      return { type: 'partner', partnerId: k.partner_id! };
    case 'organization':
      return { type: 'organization', partnerId: k.partner_id!, organizationId: k.organization_id! };
    case 'site':
      return { type: 'site', partnerId: k.partner_id!, organizationId: k.organization_id!, siteId: k.site_id! };
  }
}

/** Is `inner` the same as `outer` or inside it? */
function within(inner: Scope, outer: Scope): boolean {
  if (outer.type === 'platform') return true;
  if (inner.type === 'platform' || inner.partnerId !== outer.partnerId) return false;
  if (outer.type === 'partner') return true;
  if (inner.type === 'partner' || inner.organizationId !== outer.organizationId) return false;
  if (outer.type === 'organization') return true;
  return inner.type === 'site' && inner.siteId === outer.siteId;
}

/**
 * What a key may do: its permissions at its scope, intersected with each of
 * its owner's current grants (the narrower scope of the two wins). A key never
 * exceeds its owner, and an owner who loses a role loses it for their keys.
 * Platform permissions count only platform-wide, unknown ones not at all.
 */
export function keyGrants(
  keyScope: Scope,
  keyPermissions: readonly string[],
  ownerGrants: Grant[],
  catalog: PermissionCatalog,
): Grant[] {
  const grants: Grant[] = [];
  for (const g of ownerGrants) {
    const scope = within(keyScope, g.scope) ? keyScope : within(g.scope, keyScope) ? g.scope : null;
    if (!scope) continue;
    const permissions = new Set(
      keyPermissions.filter(
        (p) => g.permissions.has(p) && catalog.has(p) && (scope.type === 'platform' || catalog.get(p)!.scope !== 'platform'),
      ),
    );
    if (permissions.size > 0) grants.push({ scope, permissions });
  }
  return grants;
}

/** Who used a key on a request, kept until the response for the audit event. */
interface KeyUse {
  tenantId: string | null;
  actor: Actor;
}

export class ApiKeyAuthenticator {
  private readonly lastTouched = new Map<string, number>();
  private readonly uses = new WeakMap<FastifyRequest, KeyUse>();

  constructor(
    private readonly db: Database,
    private readonly sessions: SessionStore,
    private readonly catalog: PermissionCatalog,
  ) {}

  /**
   * The principal behind an Authorization header. Anything but a valid, live
   * key of an active user answers 401 with the reason (expired, revoked); the
   * reason is given only to whoever holds the whole key.
   */
  async authenticate(request: FastifyRequest, authorization: string): Promise<ApiKeyPrincipal> {
    const bearer = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (!bearer)
      throw new AppError('not_authenticated', 'the Authorization header must be "Bearer crmm_..." with a personal API key');
    const key = bearer[1]!;
    const format = KEY_FORMAT.exec(key);
    if (!format) throw new AppError('not_authenticated', 'API key not valid');

    const found = await this.db.withPlatform(async (tx) => {
      const row = await this.lookup(tx, format[1]!);
      if (!row || !timingSafeEqual(row.secret_hash, hashApiKey(key))) return null;
      const usable = row.revoked_at === null && !row.expired && row.owner_active;
      return { row, ownerGrants: usable ? await this.sessions.grantsOf(tx, row.user_id) : [] };
    });
    if (!found) throw new AppError('not_authenticated', 'API key not valid');
    const { row, ownerGrants } = found;

    const actor: Actor = {
      type: 'api_key',
      id: row.user_id,
      label: `${row.email} (key ${row.name})`,
      apiKeyId: row.id,
      ip: request.ip,
      requestId: request.id,
    };
    this.uses.set(request, { tenantId: row.tenant_id, actor });
    if (row.revoked_at !== null) throw new AppError('not_authenticated', 'API key revoked');
    if (row.expired) throw new AppError('not_authenticated', 'API key expired');
    if (!row.owner_active)
      throw new AppError('not_authenticated', 'the owner of this API key cannot sign in (suspended or deleted)');

    this.touch(row.id, row.tenant_id, request.ip);
    const grants = keyGrants(scopeOfKey(row), row.permissions, ownerGrants, this.catalog);
    const permissions = new Set<string>();
    for (const g of grants) for (const p of g.permissions) permissions.add(p);
    return {
      kind: 'api_key',
      userId: row.user_id,
      email: row.email,
      name: row.user_name,
      partnerId: row.owner_tenant_id,
      isPlatformAdmin: grants.some((g) => g.scope.type === 'platform'),
      sessionId: row.id,
      pendingStep: null,
      grants,
      permissions,
      apiKeyId: row.id,
      apiKeyName: row.name,
    };
  }

  /**
   * Every request made with a key, refused ones included, becomes an
   * `api_key.use` event in the owner's chain (security.md 36). Runs when the
   * response has been sent, so it knows the status.
   */
  async recordUse(request: FastifyRequest, status: number): Promise<void> {
    const use = this.uses.get(request);
    if (!use) return;
    this.uses.delete(request);
    await recordAudit(this.db, use.tenantId, use.actor, {
      action: 'api_key.use',
      targetType: 'api_key',
      targetId: use.actor.apiKeyId!,
      after: { method: request.method, route: request.routeOptions.url ?? null, path: request.url.split('?')[0], status },
    });
  }

  // One query: the key, its owner and whether both may still be used.
  private lookup(tx: Tx, prefix: string) {
    return tx
      .selectFrom('api_keys as k')
      .innerJoin('users as u', 'u.id', 'k.user_id')
      .leftJoin('partners as p', 'p.id', 'u.tenant_id')
      .select([
        'k.id',
        'k.tenant_id',
        'k.user_id',
        'k.name',
        'k.secret_hash',
        'k.permissions',
        'k.scope_type',
        'k.partner_id',
        'k.organization_id',
        'k.site_id',
        'k.revoked_at',
        'u.email',
        'u.name as user_name',
        'u.tenant_id as owner_tenant_id',
        sql<boolean>`k.expires_at is not null and k.expires_at <= now()`.as('expired'),
        sql<boolean>`u.status = 'active' and u.deleted_at is null and (u.tenant_id is null or (p.deleted_at is null and p.status = 'active'))`.as(
          'owner_active',
        ),
      ])
      .where('k.prefix', '=', prefix)
      .executeTakeFirst();
  }

  // "Last used" is written at most once a minute per key, off the request path.
  private touch(keyId: string, tenantId: string | null, ip: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    this.lastTouched.set(keyId, now);
    if (this.lastTouched.size > 50_000) this.lastTouched.clear();
    const write = (tx: Tx) =>
      tx
        .updateTable('api_keys')
        .set({ last_used_at: sql`now()`, last_used_ip: ip.slice(0, 100) })
        .where('id', '=', keyId)
        .execute();
    // A partner user's key row is written in its partner's context (RLS), a staff key's in the platform's.
    void (tenantId ? this.db.withTenant(tenantId, write) : this.db.withPlatform(write)).catch(() => undefined);
  }
}
