import { defineModule } from '../../platform/modules/define.js';
import { tenancyRoutes } from './tenancy.routes.js';
import { TenancyService } from './tenancy.service.js';

export { TenancyService } from './tenancy.service.js';

/** Partner › Organization › Site (FEATURES TEN1-TEN3). */
export const tenancyModule = defineModule({
  name: 'tenancy',
  permissions: {
    'partners.view': { scope: 'partner', description: 'See partners (platform staff: all; partner users: their own)' },
    'partners.manage': { scope: 'platform', description: 'Create, rename, delete and restore partners' },
    'organizations.view': { scope: 'partner', description: 'See organizations' },
    'organizations.manage': { scope: 'partner', description: 'Create, edit, delete and restore organizations' },
    'sites.view': { scope: 'partner', description: 'See sites' },
    'sites.manage': { scope: 'partner', description: 'Create, edit, delete and restore sites' },
  },
  routes: (app, ctx) => tenancyRoutes(app, new TenancyService(ctx.db)),
});
