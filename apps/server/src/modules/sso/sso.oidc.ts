import * as oidc from 'openid-client';

/** What CloudRMM needs to talk to one partner's identity provider. */
export interface IdentityProvider {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
}

const TIMEOUT_SECONDS = 10;
const CACHE_MS = 5 * 60_000;
export const SCOPE = 'openid email profile';

/**
 * OpenID Connect client configurations, discovered from each partner's issuer.
 * A discovery is reused for a few minutes per settings version, so a sign-in
 * does not fetch the provider's metadata twice (start and callback) and a saved
 * change takes effect at once.
 */
export class OidcClients {
  private readonly cache = new Map<string, { config: oidc.Configuration; until: number }>();

  /** allowPlainHttp: CloudRMM itself runs without TLS (development), so its IdP may too. */
  constructor(private readonly allowPlainHttp: boolean) {}

  async configuration(key: string, idp: IdentityProvider): Promise<oidc.Configuration> {
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.config;
    const config = await this.discover(idp);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, { config, until: Date.now() + CACHE_MS });
    return config;
  }

  discover(idp: IdentityProvider): Promise<oidc.Configuration> {
    const execute: ((config: oidc.Configuration) => void)[] = [];
    if (new URL(idp.issuerUrl).protocol === 'http:') {
      // Without TLS nothing vouches for the token endpoint's answer: check the ID token's signature instead.
      execute.push(oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks);
    }
    // client_secret_basic is the OpenID Connect default every provider accepts; without a secret, only metadata is read.
    const auth = idp.clientSecret ? oidc.ClientSecretBasic(idp.clientSecret) : oidc.None();
    return oidc.discovery(new URL(idp.issuerUrl), idp.clientId, idp.clientSecret || undefined, auth, {
      execute,
      timeout: TIMEOUT_SECONDS,
    });
  }

  /** An issuer URL CloudRMM will talk to, or why not. */
  issuerProblem(value: string): string | null {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return 'is not a URL';
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowPlainHttp)) return 'must start with https://';
    if (url.username || url.password) return 'must not contain a user name or password';
    if (url.search || url.hash) return 'must not contain a query or fragment';
    return null;
  }
}

/** A readable reason for a failed call to an identity provider, without echoing what it answered. */
export function describeOidcError(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) {
    return `the identity provider answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof oidc.ResponseBodyError) {
    return `the identity provider refused the request (${error.error}${error.error_description ? `: ${error.error_description}` : ''})`;
  }
  if (error instanceof oidc.ClientError) {
    const cause: unknown = error.cause;
    if (cause instanceof Response) return `${error.message} (HTTP ${cause.status})`;
    if (cause instanceof Error && cause.message && cause.message !== error.message) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${TIMEOUT_SECONDS} seconds`;
  if (e.message === 'fetch failed') return `could not connect (${e.cause?.code ?? e.cause?.message ?? 'network error'})`;
  return e.message ?? String(error);
}
