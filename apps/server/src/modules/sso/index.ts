import { defineModule } from '../../platform/modules/define.js';
import { ssoRoutes } from './sso.routes.js';
import { SsoService } from './sso.service.js';

export { SsoService } from './sso.service.js';

/** Single sign-on through OpenID Connect, per partner (FEATURES IAM7). */
export const ssoModule = defineModule({
  name: 'sso',
  permissions: {
    'sso.manage': { scope: 'partner', description: 'Configure single sign-on (OpenID Connect) and whether it is required' },
  },
  routes: (app, ctx) => ssoRoutes(app, new SsoService(ctx), ctx),
});
