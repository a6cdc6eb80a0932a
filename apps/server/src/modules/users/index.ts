import { defineModule } from '../../platform/modules/define.js';
import { AccessService } from '../access/index.js';
import { accountRoutes } from './account.routes.js';
import { AccountService } from './account.service.js';
import { userTokensRepo } from './users.repository.js';
import { usersRoutes } from './users.routes.js';
import { UsersService } from './users.service.js';

export { userTokensRepo } from './users.repository.js';

/**
 * Users and their administration (FEATURES IAM1, IAM8): invitations by email,
 * suspension, deletion, the users list with roles and CSV export; each user's
 * own profile and password, and password reset by email. The permissions
 * (users.view, users.manage) belong to the access module, which also checks
 * every role handed out.
 */
export const usersModule = defineModule({
  name: 'users',
  permissions: {},
  routes: async (app, ctx) => {
    await usersRoutes(app, new UsersService(ctx, new AccessService(ctx.db, ctx.catalog)));
    await accountRoutes(app, new AccountService(ctx), ctx);
  },
  jobs: async (jobs, ctx) => {
    await jobs.every('user-tokens-purge', '41 3 * * *', async () => {
      const n = await ctx.db.withPlatform((tx) => userTokensRepo.purgeEnded(tx));
      if (n > 0) ctx.log.info({ links: n }, 'purged ended invitation and password reset links');
    });
  },
});
