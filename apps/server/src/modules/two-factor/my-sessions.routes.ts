import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { AUTHENTICATED } from '../../platform/auth/permissions.js';
import { SESSION_COOKIE } from '../../platform/auth/sessions.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import type { MySessionsService } from './my-sessions.service.js';
import { TRUSTED_DEVICE_COOKIE } from './sign-in.js';
import { IdParams, MySession, RevokedCount, TrustedDevice } from './two-factor.schemas.js';

const doc = (operationId: string, description: string) => ({
  tags: ['sessions'],
  operationId,
  description: `${description} Permission: authenticated.`,
});

export async function mySessionsRoutes(root: FastifyInstance, service: MySessionsService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/me/sessions',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'listMySessions',
          "The signed-in user's sessions that have not ended: browser, address, when started and last active, which one is this.",
        ),
        response: { 200: ListOf(MySession), ...errorResponses(401) },
      },
    },
    (req) => service.listSessions(req.principal!),
  );

  app.delete(
    '/me/sessions/:id',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('revokeMySession', 'Ends one of your sessions; ending this one signs you out.'),
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.revokeSession(req.principal!, req.params.id, actorOf(req));
      if (req.params.id === req.principal!.sessionId) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/sessions/revoke-others',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('revokeMyOtherSessions', 'Signs you out everywhere else: every session but this one ends.'),
        response: { 200: RevokedCount, ...errorResponses(401, 403) },
      },
    },
    (req) => service.revokeOtherSessions(req.principal!, actorOf(req)),
  );

  app.get(
    '/me/trusted-devices',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('listMyTrustedDevices', 'Browsers that skip the second factor for 30 days, until revoked.'),
        response: { 200: ListOf(TrustedDevice), ...errorResponses(401) },
      },
    },
    (req) => service.listTrustedDevices(req.principal!, req.cookies[TRUSTED_DEVICE_COOKIE]),
  );

  app.delete(
    '/me/trusted-devices/:id',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('revokeMyTrustedDevice', 'Stops trusting a browser: its next sign-in asks for the second factor again.'),
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.revokeTrustedDevice(req.principal!, req.params.id, actorOf(req));
      return reply.code(204).send(null);
    },
  );
}
