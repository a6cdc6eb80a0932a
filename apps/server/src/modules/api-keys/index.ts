import { defineModule } from '../../platform/modules/define.js';
import { apiKeysRoutes } from './api-keys.routes.js';
import { ApiKeysService } from './api-keys.service.js';

/**
 * Personal API keys (FEATURES IAM6): made by a user for themselves, listed and
 * revoked by them and by their partner's administrators. Authentication with a
 * key (`Authorization: Bearer crmm_...`) lives in platform/auth/api-keys.ts.
 */
export const apiKeysModule = defineModule({
  name: 'api-keys',
  permissions: {
    'api_keys.view': { scope: 'partner', description: "See the API keys of the partner's users" },
    'api_keys.manage': { scope: 'partner', description: "Revoke any API key of the partner's users" },
  },
  routes: (app, ctx) => apiKeysRoutes(app, new ApiKeysService(ctx.db, ctx.catalog)),
});
