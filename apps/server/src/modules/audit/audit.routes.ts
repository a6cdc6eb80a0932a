import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import { AuditEvent, AuditQuery, ChainVerification } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

const PartnerParams = Type.Object({ partnerId: Type.String({ format: 'uuid' }) });

export async function auditRoutes(root: FastifyInstance, service: AuditService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  // One partner's chain, and the platform's own chain: same shape, different permission.
  const chains = [
    {
      prefix: '/partners/:partnerId',
      permission: 'audit.view',
      who: "a partner's",
      tenant: (p: unknown) => (p as { partnerId: string }).partnerId,
      params: PartnerParams,
      suffix: '',
    },
    {
      prefix: '',
      permission: 'audit.view_platform',
      who: 'the platform',
      tenant: () => null,
      params: undefined,
      suffix: 'Platform',
    },
  ];
  for (const c of chains) {
    const params = c.params ? { params: c.params } : {};
    app.get(
      `${c.prefix}/audit-events`,
      {
        config: { permission: c.permission },
        schema: {
          tags: ['audit'],
          operationId: `list${c.suffix}AuditEvents`,
          description: `Audit events of ${c.who} chain, newest first, with filters. This read is itself audited. Permission: ${c.permission}.`,
          ...params,
          querystring: AuditQuery,
          response: { 200: ListOf(AuditEvent), ...errorResponses(400, 401, 403, 404) },
        },
      },
      (req) => service.list(c.tenant(req.params), req.query, actorOf(req)),
    );

    app.get(
      `${c.prefix}/audit-events/export`,
      {
        config: { permission: c.permission },
        schema: {
          tags: ['audit'],
          operationId: `export${c.suffix}AuditEvents`,
          description: `CSV of ${c.who} audit events (same filters; spreadsheet formulas neutralised). Audited. Permission: ${c.permission}.`,
          ...params,
          querystring: AuditQuery,
          response: { 200: Type.String(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        const csv = await service.exportCsv(c.tenant(req.params), req.query, actorOf(req));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`)
          .send(csv);
      },
    );

    app.post(
      `${c.prefix}/audit-events/verify`,
      {
        config: { permission: c.permission },
        schema: {
          tags: ['audit'],
          operationId: `verify${c.suffix}AuditChain`,
          description: `Recomputes ${c.who} hash chain and reports the first edited or missing event. Permission: ${c.permission}.`,
          ...params,
          response: { 200: ChainVerification, ...errorResponses(401, 403, 404) },
        },
      },
      (req) => service.verify(c.tenant(req.params), actorOf(req)),
    );
  }
}
