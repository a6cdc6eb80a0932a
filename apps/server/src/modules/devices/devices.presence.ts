import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { AgentIdentity, AgentPresence } from '../../platform/gateway/agent-link.js';
import { parseAgentCredential, secretMatches } from './agent-credential.js';
import { DEFAULT_AGENT_SETTINGS } from './devices.repository.js';

/**
 * Agent authentication and presence for the gateway (GW1). The agent row is
 * found in platform context by the id inside the credential (the only
 * tenant-less step, and the id is worthless without the secret); everything
 * else happens inside the agent's own partner.
 */
export function devicePresence(db: Database): AgentPresence {
  return {
    async authenticate(credential) {
      const parsed = parseAgentCredential(credential);
      if (!parsed) return null;
      const agent = await db.withPlatform((tx) =>
        tx
          .selectFrom('agents')
          .select(['id', 'tenant_id', 'device_id', 'secret_hash', 'revoked_at'])
          .where('id', '=', parsed.agentId)
          .executeTakeFirst(),
      );
      if (!agent || agent.revoked_at !== null || !secretMatches(parsed.secret, agent.secret_hash)) return null;
      const device = await db.withTenant(agent.tenant_id, (tx) =>
        tx
          .selectFrom('devices')
          .select(['id', 'organization_id', 'site_id', 'hostname'])
          .where('id', '=', agent.device_id)
          .where('deleted_at', 'is', null)
          .executeTakeFirst(),
      );
      if (!device) return null;
      return {
        agentId: agent.id,
        deviceId: device.id,
        tenantId: agent.tenant_id,
        organizationId: device.organization_id,
        siteId: device.site_id,
        hostname: device.hostname,
      } satisfies AgentIdentity;
    },

    connected(agent, where) {
      return db.withTenant(agent.tenantId, async (tx) => {
        const row = await tx
          .updateTable('devices as d')
          .set({
            online: true,
            connected_at: sql`now()`,
            last_seen_at: sql`now()`,
            gateway_id: where.gatewayId,
            remote_ip: where.remoteIp,
          })
          .where('d.id', '=', agent.deviceId)
          .returning([
            'd.inventory_hash',
            sql<number>`coalesce(d.heartbeat_seconds, (select heartbeat_seconds from agent_settings), ${DEFAULT_AGENT_SETTINGS.heartbeat_seconds})`.as(
              'heartbeat_seconds',
            ),
            sql<number>`coalesce(d.inventory_minutes, (select inventory_minutes from agent_settings), ${DEFAULT_AGENT_SETTINGS.inventory_minutes})`.as(
              'inventory_minutes',
            ),
          ])
          .executeTakeFirstOrThrow();
        return {
          config: { heartbeat_seconds: row.heartbeat_seconds, inventory_minutes: row.inventory_minutes },
          inventoryHash: row.inventory_hash,
        };
      });
    },

    async disconnected(agent, gatewayId, lastSeenAt) {
      await db.withTenant(agent.tenantId, (tx) =>
        tx
          .updateTable('devices')
          .set({
            online: false,
            disconnected_at: sql`now()`,
            last_seen_at: sql`greatest(last_seen_at, ${lastSeenAt.toISOString()}::timestamptz)`,
          })
          .where('id', '=', agent.deviceId)
          .where('online', '=', true)
          // Reconnected through another gateway meanwhile: that one holds it now.
          .where('gateway_id', '=', gatewayId)
          .execute(),
      );
    },

    async seen(tenantId, devices) {
      if (devices.length === 0) return;
      const ids = devices.map((d) => d.deviceId);
      const ats = devices.map((d) => d.at.toISOString());
      await db.withTenant(tenantId, (tx) =>
        sql`update devices d set last_seen_at = v.at
              from unnest(${ids}::uuid[], ${ats}::timestamptz[]) as v(id, at)
             where d.id = v.id and (d.last_seen_at is null or d.last_seen_at < v.at)`.execute(tx),
      );
    },

    async revoked(agentIds) {
      if (agentIds.length === 0) return [];
      const rows = await db.withPlatform((tx) =>
        tx
          .selectFrom('agents')
          .select('id')
          .where(sql<boolean>`id = any(${agentIds}::uuid[])`)
          .where('revoked_at', 'is not', null)
          .execute(),
      );
      return rows.map((r) => r.id);
    },

    async abandon(gatewayId) {
      // Devices are behind RLS with no platform view: visit each partner that has agents.
      const tenants = await db.withPlatform((tx) => tx.selectFrom('agents').select('tenant_id').distinct().execute());
      const left: { tenantId: string; organizationId: string; siteId: string; deviceId: string }[] = [];
      for (const { tenant_id: tenantId } of tenants) {
        const rows = await db.withTenant(tenantId, (tx) =>
          tx
            .updateTable('devices')
            .set({ online: false, disconnected_at: sql`now()` })
            .where('online', '=', true)
            .where('gateway_id', '=', gatewayId)
            .returning(['id', 'organization_id', 'site_id'])
            .execute(),
        );
        for (const r of rows) left.push({ tenantId, organizationId: r.organization_id, siteId: r.site_id, deviceId: r.id });
      }
      return left;
    },
  };
}
