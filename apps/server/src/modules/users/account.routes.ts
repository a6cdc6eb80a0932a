import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { PendingSignIn, SessionInfo, sessionInfo, setSessionCookie } from '../../platform/auth/index.js';
import { AUTHENTICATED, PUBLIC } from '../../platform/auth/permissions.js';
import { SESSION_COOKIE, csrfTokenFor } from '../../platform/auth/sessions.js';
import { AppError } from '../../platform/http/errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { secondStepAfterPassword, TRUSTED_DEVICE_COOKIE } from '../two-factor/sign-in.js';
import type { AccountService } from './account.service.js';
import {
  AcceptInvitation,
  ChangePassword,
  Invitation,
  Me,
  PasswordReset,
  PasswordResetAccepted,
  PasswordResetRequest,
  TokenParams,
  UpdateMe,
} from './users.schemas.js';

const doc = (tag: string, operationId: string, permission: string, description: string) => ({
  tags: [tag],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function accountRoutes(root: FastifyInstance, service: AccountService, ctx: ModuleContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const caller = (req: { ip: string; id: string }) => ({ ip: req.ip, requestId: req.id });

  // The signed-in user's own account.
  app.get(
    '/me',
    {
      config: { permission: AUTHENTICATED },
      schema: { ...doc('users', 'getMe', AUTHENTICATED, 'Your profile.'), response: { 200: Me, ...errorResponses(401) } },
    },
    (req) => service.getMe(req.principal!),
  );

  app.patch(
    '/me',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('users', 'updateMe', AUTHENTICATED, 'Changes your name.'),
        body: UpdateMe,
        response: { 200: Me, ...errorResponses(400, 401, 403, 409) },
      },
    },
    (req) => service.updateMe(req.principal!, req.body, actorOf(req)),
  );

  app.post(
    '/me/password',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'users',
          'changeMyPassword',
          AUTHENTICATED,
          'Changes your password, given the current one (throttled like sign-in); your other sessions end.',
        ),
        body: ChangePassword,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      await service.changePassword(req.principal!, req.body, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  // One-time links from email: nobody is signed in yet.
  app.get(
    '/auth/invitations/:token',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'auth',
          'getInvitation',
          PUBLIC,
          'Who an invitation link is for: 404 when unknown, 410 when used, replaced or expired.',
        ),
        params: TokenParams,
        response: { 200: Invitation, ...errorResponses(400, 404, 410) },
      },
    },
    (req) => service.invitation(req.params.token),
  );

  app.post(
    '/auth/invitations/:token/accept',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'auth',
          'acceptInvitation',
          PUBLIC,
          'Chooses the first password (12 characters or more), activates the account, uses up the link and signs in as POST /auth/login does.',
        ),
        params: TokenParams,
        body: AcceptInvitation,
        response: { 200: Type.Union([SessionInfo, PendingSignIn]), ...errorResponses(400, 403, 404, 410) },
      },
    },
    async (req, reply) => {
      const user = await service.acceptInvitation(req.params.token, req.body, caller(req));
      // Signed in like a password sign-in: a new session, the partner's 2FA policy applies.
      const previous = req.cookies[SESSION_COOKIE];
      if (previous) await ctx.sessions.revokeToken(previous, 'replaced by a new sign-in');
      const next = await secondStepAfterPassword(ctx.db, user, req.cookies[TRUSTED_DEVICE_COOKIE]);
      const session = await ctx.sessions.create(user, {
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? '',
        pendingStep: next.pendingStep,
      });
      const principal = await ctx.sessions.resolve(session.token);
      if (!principal) {
        await ctx.sessions.revoke(session.sessionId, 'partner not active');
        throw new AppError('forbidden', 'this account cannot sign in: its partner is suspended or deleted');
      }
      setSessionCookie(reply, req, session.token, ctx);
      if (next.pendingStep) {
        return {
          second_factor_required: true as const,
          enrolment_required: next.pendingStep === 'enrolment',
          csrf_token: csrfTokenFor(session.token),
        };
      }
      return sessionInfo(ctx, principal, session.token);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'auth',
          'requestPasswordReset',
          PUBLIC,
          'Emails a one-time link (valid 1 hour) to choose a new password. Answers 202 the same way whether or not the email belongs to a user; throttled per email and per address.',
        ),
        body: PasswordResetRequest,
        response: { 202: PasswordResetAccepted, ...errorResponses(400, 429) },
      },
    },
    async (req, reply) => {
      await service.requestPasswordReset(req.body.email, caller(req));
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/auth/password-reset/:token',
    {
      config: { permission: PUBLIC },
      schema: {
        ...doc(
          'auth',
          'resetPassword',
          PUBLIC,
          'Sets a new password (12 characters or more) with a reset link; the link is used up and every session of the user ends.',
        ),
        params: TokenParams,
        body: PasswordReset,
        response: { 204: Type.Null(), ...errorResponses(400, 404, 410) },
      },
    },
    async (req, reply) => {
      await service.resetPassword(req.params.token, req.body.new_password, caller(req));
      return reply.code(204).send(null);
    },
  );
}
