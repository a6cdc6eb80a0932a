import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import { InvitedUser, InviteUser, PartnerParams, UpdateUser, User, UserParams, UsersQuery } from './users.schemas.js';
import type { UsersService } from './users.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['users'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function usersRoutes(root: FastifyInstance, service: UsersService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const U = '/partners/:partnerId/users';
  const one = `${U}/:userId`;

  app.get(
    U,
    {
      config: { permission: 'users.view' },
      schema: {
        ...doc(
          'listUsers',
          'users.view',
          "A partner's users with their role assignments and last sign-in activity; filter by status and role, search name or email.",
        ),
        params: PartnerParams,
        querystring: UsersQuery,
        response: { 200: ListOf(User), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.list(req.params.partnerId, req.query, req.principal!),
  );

  app.get(
    `${U}/export`,
    {
      config: { permission: 'users.view' },
      schema: {
        ...doc(
          'exportUsers',
          'users.view',
          'CSV of the users the list shows (same filters; spreadsheet formulas neutralised). Audited.',
        ),
        params: PartnerParams,
        querystring: UsersQuery,
        response: { 200: Type.String(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const csv = await service.exportCsv(req.params.partnerId, req.query, req.principal!, actorOf(req));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="users-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(csv);
    },
  );

  app.post(
    `${U}/invitations`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'inviteUser',
          'users.manage',
          'Creates an invited user with one role assignment and emails a one-time link (valid 7 days) to choose a password. Only roles and scopes the caller could assign.',
        ),
        params: PartnerParams,
        body: InviteUser,
        response: { 201: InvitedUser, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.invite(req.params.partnerId, req.body, req.principal!, actorOf(req))),
  );

  app.get(
    one,
    {
      config: { permission: 'users.view' },
      schema: {
        ...doc('getUser', 'users.view', 'One user with their role assignments.'),
        params: UserParams,
        response: { 200: User, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.get(req.params.partnerId, req.params.userId, req.principal!),
  );

  app.patch(
    one,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc('updateUser', 'users.manage', 'Renames a user.'),
        params: UserParams,
        body: UpdateUser,
        response: { 200: User, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.update(req.params.partnerId, req.params.userId, req.body, req.principal!, actorOf(req)),
  );

  app.delete(
    one,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'deleteUser',
          'users.manage',
          'Deletes a user (soft): their sessions and links end at once. Not yourself, nor anyone holding permissions you do not hold.',
        ),
        params: UserParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.delete(req.params.partnerId, req.params.userId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${one}/restore`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'restoreUser',
          'users.manage',
          'Restores a soft-deleted user with their roles. They come back suspended: nobody regains access until someone reactivates them. A user who is not deleted is answered unchanged. 409 when another user now has the same email address. Not anyone holding permissions you do not hold.',
        ),
        params: UserParams,
        response: { 200: User, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.restore(req.params.partnerId, req.params.userId, req.principal!, actorOf(req)),
  );

  app.post(
    `${one}/resend-invitation`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'resendUserInvitation',
          'users.manage',
          'Emails a new invitation link to a user who has not accepted yet; earlier links stop working.',
        ),
        params: UserParams,
        response: { 200: InvitedUser, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.resendInvitation(req.params.partnerId, req.params.userId, req.principal!, actorOf(req)),
  );

  app.post(
    `${one}/suspend`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'suspendUser',
          'users.manage',
          'Suspends a user: they cannot sign in, and their sessions and live connections end at once. Not yourself, nor anyone holding permissions you do not hold.',
        ),
        params: UserParams,
        response: { 200: User, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.suspend(req.params.partnerId, req.params.userId, req.principal!, actorOf(req)),
  );

  app.post(
    `${one}/reactivate`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'reactivateUser',
          'users.manage',
          'Lets a suspended user sign in again (one who never set a password is invited again).',
        ),
        params: UserParams,
        response: { 200: User, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.reactivate(req.params.partnerId, req.params.userId, req.principal!, actorOf(req)),
  );
}
