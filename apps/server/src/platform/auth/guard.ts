import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, notFound } from '../http/errors.js';
import { AUTHENTICATED, PUBLIC, type PermissionCatalog } from './permissions.js';
import { canEnterPartner, type Principal } from './principal.js';
import { SESSION_COOKIE, csrfTokenMatches, type SessionStore } from './sessions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route requires: a permission from the catalog, 'authenticated' or 'public'. */
    permission?: string;
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
 * start otherwise. Each request is authenticated from its session cookie, checked
 * for Origin and CSRF when it changes state, kept inside its own partner (404
 * outside it) and checked for the permission (403).
 */
export const guard = fp<{ catalog: PermissionCatalog; sessions: SessionStore; publicUrl: string }>(
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
        else if (permission !== PUBLIC && permission !== AUTHENTICATED && !opts.catalog.has(permission)) {
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

      const token = request.cookies[SESSION_COOKIE];
      if (token) {
        request.principal = await opts.sessions.resolve(token);
        if (request.principal) request.sessionToken = token;
      }
      if (access === PUBLIC) return;

      const principal = request.principal;
      if (!principal) throw new AppError('not_authenticated', 'sign in first');
      if (unsafe && !csrfTokenMatches(request.sessionToken!, header(request, 'x-csrf-token'))) {
        throw new AppError('csrf_failed', 'missing or wrong X-CSRF-Token header; reload the page');
      }
      const partnerId = (request.params as Record<string, string> | undefined)?.partnerId;
      if (partnerId !== undefined && !canEnterPartner(principal, partnerId)) throw notFound('partner');
      if (access !== AUTHENTICATED && !principal.permissions.has(access)) {
        throw new AppError('forbidden', `you need the ${access} permission for this`);
      }
    });
  },
  { name: 'cloudrmm-guard', dependencies: ['@fastify/cookie'] },
);

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
