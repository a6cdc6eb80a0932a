import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, notFound } from '../http/errors.js';
import type { ApiKeyAuthenticator } from './api-keys.js';
import { AGENT, AUTHENTICATED, PUBLIC, type PermissionCatalog } from './permissions.js';
import { canSee, hasPermission, type Principal, type Target } from './principal.js';
import { SESSION_COOKIE, csrfTokenMatches, type PendingStep, type SessionStore } from './sessions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route requires: a permission from the catalog, 'authenticated', 'public' or 'agent'. */
    permission?: string;
    /**
     * The route acts on a resource below its path's scope (a device, in some site of the
     * partner): the guard asks for the permission somewhere inside that scope, as for a
     * read, and the service checks it on the resource's own organization and site.
     */
    resourceScoped?: boolean;
    /** The steps a session that knows only the password may take here (the second factor, enrolment); nothing else is open to it. */
    allowPending?: PendingStep[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
  }
  interface FastifyInstance {
    /** Every route with the access it declared, for the security tests and the docs. */
    routeTable: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  permission: string | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Origins a browser may send state-changing requests and socket upgrades from. */
export function isAllowedOrigin(origin: string, request: FastifyRequest, publicUrl: string): boolean {
  if (origin === new URL(publicUrl).origin) return true;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * Default deny. Every route declares `config.permission`; the server refuses to
 * start otherwise. Each request is authenticated from its session cookie (or a
 * personal API key in `Authorization: Bearer`), checked for Origin and (with a
 * cookie) CSRF when it changes state, kept inside its own partner (404
 * outside it) and checked for the permission (403).
 */
export const guard = fp<{ catalog: PermissionCatalog; sessions: SessionStore; apiKeys: ApiKeyAuthenticator; publicUrl: string }>(
  async (app: FastifyInstance, opts) => {
    const declared: RouteOptions[] = [];
    app.decorate('routeTable', [] as RouteEntry[]);
    app.decorateRequest('principal', null);
    app.decorateRequest('sessionToken', null);

    app.addHook('onRoute', (route) => {
      declared.push(route);
    });

    app.addHook('onReady', async () => {
      const problems: string[] = [];
      for (const route of declared) {
        const permission = route.config?.permission;
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        for (const method of methods) app.routeTable.push({ method, url: route.url, permission });
        if (permission === undefined) problems.push(`${methods.join(',')} ${route.url} declares no permission`);
        else if (permission !== PUBLIC && permission !== AUTHENTICATED && permission !== AGENT && !opts.catalog.has(permission)) {
          problems.push(`${methods.join(',')} ${route.url} names unknown permission "${permission}"`);
        }
      }
      if (problems.length > 0) throw new Error(`refusing to start, unguarded routes:\n  ${problems.join('\n  ')}`);
    });

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config.permission;
      if (access === undefined) return; // not-found handler: nothing to guard

      const unsafe = !SAFE_METHODS.has(request.method);
      const origin = request.headers.origin;
      if (unsafe && origin !== undefined && !isAllowedOrigin(origin, request, opts.publicUrl)) {
        throw new AppError('origin_refused', 'requests from this origin are not accepted');
      }
      // Browsers always send Origin on a socket upgrade; without this check any site could open one with our cookie.
      // Agents are not browsers and send none; an agent route still refuses a foreign one (security.md 21).
      if (
        request.headers.upgrade?.toLowerCase() === 'websocket' &&
        (origin === undefined ? access !== AGENT : !isAllowedOrigin(origin, request, opts.publicUrl))
      ) {
        throw new AppError('origin_refused', 'socket connections from this origin are not accepted');
      }

      // Public routes (sign-in, static files, health) need nobody: no session lookup for them.
      // Agent routes authenticate agents themselves, and never by a user's cookie or key.
      if (access === PUBLIC || access === AGENT) return;

      const token = request.cookies[SESSION_COOKIE];
      // Only a Bearer header is a credential (a proxy's Basic auth is not ours to judge).
      const authorization = header(request, 'authorization');
      const bearer = authorization !== undefined && /^bearer(\s|$)/i.test(authorization.trim()) ? authorization : undefined;
      // One credential per request: never guess which of two identities was meant.
      if (token && bearer !== undefined) {
        throw new AppError('bad_request', 'send either the session cookie or an Authorization: Bearer header, not both');
      }
      if (token) {
        request.principal = await opts.sessions.resolve(token);
        if (request.principal) request.sessionToken = token;
      } else if (bearer !== undefined) {
        request.principal = await opts.apiKeys.authenticate(request, bearer);
      }
      const pending = request.principal?.pendingStep;
      const pendingAllowed = !pending || (request.routeOptions.config.allowPending ?? []).includes(pending);

      const principal = request.principal;
      if (!principal) throw new AppError('not_authenticated', 'sign in first');
      // MFA is enforced here, not in the dashboard (security.md 10).
      if (!pendingAllowed) {
        throw new AppError(
          'second_factor_required',
          pending === 'enrolment'
            ? 'your partner requires two-factor sign-in: set it up first'
            : 'enter the code from your authenticator app first',
        );
      }
      // 'authenticated' routes are about one's own account and browser session (sign-out, sessions, 2FA, API keys): never a key's business.
      if (principal.kind === 'api_key' && access === AUTHENTICATED) {
        throw new AppError('forbidden', 'an API key cannot be used on this route; sign in to the dashboard instead');
      }
      // A key arrives in a header no other site can make a browser send: only cookies need the CSRF token.
      if (unsafe && principal.kind === 'user' && !csrfTokenMatches(request.sessionToken!, header(request, 'x-csrf-token'))) {
        throw new AppError('csrf_failed', 'missing or wrong X-CSRF-Token header; reload the page');
      }
      const target = targetOf(request.params);
      if (!canSee(principal, target)) throw notFound(target.siteId ? 'site' : target.organizationId ? 'organization' : 'partner');
      // Changing something needs the permission on all of it; reading, somewhere inside it.
      const whole = unsafe && !request.routeOptions.config.resourceScoped;
      if (access !== AUTHENTICATED && !hasPermission(principal, access, target, whole)) {
        throw new AppError('forbidden', `you need the ${access} permission for this`);
      }
    });

    // Every request made with an API key is audited, with its outcome (security.md 36).
    app.addHook('onResponse', async (request, reply) => {
      await opts.apiKeys
        .recordUse(request, reply.statusCode)
        .catch((error: unknown) => request.log.warn({ err: error }, 'could not audit an API key use'));
    });
  },
  { name: 'cloudrmm-guard', dependencies: ['@fastify/cookie'] },
);

/** The partner, organization and site a route is about, from its path parameters. */
export function targetOf(params: unknown): Target {
  const p = (params ?? {}) as Record<string, string | undefined>;
  const target: Target = {};
  if (p.partnerId !== undefined) target.partnerId = p.partnerId;
  if (p.organizationId !== undefined) target.organizationId = p.organizationId;
  if (p.siteId !== undefined) target.siteId = p.siteId;
  return target;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
