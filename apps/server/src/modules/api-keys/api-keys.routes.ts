import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { AUTHENTICATED } from '../../platform/auth/permissions.js';
import { errorResponses, ListOf, Uuid } from '../../platform/http/schemas.js';
import { ApiKey, ApiKeyQuery, CreateApiKey, CreatedApiKey, MyApiKeyQuery } from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['api-keys'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});
const NOT_WITH_A_KEY = 'Only when signed in: an API key is refused here (403).';

export async function apiKeysRoutes(root: FastifyInstance, service: ApiKeysService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const MINE = '/me/api-keys';
  const PARTNER = '/partners/:partnerId/api-keys';

  app.get(
    MINE,
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('listMyApiKeys', AUTHENTICATED, `Your API keys, newest first. ${NOT_WITH_A_KEY}`),
        querystring: MyApiKeyQuery,
        response: { 200: ListOf(ApiKey), ...errorResponses(400, 401, 403) },
      },
    },
    (req) => service.listMine(req.principal!, req.query),
  );
  app.post(
    MINE,
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'createMyApiKey',
          AUTHENTICATED,
          `Makes an API key for yourself with permissions you hold at a scope you cover; the answer holds the key, shown this once. ${NOT_WITH_A_KEY}`,
        ),
        body: CreateApiKey,
        response: { 201: CreatedApiKey, ...errorResponses(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.create(req.principal!, req.body, actorOf(req))),
  );
  app.delete(
    `${MINE}/:keyId`,
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('revokeMyApiKey', AUTHENTICATED, `Revokes one of your API keys; it stops working at once. ${NOT_WITH_A_KEY}`),
        params: Type.Object({ keyId: Uuid }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.revokeMine(req.principal!, req.params.keyId, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.get(
    PARTNER,
    {
      config: { permission: 'api_keys.view' },
      schema: {
        ...doc(
          'listPartnerApiKeys',
          'api_keys.view',
          'The API keys of the partner’s users, newest first (never the keys themselves); needs the permission partner-wide.',
        ),
        params: Type.Object({ partnerId: Uuid }),
        querystring: ApiKeyQuery,
        response: { 200: ListOf(ApiKey), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.listForPartner(req.params.partnerId, req.principal!, req.query),
  );
  app.delete(
    `${PARTNER}/:keyId`,
    {
      config: { permission: 'api_keys.manage' },
      schema: {
        ...doc('revokePartnerApiKey', 'api_keys.manage', 'Revokes an API key of one of the partner’s users.'),
        params: Type.Object({ partnerId: Uuid, keyId: Uuid }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.revokeForPartner(req.params.partnerId, req.params.keyId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );
}
