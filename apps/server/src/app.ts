import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { MAX_FRAME_BYTES } from '@cloudrmm/protocol';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { modules as allModules } from './modules/index.js';
import { ApiKeyAuthenticator } from './platform/auth/api-keys.js';
import { guard } from './platform/auth/guard.js';
import { buildCatalog, PUBLIC } from './platform/auth/permissions.js';
import { SessionStore } from './platform/auth/sessions.js';
import type { Database } from './platform/db/database.js';
import { AppError } from './platform/http/errors.js';
import { ErrorBody } from './platform/http/schemas.js';
import { securityHeaders } from './platform/http/security-headers.js';
import { LocalBus } from './platform/bus/bus.js';
import { registerAgentGateway, UnavailableAgentLink } from './platform/gateway/index.js';
import type { GatewayTimings } from './platform/gateway/gateway.js';
import { liveSocket } from './platform/live/live.js';
import { createMailer, type Mailer } from './platform/mail/mailer.js';
import type { CloudRmmModule, ModuleContext } from './platform/modules/define.js';
import type { SecretBox } from './platform/secrets.js';

export interface AppDeps {
  config: Config;
  db: Database;
  log: Logger;
  secrets: SecretBox;
  /** Outgoing mail; built from config (SMTP_URL, or the log) when not given. */
  mailer?: Mailer;
  modules?: CloudRmmModule[];
  /** Sweep intervals of the agent gateway (tests shorten them). */
  gatewayTimings?: Partial<GatewayTimings>;
  /** Extra routes (tests use this to prove unguarded routes are refused). */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
}

/**
 * Builds the HTTP application for the roles in config. It does not listen:
 * main.ts does, and tests use app.inject().
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance & { ctx: ModuleContext }> {
  const { config, db, log } = deps;
  const modules = deps.modules ?? allModules;
  const catalog = buildCatalog(modules);
  const sessions = new SessionStore(db, catalog, config.sessionTtlHours);
  const mailer = deps.mailer ?? createMailer(config, log);
  const bus = new LocalBus((error, topic) => log.warn({ err: error, topic }, 'a bus subscriber failed'));
  // Replaced by the gateway below when this process holds agent sockets.
  const agents = new UnavailableAgentLink();
  const ctx: ModuleContext = { config, db, log, catalog, sessions, secrets: deps.secrets, mailer, bus, agents };

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    bodyLimit: 1024 * 1024,
    genReqId: () => randomUUID(),
    // One line per request is noise at this volume; errors are logged with their request id.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  app.decorate('ctx', ctx);
  if (!deps.mailer) app.addHook('onClose', async () => mailer.close());

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.extra.retryAfterSeconds) reply.header('retry-after', String(error.extra.retryAfterSeconds));
      return reply.code(error.status).send(error.toJSON());
    }
    if (error.validation) {
      const first = error.validation[0];
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const field = missing ?? extra ?? first?.instancePath.replace(/^\//, '').replace(/\//g, '.') ?? '';
      const where = error.validationContext === 'body' || !error.validationContext ? '' : ` (${error.validationContext})`;
      const message = extra
        ? `${extra}${where} is not a known field`
        : missing
          ? `${missing}${where} is required`
          : `${field || error.validationContext}${where} ${first?.message ?? 'is invalid'}`;
      return reply.code(400).send(new AppError('validation_failed', message, field ? { field } : {}).toJSON());
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(500)
        .send(
          new AppError(
            'internal_error',
            `something went wrong on the server (request ${request.id}); it has been logged`,
          ).toJSON(),
        );
    }
    const codes: Record<number, string> = {
      403: 'forbidden',
      404: 'not_found',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
    };
    const code = codes[status] ?? 'bad_request';
    return reply.code(status).send({ error: { code, message: error.message } });
  });

  await app.register(fastifyCookie);
  // Before the guard: its hooks must see every upgrade, including the ones the guard refuses.
  // One socket server for all routes, sized for the largest agent frame (security.md 20);
  // the browser's live socket enforces its own smaller limit.
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  await app.register(securityHeaders, { publicUrl: config.publicUrl });
  await app.register(guard, {
    catalog,
    sessions,
    apiKeys: new ApiKeyAuthenticator(db, sessions, catalog),
    publicUrl: config.publicUrl,
  });
  app.addSchema(ErrorBody);

  app.get('/healthz', { config: { permission: PUBLIC }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { permission: PUBLIC }, schema: { hide: true } }, async (_req, reply) => {
    try {
      await db.ping();
      return { status: 'ready', roles: [...config.roles] };
    } catch (error) {
      return reply.code(503).send({ status: 'not_ready', reason: `database unreachable: ${(error as Error).message}` });
    }
  });

  if (config.roles.has('api')) {
    await app.register(liveSocket, { db, bus, events: modules.flatMap((m) => m.liveEvents ?? []) });
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'CloudRMM API',
          version: '1',
          description:
            'REST API of CloudRMM. Sign in with POST /api/v1/auth/login; state-changing requests need the X-CSRF-Token header from the session. Scripts send a personal API key instead (`Authorization: Bearer crmm_...`, made under /me/api-keys), without cookie or CSRF token.',
        },
        tags: [
          { name: 'auth' },
          { name: 'tenancy' },
          { name: 'access' },
          { name: 'audit' },
          { name: 'sso' },
          { name: 'api-keys' },
          { name: 'users' },
          { name: 'devices' },
          { name: 'enrollment' },
          { name: 'agent', description: 'Called by agents, not people: bootstrap and enrollment' },
        ],
      },
      refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string | undefined) ?? `def-${i}` },
    });
    await app.register(
      async (api) => {
        for (const m of modules) if (m.routes) await m.routes(api, ctx);
        api.get('/openapi.json', { config: { permission: PUBLIC }, schema: { hide: true } }, async () => app.swagger());
      },
      { prefix: '/api/v1' },
    );
    await app.register(async (docs) => {
      markPublic(docs);
      await docs.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { url: '/api/v1/openapi.json' } });
    });
    if (config.webDir && existsSync(path.join(config.webDir, 'index.html'))) {
      await app.register(async (web) => {
        markPublic(web);
        await web.register(fastifyStatic, {
          root: config.webDir!,
          wildcard: true,
          index: ['index.html'],
          decorateReply: true,
          // API-looking paths (e.g. /api/v1//partners) are never files: they get the JSON 404.
          allowedPath: (pathName) => !API_PATH.test(pathName),
        });
      });
    }
  }
  if (config.roles.has('gateway')) {
    const gateway = await registerAgentGateway(app, ctx, modules, deps.gatewayTimings);
    if (gateway) ctx.agents = gateway;
    for (const m of modules) {
      const gatewayRoutes = m.gatewayRoutes;
      if (gatewayRoutes) await app.register(async (scope) => gatewayRoutes(scope, ctx));
    }
  }
  if (deps.extraRoutes) await app.register(deps.extraRoutes);

  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    const isApi = API_PATH.test(url);
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !isApi && !path.extname(url.split('?')[0]!);
    if (wantsPage && config.webDir && existsSync(path.join(config.webDir, 'index.html'))) {
      // Dashboard routes are client-side: hand the single page to the browser.
      return reply.type('text/html').sendFile('index.html', config.webDir);
    }
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no such route: ${request.method} ${url.split('?')[0]}` } });
  });

  return app as unknown as FastifyInstance & { ctx: ModuleContext };
}

const API_PATH = /^\/+(api|agent|docs|install)(\/|$)/i;

/** Routes of static files and the API docs are public; they declare so for the guard. */
function markPublic(scope: FastifyInstance) {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), permission: route.config?.permission ?? PUBLIC };
  });
}
