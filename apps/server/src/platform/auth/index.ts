import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { passwordSignInRefused, SSO_REQUIRED_MESSAGE } from '../../modules/sso/sso.policy.js';
import { secondStepAfterPassword, TRUSTED_DEVICE_COOKIE } from '../../modules/two-factor/sign-in.js';
import { actorOf, recordAudit, type Actor } from '../audit/audit.js';
import { AppError } from '../http/errors.js';
import { errorResponses, Uuid } from '../http/schemas.js';
import { defineModule, type ModuleContext } from '../modules/define.js';
import { verifyPassword } from './passwords.js';
import { AUTHENTICATED, PUBLIC } from './permissions.js';
import type { Principal } from './principal.js';
import { SESSION_COOKIE, csrfTokenFor } from './sessions.js';
import { clearFailures, lockedFor, recordFailure, type ThrottleKey } from './throttle.js';

export const SessionInfo = Type.Object({
  user: Type.Object({
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    partner_id: Type.Union([Uuid, Type.Null()]),
    is_platform_admin: Type.Boolean(),
  }),
  partner: Type.Union([Type.Object({ id: Uuid, name: Type.String() }), Type.Null()]),
  permissions: Type.Array(Type.String()),
  csrf_token: Type.String(),
});

/** The password was right, but the session may only take its next step (security.md 10). */
export const PendingSignIn = Type.Object({
  second_factor_required: Type.Literal(true),
  enrolment_required: Type.Boolean({
    description: 'the partner requires 2FA and the user has none yet: set it up (POST /me/2fa/setup, /me/2fa/confirm)',
  }),
  csrf_token: Type.String(),
});

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** Sign-in, sign-out and "who am I" for the dashboard (IAM1, IAM3; security.md 11-14). */
export const authModule = defineModule({
  name: 'auth',
  permissions: {},
  jobs: async (jobs, ctx) => {
    await jobs.every('sessions-purge', '17 * * * *', async () => {
      const n = await ctx.sessions.purgeEnded();
      if (n > 0) ctx.log.info({ sessions: n }, 'purged ended sessions');
    });
  },
  routes: async (root, ctx) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/auth/login',
      {
        config: { permission: PUBLIC },
        schema: {
          tags: ['auth'],
          operationId: 'login',
          description:
            'Signs in with email and password and sets the session cookie. A user with two-factor sign-in then owes the second step (POST /auth/second-factor) unless this browser is trusted. Permission: public. Throttled per account and per address.',
          body: LoginBody,
          response: { 200: Type.Union([SessionInfo, PendingSignIn]), ...errorResponses(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        const email = request.body.email.trim().toLowerCase();
        const keys: ThrottleKey[] = [
          { kind: 'account', value: email },
          { kind: 'ip', value: request.ip },
        ];
        const wait = await lockedFor(ctx.db, keys);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          throw new AppError('too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(wait / 60)} minutes`);
        }
        const user = await ctx.db.withPlatform((tx) =>
          tx
            .selectFrom('users')
            .select(['id', 'tenant_id', 'password_hash', 'status'])
            .where(({ fn }) => fn('lower', ['email']), '=', email)
            .where('deleted_at', 'is', null)
            .executeTakeFirst(),
        );
        const actor: Actor = { type: 'user', id: user?.id ?? null, label: email, ip: request.ip, requestId: request.id };
        // Before the password is checked, so the refusal never tells whether it was right.
        if (await passwordSignInRefused(ctx.db, email, user)) {
          await recordAudit(ctx.db, user?.tenant_id ?? null, actor, {
            action: 'auth.login_failed',
            targetType: 'user',
            ...(user ? { targetId: user.id } : {}),
            after: { reason: 'single sign-on required' },
          });
          throw new AppError('sso_required', SSO_REQUIRED_MESSAGE);
        }
        const ok = await verifyPassword(user?.password_hash ?? null, request.body.password);
        if (!user || !ok || user.status !== 'active') {
          await recordFailure(ctx.db, keys);
          await recordAudit(ctx.db, user?.tenant_id ?? null, actor, {
            action: 'auth.login_failed',
            targetType: 'user',
            ...(user ? { targetId: user.id } : {}),
            after: { reason: !user ? 'unknown email' : !ok ? 'wrong password' : `user ${user.status}` },
          });
          throw new AppError('invalid_credentials', 'email or password is incorrect');
        }
        await clearFailures(ctx.db, keys[0]!);
        return completePasswordSignIn(ctx, request, reply, user, email);
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { permission: AUTHENTICATED, allowPending: ['second_factor', 'enrolment'] },
        schema: {
          tags: ['auth'],
          operationId: 'logout',
          description: 'Ends this session. Permission: authenticated.',
          response: { 204: Type.Null(), ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        await ctx.sessions.revoke(principal.sessionId, 'signed out');
        await recordAudit(ctx.db, principal.partnerId, actorOf(request), {
          action: 'auth.logout',
          targetType: 'session',
          targetId: principal.sessionId,
        });
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/auth/session',
      {
        config: { permission: AUTHENTICATED },
        schema: {
          tags: ['auth'],
          operationId: 'getSession',
          description: 'The signed-in user, their partner, permissions and the CSRF token. Permission: authenticated.',
          response: { 200: SessionInfo, ...errorResponses(401) },
        },
      },
      async (request) => sessionInfo(ctx, request.principal!, request.sessionToken!),
    );
  },
});

/**
 * The end of every password sign-in (the login form, accepting an invitation):
 * a new session replaces the one this browser had, the second step is asked for
 * unless a trusted browser skips it, and the sign-in is audited.
 */
export async function completePasswordSignIn(
  ctx: ModuleContext,
  request: FastifyRequest,
  reply: FastifyReply,
  user: { id: string; tenant_id: string | null },
  label: string,
) {
  const previous = request.cookies[SESSION_COOKIE];
  if (previous) await ctx.sessions.revokeToken(previous, 'replaced by a new sign-in');
  const next = await secondStepAfterPassword(ctx.db, user, request.cookies[TRUSTED_DEVICE_COOKIE]);
  const session = await ctx.sessions.create(user, {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? '',
    pendingStep: next.pendingStep,
  });
  const principal = await ctx.sessions.resolve(session.token);
  if (!principal) {
    // The password was right, but the user's partner is suspended or deleted.
    await ctx.sessions.revoke(session.sessionId, 'partner not active');
    throw new AppError('forbidden', 'this account cannot sign in: its partner is suspended or deleted');
  }
  const actor: Actor = { type: 'user', id: user.id, label, ip: request.ip, requestId: request.id };
  await recordAudit(ctx.db, user.tenant_id, actor, {
    action: 'auth.login',
    targetType: 'session',
    targetId: session.sessionId,
    after: { user_agent: request.headers['user-agent'] ?? '', second_factor: next.outcome },
  });
  setSessionCookie(reply, request, session.token, ctx);
  if (next.pendingStep) {
    return {
      second_factor_required: true as const,
      enrolment_required: next.pendingStep === 'enrolment',
      csrf_token: csrfTokenFor(session.token),
    };
  }
  return sessionInfo(ctx, principal, session.token);
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, token: string, ctx: ModuleContext) {
  const secure = ctx.config.publicUrl.startsWith('https:') || request.protocol === 'https';
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    maxAge: ctx.config.sessionTtlHours * 3600,
  });
}

export async function sessionInfo(ctx: ModuleContext, principal: Principal, token: string) {
  const partner = principal.partnerId
    ? ((await ctx.db.withTenant(principal.partnerId, (tx) =>
        tx.selectFrom('partners').select(['id', 'name']).where('id', '=', principal.partnerId!).executeTakeFirst(),
      )) ?? null)
    : null;
  return {
    user: {
      id: principal.userId,
      email: principal.email,
      name: principal.name,
      partner_id: principal.partnerId,
      is_platform_admin: principal.isPlatformAdmin,
    },
    partner,
    permissions: [...principal.permissions].sort(),
    csrf_token: csrfTokenFor(token),
  };
}
