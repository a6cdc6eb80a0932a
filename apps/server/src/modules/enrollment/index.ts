import { defineModule, type ModuleContext } from '../../platform/modules/define.js';
import { commandKeyOf } from '../../platform/signing/index.js';
import { TenancyService } from '../tenancy/index.js';
import { enrollmentGatewayRoutes } from './enrollment.gateway.js';
import { enrollmentRoutes } from './enrollment.routes.js';
import { EnrollmentService } from './enrollment.service.js';
import { AgentBundle } from './install/agent-bundle.js';

export const enrollmentServiceOf = (ctx: ModuleContext) =>
  new EnrollmentService(
    ctx.db,
    new TenancyService(ctx.db),
    ctx.config.publicUrl,
    ctx.log,
    ctx.bus,
    async () => (await commandKeyOf(ctx)).publicInfo,
  );

/**
 * Enrollment (FEATURES AGT1, AGT2): each site's code and public install link,
 * one-time enrollment tokens, and the gateway's side of it: the enrollment
 * endpoint agents call, the install pages and scripts, and the agent bundle
 * those scripts download.
 */
export const enrollmentModule = defineModule({
  name: 'enrollment',
  permissions: {
    'devices.enroll': { scope: 'partner', description: 'See install links and site codes; make enrollment tokens' },
  },
  routes: (app, ctx) => enrollmentRoutes(app, enrollmentServiceOf(ctx)),
  gatewayRoutes: (app, ctx) =>
    enrollmentGatewayRoutes(app, {
      service: enrollmentServiceOf(ctx),
      bundle: new AgentBundle(ctx.config.agentBundle),
      publicUrl: ctx.config.publicUrl,
    }),
});
