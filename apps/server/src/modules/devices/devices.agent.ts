import { contentHash } from '@cloudrmm/protocol';
import type { AgentHandlers, AgentSession } from '../../platform/gateway/agent-link.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { agentDataRepo } from './devices.repository.js';

const eventOf = (a: AgentSession) => ({
  tenantId: a.tenantId,
  organizationId: a.organizationId,
  siteId: a.siteId,
  deviceId: a.deviceId,
});

/**
 * What agents report about their device (AGT4-AGT6): the inventory snapshot
 * and the periodic status. Written only to the device the credential proved.
 */
export function deviceAgentHandlers(ctx: ModuleContext): AgentHandlers {
  return {
    async inventory(agent, frame) {
      const { hash, inventory } = frame.payload;
      // The hash is what the server hands back in the next welcome; it must be the content's.
      if (contentHash(inventory) !== hash) {
        agent.send(
          'error',
          { code: 'invalid_payload', message: 'inventory: hash is not the sha256 of the canonical JSON of inventory' },
          { re: frame.id },
        );
        return;
      }
      const changed = await ctx.db.withTenant(agent.tenantId, async (tx) => {
        // Unchanged content: nothing to rewrite, only acknowledge.
        if ((await agentDataRepo.inventoryHash(tx, agent.deviceId)) === hash) return false;
        await agentDataRepo.storeInventory(tx, agent.tenantId, agent.deviceId, hash, inventory);
        return true;
      });
      agent.send('inventory.ack', { hash }, { re: frame.id });
      if (changed) ctx.bus.publish('device.updated', eventOf(agent));
    },

    async status(agent, frame, { first }) {
      await ctx.db.withTenant(agent.tenantId, (tx) => agentDataRepo.storeStatus(tx, agent.deviceId, frame.payload.status));
      // The status sent on connect fills the device page; later ones (every few minutes, from
      // every device) would only make dashboards refetch, so they are not announced.
      if (first) ctx.bus.publish('device.updated', eventOf(agent));
    },
  };
}
