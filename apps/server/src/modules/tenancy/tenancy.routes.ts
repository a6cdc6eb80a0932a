import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../platform/audit/audit.js';
import { visibleWithin } from '../../platform/auth/principal.js';
import { errorResponses, ListOf, ListQuery } from '../../platform/http/schemas.js';
import type { TenancyService } from './tenancy.service.js';
import {
  CreateOrganization,
  CreatePartner,
  CreateSite,
  Organization,
  OrganizationParams,
  Partner,
  PartnerParams,
  Site,
  SiteParams,
  UpdateOrganization,
  UpdatePartner,
  UpdateSite,
} from './tenancy.schemas.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['tenancy'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function tenancyRoutes(root: FastifyInstance, service: TenancyService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const P = '/partners/:partnerId';
  const O = `${P}/organizations/:organizationId`;
  const S = `${O}/sites/:siteId`;

  // Partners
  app.get(
    '/partners',
    {
      config: { permission: 'partners.view' },
      schema: {
        ...doc(
          'listPartners',
          'partners.view',
          'Partners the caller can see: all for platform staff, their own for partner users.',
        ),
        querystring: ListQuery,
        response: { 200: ListOf(Partner), ...errorResponses(400, 401) },
      },
    },
    (req) => service.listPartners(req.principal!, req.query),
  );
  app.post(
    '/partners',
    {
      config: { permission: 'partners.manage' },
      schema: {
        ...doc('createPartner', 'partners.manage', 'Creates a partner (an MSP).'),
        body: CreatePartner,
        response: { 201: Partner, ...errorResponses(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.createPartner(req.body, actorOf(req))),
  );
  app.get(
    P,
    {
      config: { permission: 'partners.view' },
      schema: {
        ...doc('getPartner', 'partners.view', 'One partner.'),
        params: PartnerParams,
        response: { 200: Partner, ...errorResponses(401, 404) },
      },
    },
    (req) => service.getPartner(req.params.partnerId),
  );
  app.patch(
    P,
    {
      config: { permission: 'partners.manage' },
      schema: {
        ...doc('updatePartner', 'partners.manage', 'Renames a partner.'),
        params: PartnerParams,
        body: UpdatePartner,
        response: { 200: Partner, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.updatePartner(req.params.partnerId, req.body, actorOf(req)),
  );
  app.delete(
    P,
    {
      config: { permission: 'partners.manage' },
      schema: {
        ...doc('deletePartner', 'partners.manage', 'Soft-deletes a partner that has no organizations left.'),
        params: PartnerParams,
        response: { 200: Partner, ...errorResponses(401, 403, 404, 422) },
      },
    },
    (req) => service.deletePartner(req.params.partnerId, actorOf(req)),
  );
  app.post(
    `${P}/restore`,
    {
      config: { permission: 'partners.manage' },
      schema: {
        ...doc('restorePartner', 'partners.manage', 'Restores a soft-deleted partner.'),
        params: PartnerParams,
        response: { 200: Partner, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.restorePartner(req.params.partnerId, actorOf(req)),
  );

  // Organizations
  app.get(
    `${P}/organizations`,
    {
      config: { permission: 'organizations.view' },
      schema: {
        ...doc('listOrganizations', 'organizations.view', "A partner's organizations."),
        params: PartnerParams,
        querystring: ListQuery,
        response: { 200: ListOf(Organization), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.listOrganizations(req.params.partnerId, req.query, visibleWithin(req.principal!, req.params.partnerId)),
  );
  app.post(
    `${P}/organizations`,
    {
      config: { permission: 'organizations.manage' },
      schema: {
        ...doc('createOrganization', 'organizations.manage', 'Creates an organization (a customer of the partner).'),
        params: PartnerParams,
        body: CreateOrganization,
        response: { 201: Organization, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.createOrganization(req.params.partnerId, req.body, actorOf(req))),
  );
  app.get(
    O,
    {
      config: { permission: 'organizations.view' },
      schema: {
        ...doc('getOrganization', 'organizations.view', 'One organization.'),
        params: OrganizationParams,
        response: { 200: Organization, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getOrganization(req.params.partnerId, req.params.organizationId),
  );
  app.patch(
    O,
    {
      config: { permission: 'organizations.manage' },
      schema: {
        ...doc('updateOrganization', 'organizations.manage', 'Edits an organization.'),
        params: OrganizationParams,
        body: UpdateOrganization,
        response: { 200: Organization, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.updateOrganization(req.params.partnerId, req.params.organizationId, req.body, actorOf(req)),
  );
  app.delete(
    O,
    {
      config: { permission: 'organizations.manage' },
      schema: {
        ...doc('deleteOrganization', 'organizations.manage', 'Soft-deletes an organization that has no sites left.'),
        params: OrganizationParams,
        response: { 200: Organization, ...errorResponses(401, 403, 404, 422) },
      },
    },
    (req) => service.deleteOrganization(req.params.partnerId, req.params.organizationId, actorOf(req)),
  );
  app.post(
    `${O}/restore`,
    {
      config: { permission: 'organizations.manage' },
      schema: {
        ...doc('restoreOrganization', 'organizations.manage', 'Restores a soft-deleted organization.'),
        params: OrganizationParams,
        response: { 200: Organization, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.restoreOrganization(req.params.partnerId, req.params.organizationId, actorOf(req)),
  );

  // Sites
  app.get(
    `${O}/sites`,
    {
      config: { permission: 'sites.view' },
      schema: {
        ...doc('listSites', 'sites.view', "An organization's sites."),
        params: OrganizationParams,
        querystring: ListQuery,
        response: { 200: ListOf(Site), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) =>
      service.listSites(
        req.params.partnerId,
        req.params.organizationId,
        req.query,
        visibleWithin(req.principal!, req.params.partnerId),
      ),
  );
  app.post(
    `${O}/sites`,
    {
      config: { permission: 'sites.manage' },
      schema: {
        ...doc('createSite', 'sites.manage', 'Creates a site (a location or grouping) in an organization.'),
        params: OrganizationParams,
        body: CreateSite,
        response: { 201: Site, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.createSite(req.params.partnerId, req.params.organizationId, req.body, actorOf(req))),
  );
  app.get(
    S,
    {
      config: { permission: 'sites.view' },
      schema: {
        ...doc('getSite', 'sites.view', 'One site.'),
        params: SiteParams,
        response: { 200: Site, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getSite(req.params.partnerId, req.params.organizationId, req.params.siteId),
  );
  app.patch(
    S,
    {
      config: { permission: 'sites.manage' },
      schema: {
        ...doc('updateSite', 'sites.manage', 'Edits a site.'),
        params: SiteParams,
        body: UpdateSite,
        response: { 200: Site, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.updateSite(req.params.partnerId, req.params.organizationId, req.params.siteId, req.body, actorOf(req)),
  );
  app.delete(
    S,
    {
      config: { permission: 'sites.manage' },
      schema: {
        ...doc('deleteSite', 'sites.manage', 'Soft-deletes a site.'),
        params: SiteParams,
        response: { 200: Site, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.deleteSite(req.params.partnerId, req.params.organizationId, req.params.siteId, actorOf(req)),
  );
  app.post(
    `${S}/restore`,
    {
      config: { permission: 'sites.manage' },
      schema: {
        ...doc('restoreSite', 'sites.manage', 'Restores a soft-deleted site.'),
        params: SiteParams,
        response: { 200: Site, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    (req) => service.restoreSite(req.params.partnerId, req.params.organizationId, req.params.siteId, actorOf(req)),
  );
}
