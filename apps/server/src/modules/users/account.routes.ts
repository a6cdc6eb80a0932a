import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { completePasswordSignIn, PendingSignIn, SessionInfo } from '../../platform/auth/index.js';
import { AUTHENTICATED, PUBLIC } from '../../platform/auth/permissions.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { ModuleContext } from '../../platform/modules/define.js';
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
      return completePasswordSignIn(ctx, req, reply, user, user.email);
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
