import { defineModule } from '../../platform/modules/define.js';
import { CommandsService } from '../commands/index.js';
import { schedulesRoutes } from './schedules.routes.js';
import { fireDueSchedules, SchedulesService } from './schedules.service.js';

export { fireDueSchedules, nextOccurrence } from './schedules.service.js';

/**
 * Schedules (FEATURES AUT3): cron expressions in a time zone that make a task
 * on devices, sites, organizations, a saved filter or the whole partner. The
 * worker looks for due schedules every minute; a firing missed while nothing
 * ran happens once, not once per missed occurrence. Permissions are the
 * commands module's (commands.view, commands.run).
 */
export const schedulesModule = defineModule({
  name: 'schedules',
  permissions: {},
  routes: (app, ctx) => schedulesRoutes(app, new SchedulesService(ctx, new CommandsService(ctx))),
  jobs: async (jobs, ctx) => {
    const commands = new CommandsService(ctx);
    await jobs.every('command-schedules', '* * * * *', async () => {
      const { fired, failed } = await fireDueSchedules(ctx, new Date(), commands);
      if (fired + failed > 0) ctx.log.info({ fired, failed }, 'schedules fired');
    });
  },
});
