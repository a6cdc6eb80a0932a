import { defineModule } from '../../platform/modules/define.js';
import { auditRoutes } from './audit.routes.js';
import { AuditService } from './audit.service.js';

/** The audit log viewer, export and chain verification (FEATURES IAM9). Writing is platform/audit. */
export const auditModule = defineModule({
  name: 'audit',
  permissions: {
    'audit.view': { scope: 'partner', description: "Read, export and verify the partner's audit log" },
    'audit.view_platform': { scope: 'platform', description: "Read, export and verify the platform's audit log" },
  },
  routes: (app, ctx) => auditRoutes(app, new AuditService(ctx.db)),
});
