import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { audit, recordAudit, type Actor } from '../../platform/audit/audit.js';
import type { PermissionCatalog } from '../../platform/auth/permissions.js';
import { canDelegate, type Principal } from '../../platform/auth/principal.js';
import type { Database } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import type { SecretBox } from '../../platform/secrets.js';
import { AccessService } from '../access/index.js';
import { FLOW_TTL_SECONDS, safeRedirect, type SsoFlow } from './sso.flow.js';
import { describeOidcError, OidcClients, SCOPE, type IdentityProvider } from './sso.oidc.js';
import { domainsRepo, partnersLookup, settingsRepo, usersRepo, type SettingsRow } from './sso.repository.js';
import type { DiscoverResult, SsoSettingsView, SsoTestResult, TestSsoConnection, UpdateSsoSettings } from './sso.schemas.js';

export const CALLBACK_PATH = '/api/v1/auth/sso/callback';
export const startPath = (slug: string) => `/api/v1/auth/sso/${encodeURIComponent(slug)}/start`;

/**
 * Why a single sign-on ended on the sign-in page. The code travels in the URL
 * (`/login?error=<code>`) and the dashboard words it; the reason is for the
 * audit log and the server log only.
 */
export type SignInErrorCode =
  | 'sso_unavailable'
  | 'sso_idp_unreachable'
  | 'sso_expired'
  | 'sso_state'
  | 'sso_denied'
  | 'sso_failed'
  | 'sso_email_missing'
  | 'sso_email_unverified'
  | 'sso_domain'
  | 'sso_email_in_use'
  | 'sso_account_disabled';

export class SignInError extends Error {
  constructor(
    readonly code: SignInErrorCode,
    readonly reason: string,
    /** Known once the identity provider has answered. */
    readonly email: string | null = null,
  ) {
    super(reason);
  }
}

export interface SignedInUser {
  id: string;
  tenant_id: string;
  email: string;
  provisioned: boolean;
}

/**
 * Single sign-on through OpenID Connect, one identity provider per partner
 * (IAM7): its settings, the redirect to the provider, and the sign-in or
 * just-in-time provisioning of the person it vouches for.
 */
export class SsoService {
  private readonly db: Database;
  private readonly secrets: SecretBox;
  private readonly catalog: PermissionCatalog;
  private readonly publicUrl: string;
  private readonly access: AccessService;
  readonly clients: OidcClients;

  constructor(ctx: ModuleContext) {
    this.db = ctx.db;
    this.secrets = ctx.secrets;
    this.catalog = ctx.catalog;
    this.publicUrl = ctx.config.publicUrl;
    this.access = new AccessService(ctx.db, ctx.catalog);
    // A deployment behind TLS talks to identity providers over TLS only.
    this.clients = new OidcClients(ctx.config.publicUrl.startsWith('http:'));
  }

  get redirectUri(): string {
    return `${this.publicUrl}${CALLBACK_PATH}`;
  }

  // Settings ---------------------------------------------------------------

  getSettings(partnerId: string): Promise<SsoSettingsView> {
    return this.db.withTenant(partnerId, async (tx) => {
      const slug = (await partnersLookup.slug(tx, partnerId)) ?? throwNotFound('partner');
      return this.view(partnerId, slug, await settingsRepo.get(tx), await domainsRepo.list(tx, partnerId));
    });
  }

  async updateSettings(
    partnerId: string,
    input: UpdateSsoSettings,
    principal: Principal,
    actor: Actor,
  ): Promise<SsoSettingsView> {
    if (input.issuer_url !== undefined && input.issuer_url.trim() !== '') {
      const problem = this.clients.issuerProblem(input.issuer_url.trim());
      if (problem) throw new AppError('validation_failed', `issuer_url ${problem}`, { field: 'issuer_url' });
    }
    const domains = input.allowed_domains === undefined ? undefined : normalizeDomains(input.allowed_domains);
    if (input.default_role_id) await this.assertDefaultRole(partnerId, input.default_role_id, principal);
    // A domain leads to one identity provider; the unique key below still decides a race, without naming the domain.
    const claimed = domains ? await this.db.withPlatform((tx) => domainsRepo.claimedElsewhere(tx, partnerId, domains)) : [];
    if (claimed.length > 0) throw domainTaken(claimed.join(', '));

    return this.db
      .withTenant(partnerId, async (tx) => {
        const slug = (await partnersLookup.slug(tx, partnerId)) ?? throwNotFound('partner');
        const current = await settingsRepo.get(tx);
        const currentDomains = await domainsRepo.list(tx, partnerId);
        if (input.version !== (current?.version ?? 0)) throw staleVersion('the single sign-on settings');

        const next = {
          issuer_url: input.issuer_url !== undefined ? input.issuer_url.trim() : (current?.issuer_url ?? ''),
          client_id: input.client_id !== undefined ? input.client_id.trim() : (current?.client_id ?? ''),
          client_secret_encrypted:
            input.client_secret !== undefined
              ? this.secrets.encrypt(input.client_secret, secretContext(partnerId))
              : (current?.client_secret_encrypted ?? null),
          default_role_id: input.default_role_id !== undefined ? input.default_role_id : (current?.default_role_id ?? null),
          enabled: input.enabled ?? current?.enabled ?? false,
          require_sso: input.require_sso ?? current?.require_sso ?? false,
        };
        const nextDomains = domains ?? currentDomains;
        assertComplete(next, nextDomains);

        const saved = current
          ? await settingsRepo.update(tx, input.version, next)
          : await settingsRepo.insert(tx, partnerId, next);
        if (!saved) throw staleVersion('the single sign-on settings');
        if (domains && domains.join() !== currentDomains.join()) await domainsRepo.replace(tx, partnerId, domains);

        const before = current ? auditView(current, currentDomains) : null;
        const after = auditView(saved, nextDomains);
        const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before?.[k]));
        if (input.client_secret !== undefined) changed.push('client_secret');
        await audit(tx, partnerId, actor, {
          action: 'sso.update',
          targetType: 'partner',
          targetId: partnerId,
          before,
          after: { ...after, changed },
        });
        return this.view(partnerId, slug, saved, nextDomains);
      })
      .catch((error: unknown) => {
        const pg = error as { code?: string; constraint?: string };
        if (pg.code === '23505' && pg.constraint === 'sso_domains_pkey') throw domainTaken('one of these domains');
        throw error;
      });
  }

  /** Runs discovery against the issuer (saved, or given to try before saving) and reports what it found. */
  async testConnection(partnerId: string, input: TestSsoConnection, actor: Actor): Promise<SsoTestResult> {
    const saved = await this.db.withTenant(partnerId, async (tx) => {
      if (!(await partnersLookup.slug(tx, partnerId))) throw notFound('partner');
      return settingsRepo.get(tx);
    });
    const issuerUrl = (input.issuer_url ?? saved?.issuer_url ?? '').trim();
    const clientId = (input.client_id ?? saved?.client_id ?? '').trim();
    const result = await this.probe(issuerUrl, clientId, input.client_secret ?? null, saved);
    await recordAudit(this.db, partnerId, actor, {
      action: 'sso.test',
      targetType: 'partner',
      targetId: partnerId,
      after: { issuer_url: issuerUrl, ok: result.ok, message: result.message },
    });
    return result;
  }

  private async probe(issuerUrl: string, clientId: string, secret: string | null, saved: SettingsRow): Promise<SsoTestResult> {
    if (!issuerUrl) return { ok: false, message: 'Enter the issuer URL of your identity provider first.', warnings: [] };
    const problem = this.clients.issuerProblem(issuerUrl);
    if (problem) return { ok: false, message: `The issuer URL ${problem}.`, warnings: [] };
    // Discovery is anonymous: the client credentials are only checked when a code is exchanged.
    const hasSecret = Boolean(secret ?? saved?.client_secret_encrypted);
    let metadata: oidc.ServerMetadata;
    try {
      metadata = (
        await this.clients.discover({ issuerUrl, clientId: clientId || 'cloudrmm', clientSecret: '' })
      ).serverMetadata();
    } catch (error) {
      return {
        ok: false,
        message: `Discovery at ${issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration failed: ${describeOidcError(error)}.`,
        warnings: [],
      };
    }
    const warnings: string[] = [];
    const problems: string[] = [];
    if (!metadata.authorization_endpoint) problems.push('it names no authorization endpoint');
    if (!metadata.token_endpoint) problems.push('it names no token endpoint');
    if (metadata.response_types_supported && !metadata.response_types_supported.includes('code'))
      problems.push('it does not support the authorization code flow');
    if (metadata.code_challenge_methods_supported && !metadata.code_challenge_methods_supported.includes('S256')) {
      warnings.push('The provider does not list PKCE (S256) support; sign-in may fail.');
    }
    if (metadata.scopes_supported && !metadata.scopes_supported.includes('email'))
      warnings.push('The provider does not list the "email" scope; CloudRMM needs the email address.');
    if (!clientId) warnings.push('No client ID is set yet.');
    if (!hasSecret) warnings.push('No client secret is set yet.');
    const found = {
      issuer: metadata.issuer,
      ...(metadata.authorization_endpoint ? { authorization_endpoint: metadata.authorization_endpoint } : {}),
      ...(metadata.token_endpoint ? { token_endpoint: metadata.token_endpoint } : {}),
      ...(metadata.userinfo_endpoint ? { userinfo_endpoint: metadata.userinfo_endpoint } : {}),
      ...(metadata.jwks_uri ? { jwks_uri: metadata.jwks_uri } : {}),
      ...(metadata.scopes_supported ? { scopes_supported: metadata.scopes_supported } : {}),
    };
    if (problems.length > 0)
      return { ok: false, message: `The provider was found, but ${problems.join(' and ')}.`, warnings, ...found };
    return {
      ok: true,
      message: `Found the identity provider ${metadata.issuer}. The client ID and secret are checked at the first sign-in.`,
      warnings,
      ...found,
    };
  }

  // Sign-in ----------------------------------------------------------------

  /**
   * Whether an email signs in through its partner's identity provider. The
   * answer depends on the domain only, never on whether an account exists.
   */
  async discover(email: string, actor: Actor): Promise<DiscoverResult> {
    const domain = domainOf(email);
    const partnerId = domain ? await this.db.withPlatform((tx) => domainsRepo.partnerOf(tx, domain)) : null;
    if (!partnerId) return { sso: false };
    const found = await this.db.withPlatform((tx) => partnersLookup.activeById(tx, partnerId));
    if (!found) return { sso: false };
    return this.db.withTenant(partnerId, async (tx) => {
      const settings = await settingsRepo.get(tx);
      if (!usable(settings)) return { sso: false };
      await audit(tx, partnerId, actor, {
        action: 'auth.sso_discover',
        targetType: 'partner',
        targetId: partnerId,
        after: { email_domain: domain },
      });
      return { sso: true, start_url: startPath(found.slug), required: settings.require_sso };
    });
  }

  /** The identity provider's authorization URL, and the flow the browser keeps until it comes back. */
  async start(
    slug: string,
    options: { redirect?: string | undefined; loginHint?: string | undefined },
  ): Promise<{ url: string; flow: SsoFlow }> {
    const partner = await this.db.withPlatform((tx) => partnersLookup.bySlug(tx, slug.toLowerCase()));
    if (!partner) throw new SignInError('sso_unavailable', `no active partner "${slug}"`);
    const settings = await this.db.withTenant(partner.id, (tx) => settingsRepo.get(tx));
    if (!usable(settings)) throw new SignInError('sso_unavailable', 'single sign-on is not enabled for this partner');
    const config = await this.configuration(partner.id, settings).catch((error: unknown) => {
      throw new SignInError('sso_idp_unreachable', `discovery failed: ${describeOidcError(error)}`);
    });
    const flow: SsoFlow = {
      partnerId: partner.id,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      redirect: safeRedirect(options.redirect),
      expiresAt: Date.now() + FLOW_TTL_SECONDS * 1000,
    };
    const loginHint = options.loginHint?.trim();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
      ...(loginHint ? { login_hint: loginHint } : {}),
    });
    return { url: url.href, flow };
  }

  /**
   * The identity provider's answer: checks state, nonce, issuer, audience and
   * the email, then finds the partner's user with that email or provisions one.
   * A user of another partner (or platform staff) with the same email is never
   * matched: the lookup runs inside this partner only.
   */
  async complete(flow: SsoFlow, callbackUrl: URL): Promise<SignedInUser> {
    const partner = await this.db.withPlatform((tx) => partnersLookup.activeById(tx, flow.partnerId));
    if (!partner) throw new SignInError('sso_unavailable', 'the partner is no longer active');
    const settings = await this.db.withTenant(partner.id, (tx) => settingsRepo.get(tx));
    if (!usable(settings)) throw new SignInError('sso_unavailable', 'single sign-on was disabled during the sign-in');

    const returnedState = callbackUrl.searchParams.get('state') ?? '';
    if (!sameString(returnedState, flow.state))
      throw new SignInError('sso_state', 'the state returned by the identity provider does not match this browser’s sign-in');

    const config = await this.configuration(partner.id, settings).catch((error: unknown) => {
      throw new SignInError('sso_idp_unreachable', `discovery failed: ${describeOidcError(error)}`);
    });
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      // Validates the response's issuer and state, then the ID token: signature (without TLS), iss, aud, exp, nonce.
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      const code =
        error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied' ? 'sso_denied' : 'sso_failed';
      throw new SignInError(code, describeOidcError(error));
    }
    const claims = tokens.claims();
    if (!claims) throw new SignInError('sso_failed', 'the identity provider returned no ID token');

    let email: unknown = claims.email;
    let verified: unknown = claims.email_verified;
    let name: unknown = claims.name;
    if (typeof email !== 'string') {
      // Many providers put the email only in the UserInfo answer, for the same subject.
      try {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        email = info.email;
        verified = info.email_verified ?? verified;
        name = name ?? info.name ?? ([info.given_name, info.family_name].filter(Boolean).join(' ') || undefined);
      } catch (error) {
        throw new SignInError('sso_failed', `reading the user's email failed: ${describeOidcError(error)}`);
      }
    }
    if (typeof email !== 'string' || !email.includes('@'))
      throw new SignInError('sso_email_missing', 'the identity provider sent no email address');
    const normalized = email.trim().toLowerCase();
    // Only refused when the provider says so: not every provider sends the claim.
    if (verified === false || verified === 'false')
      throw new SignInError('sso_email_unverified', 'the identity provider marks the email as unverified', normalized);
    const domains = await this.db.withTenant(partner.id, (tx) => domainsRepo.list(tx, partner.id));
    if (!domains.includes(domainOf(normalized) ?? '')) {
      throw new SignInError('sso_domain', `${domainOf(normalized)} is not an allowed domain of this partner`, normalized);
    }

    const existing = await this.db.withTenant(partner.id, (tx) => usersRepo.byEmail(tx, partner.id, normalized));
    if (existing) {
      if (existing.status === 'suspended') throw new SignInError('sso_account_disabled', 'the account is suspended', normalized);
      if (existing.status === 'invited') await this.acceptInvitation(partner.id, existing.id, normalized);
      return { id: existing.id, tenant_id: partner.id, email: existing.email, provisioned: false };
    }
    return this.provision(partner.id, settings, normalized, typeof name === 'string' ? name : '');
  }

  /** The identity provider vouches for the invited person: the invitation is accepted by signing in. */
  private acceptInvitation(partnerId: string, userId: string, email: string): Promise<void> {
    return this.db.withTenant(partnerId, async (tx) => {
      await usersRepo.activateInvited(tx, userId);
      await audit(
        tx,
        partnerId,
        { type: 'user', id: userId, label: email },
        { action: 'user.activate', targetType: 'user', targetId: userId, after: { method: 'sso' } },
      );
    });
  }

  private async provision(partnerId: string, settings: UsableSettings, email: string, name: string): Promise<SignedInUser> {
    const roleId = settings.default_role_id;
    await this.access.getRole(partnerId, roleId).catch(() => {
      throw new SignInError('sso_unavailable', 'the default role for new users no longer exists', email);
    });
    try {
      return await this.db.withTenant(partnerId, async (tx) => {
        const user = await usersRepo.provision(tx, partnerId, { email, name: name.trim().slice(0, 200) });
        await usersRepo.assignPartnerRole(tx, partnerId, user.id, roleId);
        const actor: Actor = { type: 'user', id: user.id, label: email };
        await audit(tx, partnerId, actor, {
          action: 'user.provision',
          targetType: 'user',
          targetId: user.id,
          after: { email, name: name.trim(), method: 'sso', role_id: roleId, scope_type: 'partner' },
        });
        return { id: user.id, tenant_id: partnerId, email: user.email, provisioned: true };
      });
    } catch (error) {
      // Emails are unique across CloudRMM: this one belongs to another partner's user or to platform staff.
      if ((error as { code?: string }).code === '23505') {
        throw new SignInError('sso_email_in_use', 'the email belongs to another CloudRMM account', email);
      }
      throw error;
    }
  }

  private configuration(partnerId: string, settings: UsableSettings): Promise<oidc.Configuration> {
    const idp: IdentityProvider = {
      issuerUrl: settings.issuer_url,
      clientId: settings.client_id,
      clientSecret: this.secrets.decrypt(settings.client_secret_encrypted, secretContext(partnerId)),
    };
    return this.clients.configuration(`${partnerId}:${settings.version}`, idp);
  }

  // ------------------------------------------------------------------------

  /** No escalation by delegation (security.md 6): the default role holds nothing the caller could not hand out. */
  private async assertDefaultRole(partnerId: string, roleId: string, principal: Principal): Promise<void> {
    const role = await this.access.getRole(partnerId, roleId).catch(() => {
      throw new AppError('validation_failed', 'default_role_id is not a role of this partner', { field: 'default_role_id' });
    });
    const permissions = role.permissions.filter((p) => this.catalog.get(p)?.scope === 'partner');
    if (!canDelegate(principal, permissions, { type: 'partner', partnerId })) {
      throw new AppError('forbidden', `you cannot make "${role.name}" the default role: it holds permissions you do not hold`);
    }
  }

  private view(partnerId: string, slug: string, row: SettingsRow, domains: string[]): SsoSettingsView {
    return {
      partner_id: partnerId,
      enabled: row?.enabled ?? false,
      require_sso: row?.require_sso ?? false,
      issuer_url: row?.issuer_url ?? '',
      client_id: row?.client_id ?? '',
      client_secret_set: Boolean(row?.client_secret_encrypted),
      allowed_domains: domains,
      default_role_id: row?.default_role_id ?? null,
      redirect_uri: this.redirectUri,
      start_url: `${this.publicUrl}${startPath(slug)}`,
      version: row?.version ?? 0,
      updated_at: row?.updated_at ?? null,
    };
  }
}

type UsableSettings = NonNullable<SettingsRow> & { client_secret_encrypted: string; default_role_id: string };

function usable(settings: SettingsRow): settings is UsableSettings {
  return Boolean(
    settings?.enabled &&
    settings.issuer_url &&
    settings.client_id &&
    settings.client_secret_encrypted &&
    settings.default_role_id,
  );
}

/** Enabled settings are complete; required sign-on is enabled sign-on. */
function assertComplete(
  next: {
    issuer_url: string;
    client_id: string;
    client_secret_encrypted: string | null;
    default_role_id: string | null;
    enabled: boolean;
    require_sso: boolean;
  },
  domains: string[],
): void {
  if (next.require_sso && !next.enabled) {
    throw new AppError('validation_failed', 'single sign-on must be enabled before it can be required', { field: 'require_sso' });
  }
  if (!next.enabled) return;
  const missing: [string, boolean][] = [
    ['issuer_url', !next.issuer_url],
    ['client_id', !next.client_id],
    ['client_secret', !next.client_secret_encrypted],
    ['allowed_domains', domains.length === 0],
    ['default_role_id', !next.default_role_id],
  ];
  const first = missing.find(([, isMissing]) => isMissing);
  if (first) throw new AppError('validation_failed', `${first[0]} is needed to enable single sign-on`, { field: first[0] });
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

function normalizeDomains(values: string[]): string[] {
  const out = new Set<string>();
  for (const raw of values) {
    const domain = raw.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '');
    if (!DOMAIN.test(domain))
      throw new AppError('validation_failed', `"${raw}" is not an email domain (e.g. example.com)`, { field: 'allowed_domains' });
    out.add(domain);
  }
  return [...out].sort();
}

export function domainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  return (
    email
      .slice(at + 1)
      .trim()
      .toLowerCase()
      .replace(/\.$/, '') || null
  );
}

/** What the audit log keeps of the settings: everything but the secret. */
function auditView(row: NonNullable<SettingsRow>, domains: string[]): Record<string, unknown> {
  return {
    issuer_url: row.issuer_url,
    client_id: row.client_id,
    allowed_domains: domains,
    default_role_id: row.default_role_id,
    enabled: row.enabled,
    require_sso: row.require_sso,
  };
}

const domainTaken = (domains: string) =>
  new AppError('conflict', `${domains} is already used for single sign-on by another partner`, { field: 'allowed_domains' });

function throwNotFound(what: string): never {
  throw notFound(what);
}

export const secretContext = (partnerId: string) => `sso:${partnerId}`;

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
