import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { AUTHENTICATED } from '../../platform/auth/permissions.js';
import { errorResponses, Uuid } from '../../platform/http/schemas.js';
import {
  Assignment,
  AssignmentQuery,
  CreateAssignment,
  CreatePlatformAssignment,
  CreateRole,
  Permission,
  Role,
  UpdateRole,
} from './access.schemas.js';
import type { AccessService } from './access.service.js';

const PartnerParams = Type.Object({ partnerId: Uuid });
const RoleParams = Type.Object({ partnerId: Uuid, roleId: Uuid });
const AssignmentParams = Type.Object({ partnerId: Uuid, assignmentId: Uuid });
const Items = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) });
const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['access'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function accessRoutes(root: FastifyInstance, service: AccessService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const R = '/partners/:partnerId/roles';
  const A = '/partners/:partnerId/role-assignments';

  app.get(
    '/permissions',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc('listPermissions', AUTHENTICATED, 'The permission catalog, each with its module.'),
        response: { 200: Items(Permission), ...errorResponses(401) },
      },
    },
    async () => ({ items: service.listPermissions() }),
  );

  app.get(
    R,
    {
      config: { permission: 'roles.view' },
      schema: {
        ...doc('listRoles', 'roles.view', 'System roles and the partner’s custom roles, with their permissions.'),
        params: PartnerParams,
        response: { 200: Items(Role), ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => ({ items: await service.listRoles(req.params.partnerId) }),
  );
  app.post(
    R,
    {
      config: { permission: 'roles.manage' },
      schema: {
        ...doc('createRole', 'roles.manage', 'Creates a custom role from permissions the caller holds.'),
        params: PartnerParams,
        body: CreateRole,
        response: { 201: Role, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.createRole(req.params.partnerId, req.body, req.principal!, actorOf(req))),
  );
  app.get(
    `${R}/:roleId`,
    {
      config: { permission: 'roles.view' },
      schema: {
        ...doc('getRole', 'roles.view', 'One role.'),
        params: RoleParams,
        response: { 200: Role, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getRole(req.params.partnerId, req.params.roleId),
  );
  app.patch(
    `${R}/:roleId`,
    {
      config: { permission: 'roles.manage' },
      schema: {
        ...doc('updateRole', 'roles.manage', 'Edits a custom role (system roles are fixed).'),
        params: RoleParams,
        body: UpdateRole,
        response: { 200: Role, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    (req) => service.updateRole(req.params.partnerId, req.params.roleId, req.body, req.principal!, actorOf(req)),
  );
  app.delete(
    `${R}/:roleId`,
    {
      config: { permission: 'roles.manage' },
      schema: {
        ...doc('deleteRole', 'roles.manage', 'Deletes a custom role that nobody holds.'),
        params: RoleParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      await service.deleteRole(req.params.partnerId, req.params.roleId, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.get(
    A,
    {
      config: { permission: 'users.view' },
      schema: {
        ...doc('listRoleAssignments', 'users.view', 'Who holds which role where in this partner.'),
        params: PartnerParams,
        querystring: AssignmentQuery,
        response: { 200: Items(Assignment), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => ({ items: await service.listAssignments(req.params.partnerId, req.query) }),
  );
  app.post(
    A,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc(
          'createRoleAssignment',
          'users.manage',
          'Gives a user a role over the partner, one organization or one site; only roles and scopes the caller holds.',
        ),
        params: PartnerParams,
        body: CreateAssignment,
        response: { 201: Assignment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.createAssignment(req.params.partnerId, req.body, req.principal!, actorOf(req))),
  );
  app.delete(
    `${A}/:assignmentId`,
    {
      config: { permission: 'users.manage' },
      schema: {
        ...doc('deleteRoleAssignment', 'users.manage', 'Takes a role away (never the partner’s last Owner).'),
        params: AssignmentParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (req, reply) => {
      await service.deleteAssignment(req.params.partnerId, req.params.assignmentId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/role-assignments',
    {
      config: { permission: 'users.manage_platform' },
      schema: {
        ...doc('listPlatformRoleAssignments', 'users.manage_platform', 'Platform-wide role assignments of platform staff.'),
        querystring: AssignmentQuery,
        response: { 200: Items(Assignment), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => ({ items: await service.listAssignments(null, req.query) }),
  );
  app.post(
    '/role-assignments',
    {
      config: { permission: 'users.manage_platform' },
      schema: {
        ...doc(
          'createPlatformRoleAssignment',
          'users.manage_platform',
          'Gives a platform staff user a system role platform-wide.',
        ),
        body: CreatePlatformAssignment,
        response: { 201: Assignment, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.createPlatformAssignment(req.body, req.principal!, actorOf(req))),
  );
  app.delete(
    '/role-assignments/:assignmentId',
    {
      config: { permission: 'users.manage_platform' },
      schema: {
        ...doc('deletePlatformRoleAssignment', 'users.manage_platform', 'Takes a platform-wide role away.'),
        params: Type.Object({ assignmentId: Uuid }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.deleteAssignment(null, req.params.assignmentId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );
}
