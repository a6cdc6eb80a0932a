import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { isUuid } from '../../platform/db/database.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import {
  CreatedEnrollmentToken,
  CreateEnrollmentToken,
  EnrollmentToken,
  EnrollmentTokenQuery,
  SiteEnrollment,
  SiteParams,
  TokenParams,
  UpdateSiteEnrollment,
} from './enrollment.schemas.js';
import type { EnrollmentService } from './enrollment.service.js';

export const ENROLL = 'devices.enroll';

const doc = (operationId: string, description: string) => ({
  tags: ['enrollment'],
  operationId,
  description: `${description} Permission: ${ENROLL}.`,
});

/** REST of enrollment (api role): a site's install link and its one-time tokens. */
export async function enrollmentRoutes(root: FastifyInstance, service: EnrollmentService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const S = '/partners/:partnerId/organizations/:organizationId/sites/:siteId';
  // A site outside the caller's reach is 404 before its body or token id is even read: a bad one must not answer first.
  // (Ids that are no uuids are left to validation, which answers 400.)
  const siteFirst = async (req: FastifyRequest) => {
    const { partnerId, organizationId, siteId } = req.params as Record<string, string>;
    if ([partnerId, organizationId, siteId].every((id) => id !== undefined && isUuid(id))) {
      await service.site(partnerId!, organizationId!, siteId!);
    }
  };

  app.get(
    `${S}/enrollment`,
    {
      config: { permission: ENROLL },
      schema: {
        ...doc(
          'getSiteEnrollment',
          'The site’s enrollment code, its public install link and the install command for each operating system; the code is made on first read.',
        ),
        params: SiteParams,
        response: { 200: SiteEnrollment, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.siteEnrollment(req.params.partnerId, req.params.organizationId, req.params.siteId, actorOf(req)),
  );
  app.post(
    `${S}/enrollment/rotate`,
    {
      config: { permission: ENROLL },
      schema: {
        ...doc(
          'rotateSiteEnrollment',
          'Replaces the site’s enrollment code: the old install link and commands stop working at once. Enrolled devices are not affected.',
        ),
        params: SiteParams,
        response: { 200: SiteEnrollment, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.rotate(req.params.partnerId, req.params.organizationId, req.params.siteId, actorOf(req)),
  );
  app.patch(
    `${S}/enrollment`,
    {
      config: { permission: ENROLL },
      preValidation: siteFirst,
      schema: {
        ...doc(
          'updateSiteEnrollment',
          'Turns enrollment by site code on or off; while off, the install link and the code are refused (tokens still work).',
        ),
        params: SiteParams,
        body: UpdateSiteEnrollment,
        response: { 200: SiteEnrollment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) =>
      service.setEnabled(req.params.partnerId, req.params.organizationId, req.params.siteId, req.body.enabled, actorOf(req)),
  );

  app.get(
    `${S}/enrollment-tokens`,
    {
      config: { permission: ENROLL },
      schema: {
        ...doc('listEnrollmentTokens', 'The site’s enrollment tokens, newest first (never the tokens themselves).'),
        params: SiteParams,
        querystring: EnrollmentTokenQuery,
        response: { 200: ListOf(EnrollmentToken), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.listTokens(req.params.partnerId, req.params.organizationId, req.params.siteId, req.query),
  );
  app.post(
    `${S}/enrollment-tokens`,
    {
      config: { permission: ENROLL },
      preValidation: siteFirst,
      schema: {
        ...doc(
          'createEnrollmentToken',
          'Makes a one-time enrollment token for the site: it expires (default 24 hours) and enrolls at most max_uses devices (default 1). The answer holds the token and its install commands, shown this once.',
        ),
        params: SiteParams,
        body: CreateEnrollmentToken,
        response: { 201: CreatedEnrollmentToken, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await service.createToken(
            req.params.partnerId,
            req.params.organizationId,
            req.params.siteId,
            req.body,
            req.principal!.userId,
            actorOf(req),
          ),
        ),
  );
  app.delete(
    `${S}/enrollment-tokens/:tokenId`,
    {
      config: { permission: ENROLL },
      preValidation: siteFirst,
      schema: {
        ...doc(
          'revokeEnrollmentToken',
          'Revokes an enrollment token; it enrolls nothing more. Enrolled devices are not affected.',
        ),
        params: TokenParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { partnerId, organizationId, siteId, tokenId } = req.params;
      await service.revokeToken(partnerId, organizationId, siteId, tokenId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );
}
