// The package ships no types; the reference brings ours into every program that compiles this file (e2e too).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
import http from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './ports.js';

/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port, with its
 * development login form: whatever login is typed becomes the account, and an
 * account that looks like an email address has that email. Logins starting with
 * "unverified." get email_verified: false.
 */
export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close: () => Promise<void>;
}

export async function startTestIdp(opts: { redirectUris: string[]; host?: string }): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  const clientId = 'cloudrmm';
  const clientSecret = 'idp-client-secret-9f3c1e77a2';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        ...(sub.includes('@') ? { email: sub.replace(/^unverified\./, ''), email_verified: !sub.startsWith('unverified.') } : {}),
        name: `Test ${sub.split('@')[0]}`,
      }),
    }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-idp-cookie-key'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    // A first-party client: consent is implied, as with a company's own identity provider.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ accountId: ctx.oidc.session.accountId, clientId: ctx.oidc.client.clientId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  // Its own problems (bad requests from tests on purpose) are answered to the client, not printed.
  provider.on('server_error', () => undefined);
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Plays the browser at the identity provider without one: follows its
 * redirects with its cookies, fills in the login form (or cancels it), and
 * returns the URL it finally sends the browser to (CloudRMM's callback).
 */
export async function signInAtIdp(authorizationUrl: string, login: string, options: { cancel?: boolean } = {}): Promise<URL> {
  const idpOrigin = new URL(authorizationUrl).origin;
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let init: { method: string; body?: URLSearchParams } = { method: 'GET' };
  for (let hop = 0; hop < 12; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== idpOrigin) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html)?.[1];
    if (res.status === 200 && action && html.includes('name="login"')) {
      if (options.cancel) {
        url = new URL(`${action.replace(/&amp;/g, '&')}/abort`, url);
        init = { method: 'GET' };
      } else {
        url = new URL(action.replace(/&amp;/g, '&'), url);
        init = { method: 'POST', body: new URLSearchParams({ prompt: 'login', login, password: 'any password' }) };
      }
      continue;
    }
    throw new Error(`unexpected answer ${res.status} from the identity provider at ${url.pathname}: ${html.slice(0, 300)}`);
  }
  throw new Error('too many redirects at the identity provider');
}
