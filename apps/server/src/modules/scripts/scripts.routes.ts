import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import {
  CopyScript,
  CreateScript,
  PartnerParams,
  Script,
  ScriptParams,
  ScriptQuery,
  ScriptVersion,
  UpdateScript,
} from './scripts.schemas.js';
import type { ScriptsService } from './scripts.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['scripts'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});
const READ_ONLY = 'Platform-published scripts answer 403 read_only: copy them instead.';

export async function scriptsRoutes(root: FastifyInstance, service: ScriptsService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const LIST = '/partners/:partnerId/scripts';
  const ONE = `${LIST}/:scriptId`;

  app.get(
    LIST,
    {
      config: { permission: 'scripts.view' },
      schema: {
        ...doc(
          'listScripts',
          'scripts.view',
          'The script library: the partner’s scripts and the platform-published ones (owner "platform"), by name; filter by category, language and target OS, search with q.',
        ),
        params: PartnerParams,
        querystring: ScriptQuery,
        response: { 200: ListOf(Script), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.list(req.params.partnerId, req.query),
  );
  app.post(
    LIST,
    {
      config: { permission: 'scripts.manage' },
      schema: {
        ...doc(
          'createScript',
          'scripts.manage',
          'Adds a script. Parameters reach it as CLOUDRMM_PARAM_<NAME> and argv, never pasted into the body.',
        ),
        params: PartnerParams,
        body: CreateScript,
        response: { 201: Script, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.create(req.params.partnerId, req.body, actorOf(req))),
  );
  // Before ONE, so the router never reads "categories" as a script id.
  app.get(
    `${LIST}/categories`,
    {
      config: { permission: 'scripts.view' },
      schema: {
        ...doc('listScriptCategories', 'scripts.view', 'Every category in use in the library, sorted.'),
        params: PartnerParams,
        response: { 200: Type.Array(Type.String()), ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.categories(req.params.partnerId),
  );
  app.get(
    ONE,
    {
      config: { permission: 'scripts.view' },
      schema: {
        ...doc('getScript', 'scripts.view', 'One script, with its body and parameters.'),
        params: ScriptParams,
        response: { 200: Script, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.get(req.params.partnerId, req.params.scriptId),
  );
  app.patch(
    ONE,
    {
      config: { permission: 'scripts.manage' },
      schema: {
        ...doc(
          'updateScript',
          'scripts.manage',
          `Edits a script; each save is a new version in its history. A stale version is 409. ${READ_ONLY}`,
        ),
        params: ScriptParams,
        body: UpdateScript,
        response: { 200: Script, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.update(req.params.partnerId, req.params.scriptId, req.body, actorOf(req)),
  );
  app.delete(
    ONE,
    {
      config: { permission: 'scripts.manage' },
      schema: {
        ...doc('deleteScript', 'scripts.manage', `Deletes a script; its history and past runs stay. ${READ_ONLY}`),
        params: ScriptParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.delete(req.params.partnerId, req.params.scriptId, actorOf(req));
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${ONE}/copy`,
    {
      config: { permission: 'scripts.manage' },
      schema: {
        ...doc(
          'copyScript',
          'scripts.manage',
          'Copies a script (a platform-published one too) into the partner’s library, as a new script of its own.',
        ),
        params: ScriptParams,
        body: Type.Union([CopyScript, Type.Null()]),
        response: { 201: Script, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.copy(req.params.partnerId, req.params.scriptId, req.body ?? {}, actorOf(req))),
  );
  app.get(
    `${ONE}/versions`,
    {
      config: { permission: 'scripts.view' },
      schema: {
        ...doc('listScriptVersions', 'scripts.view', 'The script’s edit history: every saved version, newest first.'),
        params: ScriptParams,
        response: { 200: Type.Array(ScriptVersion), ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.versions(req.params.partnerId, req.params.scriptId),
  );
}
