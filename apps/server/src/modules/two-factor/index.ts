import { defineModule } from '../../platform/modules/define.js';
import { mySessionsRoutes } from './my-sessions.routes.js';
import { MySessionsService } from './my-sessions.service.js';
import { SecurityPolicyService } from './security-policy.service.js';
import { twoFactorRoutes } from './two-factor.routes.js';
import { TwoFactorService } from './two-factor.service.js';

/**
 * TOTP two-factor sign-in with recovery codes and trusted browsers, the
 * partner's policy requiring it (FEATURES IAM2), and the user's own sessions
 * (IAM3). The sign-in branch and the pending-session gate live in platform/auth.
 */
export const twoFactorModule = defineModule({
  name: 'two-factor',
  permissions: {
    'security.manage': {
      scope: 'partner',
      description: "See and set the partner's sign-in security policy (require two-factor sign-in)",
    },
  },
  routes: async (app, ctx) => {
    await twoFactorRoutes(app, ctx, new TwoFactorService(ctx), new SecurityPolicyService(ctx));
    await mySessionsRoutes(app, new MySessionsService(ctx));
  },
});
