import { contentHash, type Status } from '@cloudrmm/protocol';
import type { AgentHandlers, AgentSession } from '../../platform/gateway/agent-link.js';
import { Batcher, perGroup } from '../../platform/gateway/batch.js';
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
  // Every agent sends a status as it connects: those arriving while earlier ones are
  // being written go together, one statement per partner.
  const statuses = new Batcher<{ tenantId: string; deviceId: string; status: Status }, void>(
    (items) =>
      perGroup(
        items,
        (s) => s.tenantId,
        async (tenantId, group) => {
          await ctx.db.withTenant(tenantId, (tx) => agentDataRepo.storeStatuses(tx, group));
          return group.map(() => undefined);
        },
      ),
    { concurrency: 2, maxBatch: 1_000 },
  );

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
      // Unchanged content: nothing is rewritten, only acknowledged.
      const changed = await ctx.db.withTenant(agent.tenantId, (tx) =>
        agentDataRepo.storeInventory(tx, agent.tenantId, agent.deviceId, hash, inventory),
      );
      agent.send('inventory.ack', { hash }, { re: frame.id });
      if (changed) ctx.bus.publish('device.updated', eventOf(agent));
    },

    async status(agent, frame, { first }) {
      await statuses.add({ tenantId: agent.tenantId, deviceId: agent.deviceId, status: frame.payload.status });
      // The status sent on connect fills the device page; later ones (every few minutes, from
      // every device) would only make dashboards refetch, so they are not announced.
      if (first) ctx.bus.publish('device.updated', eventOf(agent));
    },
  };
}
