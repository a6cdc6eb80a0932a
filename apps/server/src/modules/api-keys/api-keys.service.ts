import { audit, type Actor } from '../../platform/audit/audit.js';
import { newApiKey } from '../../platform/auth/api-keys.js';
import type { PermissionCatalog } from '../../platform/auth/permissions.js';
import { canDelegate, canSee, hasPermission, type Principal, type Scope } from '../../platform/auth/principal.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { apiKeysRepo, scopeLookups } from './api-keys.repository.js';
import type { ApiKeyQuery, ApiKeyRow, CreateApiKey } from './api-keys.schemas.js';

/** A key lives at most this long; a day more than a year, so "a year from today" fits whatever the time of day. */
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;

/**
 * Personal API keys (IAM6; security.md 6, 36). A user makes keys for
 * themselves only, with permissions they hold at a scope they cover. A key
 * never makes or revokes keys through /me: those routes are 'authenticated'
 * and the guard keeps keys off them, so a leaked key cannot mint itself a
 * successor. Administrators list and revoke their partner's keys.
 */
export class ApiKeysService {
  constructor(
    private readonly db: Database,
    private readonly catalog: PermissionCatalog,
  ) {}

  listMine(principal: Principal, q: ApiKeyQuery) {
    const user = this.signedInUser(principal);
    return this.inOwnerTenant(user.partnerId, (tx) => apiKeysRepo.list(tx, { userId: user.userId }, q));
  }

  async create(principal: Principal, input: CreateApiKey, actor: Actor): Promise<ApiKeyRow & { secret: string }> {
    const user = this.signedInUser(principal);
    const permissions = [...new Set(input.permissions)].sort();
    const unknown = permissions.filter((p) => !this.catalog.has(p));
    if (unknown.length)
      throw new AppError('validation_failed', `unknown permission(s): ${unknown.join(', ')}`, { field: 'permissions' });
    const expiresAt = expiry(input.expires_at);
    const scope = await this.scopeOf(principal, input);
    this.assertWithinOwnGrants(principal, permissions, scope);

    const tenantId = user.partnerId;
    return this.inOwnerTenant(tenantId, async (tx) => {
      let secret = '';
      let id: string | null = null;
      // The public id is random; on the rare clash, draw again.
      for (let attempt = 0; id === null && attempt < 5; attempt++) {
        const fresh = newApiKey();
        secret = fresh.key;
        id = await apiKeysRepo.insert(tx, {
          tenant_id: tenantId,
          user_id: user.userId,
          name: input.name.trim(),
          prefix: fresh.prefix,
          secret_hash: fresh.hash,
          permissions,
          scope_type: scope.type,
          partner_id: scope.type === 'platform' ? null : scope.partnerId,
          organization_id: scope.type === 'organization' || scope.type === 'site' ? scope.organizationId : null,
          site_id: scope.type === 'site' ? scope.siteId : null,
          expires_at: expiresAt,
        });
      }
      if (id === null) throw new Error('could not draw a free API key id');
      const row = (await apiKeysRepo.get(tx, id, {}))!;
      await audit(tx, tenantId, actor, { action: 'api_key.create', targetType: 'api_key', targetId: id, after: row });
      return { ...row, secret };
    });
  }

  revokeMine(principal: Principal, keyId: string, actor: Actor): Promise<void> {
    const user = this.signedInUser(principal);
    return this.inOwnerTenant(user.partnerId, (tx) =>
      this.revoke(tx, user.partnerId, keyId, { userId: user.userId }, user.userId, actor),
    );
  }

  /** An administrator's view: every key of the partner's users. Keys are per user, so this needs the permission partner-wide. */
  listForPartner(partnerId: string, principal: Principal, q: ApiKeyQuery) {
    if (!hasPermission(principal, 'api_keys.view', { partnerId }, true)) {
      throw new AppError('forbidden', 'you need the api_keys.view permission for the whole partner to list its API keys');
    }
    return this.db.withTenant(partnerId, (tx) => apiKeysRepo.list(tx, { tenantId: partnerId }, q));
  }

  revokeForPartner(partnerId: string, keyId: string, principal: Principal, actor: Actor): Promise<void> {
    return this.db.withTenant(partnerId, (tx) =>
      this.revoke(tx, partnerId, keyId, { tenantId: partnerId }, principal.userId, actor),
    );
  }

  // ------------------------------------------------------------------------

  /** Revoking an already revoked key changes nothing and is not an error. */
  private async revoke(
    tx: Tx,
    tenantId: string | null,
    keyId: string,
    owner: { userId?: string; tenantId?: string },
    by: string,
    actor: Actor,
  ) {
    const key = await apiKeysRepo.get(tx, keyId, owner);
    if (!key) throw notFound('API key');
    if (key.status === 'revoked') return;
    await apiKeysRepo.revoke(tx, keyId, by);
    await audit(tx, tenantId, actor, { action: 'api_key.revoke', targetType: 'api_key', targetId: keyId, before: key });
  }

  /** Keys are made and revoked by their owner in person (belt and braces: the guard already refuses keys here). */
  private signedInUser(principal: Principal) {
    if (principal.kind !== 'user')
      throw new AppError('forbidden', 'an API key cannot manage API keys; sign in to the dashboard instead');
    return principal;
  }

  /** No escalation by delegation (security.md 6): a key gets only what its owner holds at its scope. */
  private assertWithinOwnGrants(principal: Principal, permissions: string[], scope: Scope): void {
    if (scope.type === 'platform' && !principal.grants.some((g) => g.scope.type === 'platform')) {
      throw new AppError('forbidden', 'only platform staff can make platform-wide API keys');
    }
    const missing = permissions.filter((p) => !canDelegate(principal, [p], scope));
    if (missing.length) {
      throw new AppError(
        'forbidden',
        `you do not hold these permissions ${scopeWords(scope)}, so a key of yours cannot either: ${missing.join(', ')}`,
      );
    }
    if (scope.type !== 'platform') {
      const platformOnly = permissions.filter((p) => this.catalog.get(p)!.scope === 'platform');
      if (platformOnly.length) {
        throw new AppError(
          'validation_failed',
          `platform permission(s) work only in platform-wide keys: ${platformOnly.join(', ')}`,
          { field: 'permissions' },
        );
      }
    }
  }

  /**
   * The scope a request names. Ids the caller cannot see are answered like ids
   * that do not exist, so the answer confirms nothing.
   */
  private async scopeOf(principal: Principal, input: CreateApiKey): Promise<Scope> {
    if (input.scope_type === 'platform') {
      if (input.partner_id || input.organization_id || input.site_id) {
        throw new AppError('validation_failed', 'a platform-wide key takes no partner_id, organization_id or site_id', {
          field: 'scope_type',
        });
      }
      return { type: 'platform' };
    }
    const partnerId = input.partner_id ?? principal.partnerId;
    if (!partnerId)
      throw new AppError('validation_failed', 'partner_id is required: name the partner the key is for', { field: 'partner_id' });
    const unknownPartner = new AppError('validation_failed', 'partner_id is not a partner you can reach', {
      field: 'partner_id',
    });
    if ((principal.partnerId !== null && partnerId !== principal.partnerId) || !canSee(principal, { partnerId }))
      throw unknownPartner;

    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await scopeLookups.partner(tx, partnerId))) throw unknownPartner;
      if (input.scope_type === 'partner') {
        if (input.organization_id || input.site_id) {
          throw new AppError('validation_failed', 'a partner-wide key takes no organization_id or site_id', {
            field: 'scope_type',
          });
        }
        return { type: 'partner', partnerId };
      }
      if (input.scope_type === 'organization') {
        if (!input.organization_id || input.site_id) {
          throw new AppError('validation_failed', 'an organization key needs organization_id (and no site_id)', {
            field: 'organization_id',
          });
        }
        const organizationId = input.organization_id;
        if (!(await scopeLookups.organization(tx, organizationId)) || !canSee(principal, { partnerId, organizationId })) {
          throw new AppError('validation_failed', 'organization_id is not an organization of this partner', {
            field: 'organization_id',
          });
        }
        return { type: 'organization', partnerId, organizationId };
      }
      if (!input.site_id) throw new AppError('validation_failed', 'a site key needs site_id', { field: 'site_id' });
      const site = await scopeLookups.site(tx, input.site_id);
      if (!site || !canSee(principal, { partnerId, organizationId: site.organization_id, siteId: site.id })) {
        throw new AppError('validation_failed', 'site_id is not a site of this partner', { field: 'site_id' });
      }
      if (input.organization_id && input.organization_id !== site.organization_id) {
        throw new AppError('validation_failed', 'site_id is not in organization_id', { field: 'site_id' });
      }
      return { type: 'site', partnerId, organizationId: site.organization_id, siteId: site.id };
    });
  }

  private inOwnerTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return tenantId ? this.db.withTenant(tenantId, fn) : this.db.withPlatform(fn);
  }
}

function expiry(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at) || at <= Date.now())
    throw new AppError('validation_failed', 'expires_at must be in the future', { field: 'expires_at' });
  if (at > Date.now() + MAX_LIFETIME_MS)
    throw new AppError('validation_failed', 'expires_at can be at most a year away', { field: 'expires_at' });
  return new Date(at).toISOString();
}

function scopeWords(scope: Scope): string {
  switch (scope.type) {
    case 'platform':
      return 'platform-wide';
    case 'partner':
      return 'across the whole partner';
    case 'organization':
      return 'in that organization';
    case 'site':
      return 'at that site';
  }
}
