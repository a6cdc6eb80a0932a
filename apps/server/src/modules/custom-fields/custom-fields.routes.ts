import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses } from '../../platform/http/schemas.js';
import {
  CreateField,
  FieldDefinition,
  FieldList,
  FieldParams,
  FieldQuery,
  FieldWithValue,
  PartnerParams,
  PutValues,
  UpdateField,
  ValuesQuery,
} from './custom-fields.schemas.js';
import type { CustomFieldsService } from './custom-fields.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['custom-fields'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function customFieldsRoutes(root: FastifyInstance, service: CustomFieldsService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const LIST = '/partners/:partnerId/custom-fields';
  const ONE = `${LIST}/:fieldId`;
  const VALUES = '/partners/:partnerId/custom-field-values';

  app.get(
    LIST,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc(
          'listCustomFields',
          'devices.view',
          'The partner’s custom fields on organizations, sites and devices, in page order; scripts use them as {{custom.<name>}}.',
        ),
        params: PartnerParams,
        querystring: FieldQuery,
        response: { 200: FieldList, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.list(req.params.partnerId, req.query),
  );
  app.post(
    LIST,
    {
      config: { permission: 'custom_fields.manage' },
      schema: {
        ...doc('createCustomField', 'custom_fields.manage', 'Defines a custom field. A name already used on that entity is 409.'),
        params: PartnerParams,
        body: CreateField,
        response: { 201: FieldDefinition, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.create(req.params.partnerId, req.body, actorOf(req))),
  );
  app.patch(
    ONE,
    {
      config: { permission: 'custom_fields.manage' },
      schema: {
        ...doc(
          'updateCustomField',
          'custom_fields.manage',
          'Edits a custom field (its entity and type stay). A stale version, a taken name or removing a choice still in use is 409.',
        ),
        params: FieldParams,
        body: UpdateField,
        response: { 200: FieldDefinition, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.update(req.params.partnerId, req.params.fieldId, req.body, actorOf(req)),
  );
  app.delete(
    ONE,
    {
      config: { permission: 'custom_fields.manage' },
      schema: {
        ...doc('deleteCustomField', 'custom_fields.manage', 'Deletes a custom field and every value set for it.'),
        params: FieldParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.delete(req.params.partnerId, req.params.fieldId, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.get(
    VALUES,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc(
          'getCustomFieldValues',
          'devices.view; and organizations.view, sites.view or devices.view where the entity is',
          'The fields of one organization, site or device with the values set on it.',
        ),
        params: PartnerParams,
        querystring: ValuesQuery,
        response: { 200: Type.Array(FieldWithValue), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.values(req.params.partnerId, req.principal!, req.query),
  );
  app.put(
    VALUES,
    {
      // The entity's own manage permission (organizations, sites or devices.manage) is checked where it is, in the service.
      config: { permission: 'devices.view', resourceScoped: true },
      schema: {
        ...doc(
          'putCustomFieldValues',
          'organizations.manage, sites.manage or devices.manage where the entity is',
          'Sets values of one organization, site or device (null clears one; fields left out keep theirs). Each value is checked against its field’s type.',
        ),
        params: PartnerParams,
        body: PutValues,
        response: { 200: Type.Array(FieldWithValue), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.putValues(req.params.partnerId, req.principal!, req.body, actorOf(req)),
  );
}
