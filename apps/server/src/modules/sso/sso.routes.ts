import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, recordAudit, type Actor } from '../../platform/audit/audit.js';
import { setSessionCookie } from '../../platform/auth/index.js';
import { PUBLIC } from '../../platform/auth/permissions.js';
import { SESSION_COOKIE } from '../../platform/auth/sessions.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { FLOW_COOKIE, FLOW_COOKIE_PATH, FLOW_TTL_SECONDS, openFlow, sealFlow } from './sso.flow.js';
import {
  DiscoverBody,
  DiscoverResult,
  PartnerParams,
  SsoSettings,
  SsoTestResult,
  StartParams,
  StartQuery,
  TestSsoConnection,
  UpdateSsoSettings,
} from './sso.schemas.js';
import { SignInError, type SsoService } from './sso.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['sso'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function ssoRoutes(root: FastifyInstance, service: SsoService, ctx: ModuleContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const S = '/partners/:partnerId/sso';

  // The partner's settings
  app.get(
    S,
    {
      config: { permission: 'sso.manage' },
      schema: {
        ...doc('getSsoSettings', 'sso.manage', "The partner's single sign-on settings; the client secret is never returned."),
        params: PartnerParams,
        response: { 200: SsoSettings, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getSettings(req.params.partnerId),
  );
  app.patch(
    S,
    {
      config: { permission: 'sso.manage' },
      schema: {
        ...doc(
          'updateSsoSettings',
          'sso.manage',
          'Creates or changes the single sign-on settings; fields left out (the client secret too) keep their value.',
        ),
        params: PartnerParams,
        body: UpdateSsoSettings,
        response: { 200: SsoSettings, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.updateSettings(req.params.partnerId, req.body, req.principal!, actorOf(req)),
  );
  app.post(
    `${S}/test`,
    {
      config: { permission: 'sso.manage' },
      schema: {
        ...doc(
          'testSsoConnection',
          'sso.manage',
          'Runs OpenID Connect discovery against the issuer (saved, or given here to try before saving) and reports what it found.',
        ),
        params: PartnerParams,
        body: TestSsoConnection,
        response: { 200: SsoTestResult, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.testConnection(req.params.partnerId, req.body, actorOf(req)),
  );

  // Sign-in, before anyone is signed in
  app.post(
    '/auth/sso/discover',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'discoverSso',
          PUBLIC,
          'Whether an email signs in through single sign-on, and where to start. The answer depends on the email domain only.',
        ),
        body: DiscoverBody,
        response: { 200: DiscoverResult, ...errorResponses(400) },
      },
    },
    (req) => service.discover(req.body.email, actorOf(req)),
  );
  app.get(
    '/auth/sso/:partnerSlug/start',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'startSso',
          PUBLIC,
          "Redirects to the partner's identity provider (authorization code flow with PKCE, state and nonce), or to /login?error=<code>.",
        ),
        params: StartParams,
        querystring: StartQuery,
      },
    },
    async (req, reply) => {
      try {
        const { url, flow } = await service.start(req.params.partnerSlug, {
          redirect: req.query.redirect,
          loginHint: req.query.login_hint,
        });
        reply.setCookie(FLOW_COOKIE, sealFlow(ctx.secrets, flow), {
          ...cookieSecurity(req, ctx),
          path: FLOW_COOKIE_PATH,
          maxAge: FLOW_TTL_SECONDS,
        });
        return reply.redirect(url, 302);
      } catch (error) {
        // A browser navigation: it lands on the sign-in page with a reason, never on a JSON error.
        if (!(error instanceof SignInError)) {
          req.log.error({ err: error }, 'single sign-on could not start');
          return reply.redirect('/login?error=sso_failed', 302);
        }
        req.log.info({ code: error.code, reason: error.reason }, 'single sign-on could not start');
        return reply.redirect(`/login?error=${error.code}`, 302);
      }
    },
  );
  app.get(
    '/auth/sso/callback',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'finishSso',
          PUBLIC,
          'Where the identity provider sends the browser back: checks its answer, signs the user in (provisioning them at first sign-in) and redirects to the dashboard, or to /login?error=<code>.',
        ),
      },
    },
    (req, reply) => finishSignIn(req, reply, service, ctx),
  );
}

async function finishSignIn(request: FastifyRequest, reply: FastifyReply, service: SsoService, ctx: ModuleContext) {
  const flow = openFlow(ctx.secrets, request.cookies[FLOW_COOKIE]);
  // One answer per flow: whatever happens next, the browser's flow is spent.
  reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });

  const refuse = async (error: SignInError, partnerId: string | null) => {
    request.log.info({ code: error.code, reason: error.reason }, 'single sign-on refused');
    if (partnerId) {
      await recordAudit(ctx.db, partnerId, actorFor(request, null, error.email ?? 'single sign-on'), {
        action: 'auth.login_failed',
        after: { method: 'sso', code: error.code, reason: error.reason },
      });
    }
    return reply.redirect(`/login?error=${error.code}`, 302);
  };
  if (!flow) return refuse(new SignInError('sso_expired', 'no sign-in in flight in this browser, or it expired'), null);

  // Parameters as the identity provider sent them, on the redirect URI it was given.
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  try {
    const user = await service.complete(flow, new URL(`${service.redirectUri}${query}`));
    // A new session on every sign-in; the one this browser had (if any) ends.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await ctx.sessions.revokeToken(previous, 'replaced by a new sign-in');
    const session = await ctx.sessions.create(user, { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
    if (!(await ctx.sessions.resolve(session.token))) {
      await ctx.sessions.revoke(session.sessionId, 'partner not active');
      return refuse(new SignInError('sso_unavailable', 'the partner is suspended or deleted', user.email), flow.partnerId);
    }
    await recordAudit(ctx.db, user.tenant_id, actorFor(request, user.id, user.email), {
      action: 'auth.login',
      targetType: 'session',
      targetId: session.sessionId,
      after: { method: 'sso', provisioned: user.provisioned, user_agent: request.headers['user-agent'] ?? '' },
    });
    setSessionCookie(reply, request, session.token, ctx);
    return reply.redirect(flow.redirect ?? '/', 302);
  } catch (error) {
    if (error instanceof SignInError) return refuse(error, flow.partnerId);
    request.log.error({ err: error }, 'single sign-on failed');
    return reply.redirect('/login?error=sso_failed', 302);
  }
}

function actorFor(request: FastifyRequest, userId: string | null, label: string): Actor {
  return { type: 'user', id: userId, label, ip: request.ip, requestId: request.id };
}

function cookieSecurity(request: FastifyRequest, ctx: ModuleContext) {
  // Lax: the identity provider's redirect back is a top-level GET from another site.
  return {
    httpOnly: true,
    secure: ctx.config.publicUrl.startsWith('https:') || request.protocol === 'https',
    sameSite: 'lax' as const,
  };
}
