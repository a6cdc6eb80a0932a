import { defineModule } from '../../platform/modules/define.js';
import { accessRoutes } from './access.routes.js';
import { AccessService } from './access.service.js';

export { AccessService } from './access.service.js';

/** Roles, the permission catalog and scoped role assignments (FEATURES IAM4, IAM5). */
export const accessModule = defineModule({
  name: 'access',
  permissions: {
    'roles.view': { scope: 'partner', description: 'See roles and the permission catalog' },
    'roles.manage': { scope: 'partner', description: 'Create, edit and delete custom roles' },
    'users.view': { scope: 'partner', description: 'See users and their role assignments' },
    'users.manage': { scope: 'partner', description: 'Invite, suspend and delete users; assign roles' },
    'users.manage_platform': { scope: 'platform', description: 'Manage platform staff and their platform-wide roles' },
  },
  routes: (app, ctx) => accessRoutes(app, new AccessService(ctx.db, ctx.catalog)),
});
