import { liveEvents } from '../../platform/live/live.js';
import { defineModule } from '../../platform/modules/define.js';
import { deviceAgentHandlers } from './devices.agent.js';
import { devicePresence } from './devices.presence.js';
import { devicesRoutes } from './devices.routes.js';
import { DevicesService } from './devices.service.js';

export { enrollDevice, type EnrolledDevice } from './devices.enroll.js';
export { resolveDeviceTargets, type DeviceTarget, type TargetDevice } from './devices.targets.js';

/**
 * Devices and their agents (FEATURES GW1, GW6, DEV1-DEV4, DEV6): the device
 * list and page, tags, moves and saved filters, live process and disk views,
 * agent settings, revocation;
 * what agents report (inventory, status); and, for the gateway, who an agent
 * is and whether it is online.
 */
export const devicesModule = defineModule({
  name: 'devices',
  permissions: {
    'devices.view': { scope: 'partner', description: 'See devices, their inventory, processes and disk usage' },
    'devices.manage': { scope: 'partner', description: 'Change device and agent settings; revoke and delete devices' },
  },
  routes: (app, ctx) => devicesRoutes(app, new DevicesService(ctx)),
  agentHandlers: (ctx) => deviceAgentHandlers(ctx),
  agentPresence: (ctx) => devicePresence(ctx.db),
  liveEvents: [
    liveEvents(
      ['device.online', 'device.offline', 'device.updated', 'device.enrolled', 'device.deleted'],
      'devices.view',
      (e) => ({ target: { partnerId: e.tenantId, organizationId: e.organizationId, siteId: e.siteId }, id: e.deviceId }),
    ),
  ],
});
