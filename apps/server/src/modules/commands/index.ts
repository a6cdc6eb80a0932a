import { liveEvents } from '../../platform/live/live.js';
import { defineModule, type ModuleContext } from '../../platform/modules/define.js';
import { commandKeyOf } from '../../platform/signing/index.js';
import { deliveryOf } from './commands.delivery.js';
import { commandsRoutes } from './commands.routes.js';
import { CommandsService } from './commands.service.js';
import { runWatchdog } from './commands.watchdog.js';

export { CreateTask, Target as TaskTarget, Task } from './commands.schemas.js';
export { DEFAULT_SETTINGS } from './commands.repository.js';
export { checkParameters } from './commands.build.js';
export { fanOutThreshold } from './commands.repository.js';
export { CommandsService, type CreateOptions, type Requester, type ScheduleApproval } from './commands.service.js';
export { runWatchdog, EXPIRY_GRACE_SECONDS, RESULT_GRACE_SECONDS } from './commands.watchdog.js';

export const commandsServiceOf = (ctx: ModuleContext) => new CommandsService(ctx);

/** How long the watchdog waits between its two passes of a minute. */
const HALF_MINUTE_MS = 30_000;

/**
 * Commands (FEATURES AUT4, AUT5, AGT9, AGT18, DEV8; security.md 26, 28): one
 * task model with a signed run per device, delivery that loses nothing,
 * results and live output stored in batches, history with output search,
 * cancel, re-run and clean-up, the fan-out approval and the kill switch.
 */
export const commandsModule = defineModule({
  name: 'commands',
  permissions: {
    'commands.view': { scope: 'partner', description: 'See command history, results and output' },
    'commands.run': {
      scope: 'partner',
      description: 'Run scripts and commands on devices, cancel runs, manage schedules',
    },
    'commands.approve': {
      scope: 'partner',
      description: 'Approve or reject runs on more devices than the fan-out threshold',
    },
    'commands.manage': {
      scope: 'partner',
      description: 'Set the fan-out threshold and run expiry; engage and release the kill switch',
    },
  },
  routes: async (app, ctx) => {
    // The command key is made on first start, not on the first command.
    commandKeyOf(ctx).catch((error: unknown) => ctx.log.error({ err: error }, 'could not load the command signing key'));
    await commandsRoutes(app, new CommandsService(ctx));
  },
  agentHandlers: (ctx) => deliveryOf(ctx).handlers(),
  agentConnected: (ctx) => {
    const delivery = deliveryOf(ctx);
    return (agent) => delivery.connected(agent);
  },
  liveEvents: [
    liveEvents(
      ['run.updated'],
      'commands.view',
      (e) => ({ target: { partnerId: e.tenantId, organizationId: e.organizationId, siteId: e.siteId }, id: e.runId }),
      (e) => ({ task_id: e.taskId, device_id: e.deviceId, status: e.status }),
    ),
    liveEvents(
      ['run.output'],
      'commands.view',
      (e) => ({ target: { partnerId: e.tenantId, organizationId: e.organizationId, siteId: e.siteId }, id: e.runId }),
      (e) => ({ task_id: e.taskId, device_id: e.deviceId, seq: e.seq, stream: e.stream, data: e.data }),
    ),
    liveEvents(['task.updated'], 'commands.view', (e) => ({ target: { partnerId: e.tenantId }, id: e.taskId })),
  ],
  jobs: async (jobs, ctx) => {
    // pg-boss fires once a minute at most: the job looks twice, half a minute apart.
    await jobs.every('commands-watchdog', '* * * * *', async () => {
      await runWatchdog(ctx);
      await new Promise((r) => setTimeout(r, HALF_MINUTE_MS));
      await runWatchdog(ctx);
    });
  },
});
