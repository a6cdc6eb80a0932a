import type { AgentConfig } from '@cloudrmm/protocol';
import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import { Batcher, perGroup } from '../../platform/gateway/batch.js';
import type { AgentIdentity, AgentPresence } from '../../platform/gateway/agent-link.js';
import { parseAgentCredential, secretMatches } from './agent-credential.js';
import { agentDataRepo, DEFAULT_AGENT_SETTINGS } from './devices.repository.js';

/**
 * Agent authentication and presence for the gateway (GW1). The agent row is
 * found in platform context by the id inside the credential (the only
 * tenant-less step, and the id is worthless without the secret); everything
 * else happens inside the agent's own partner.
 */
export function devicePresence(db: Database): AgentPresence {
  // Connects, disconnects and authentications that arrive while earlier ones are
  // being written go together: one query per partner for the whole group.
  const batching = { concurrency: 2, maxBatch: 1_000 };

  const authentications = new Batcher<{ agentId: string; secret: string }, AgentIdentity | null>(async (items) => {
    const ids = unique(items.map((i) => i.agentId));
    const agents = await db.withPlatform((tx) =>
      tx
        .selectFrom('agents')
        .select(['id', 'tenant_id', 'device_id', 'secret_hash', 'revoked_at'])
        .where(sql<boolean>`id = any(${ids}::uuid[])`)
        .execute(),
    );
    const byId = new Map(agents.map((a) => [a.id, a]));
    const proven = items.map((i) => {
      const agent = byId.get(i.agentId);
      return agent && agent.revoked_at === null && secretMatches(i.secret, agent.secret_hash) ? agent : null;
    });
    const devices = await perGroup(
      proven.filter((a) => a !== null),
      (a) => a.tenant_id,
      async (tenantId, group) => {
        const rows = await db.withTenant(tenantId, (tx) =>
          tx
            .selectFrom('devices')
            .select(['id', 'organization_id', 'site_id', 'hostname'])
            .where(sql<boolean>`id = any(${unique(group.map((a) => a.device_id))}::uuid[])`)
            .where('deleted_at', 'is', null)
            .execute(),
        );
        const byDevice = new Map(rows.map((d) => [d.id, d]));
        return group.map((a) => byDevice.get(a.device_id) ?? null);
      },
    );
    let next = 0;
    return proven.map((agent) => {
      if (!agent) return null;
      const device = devices[next++];
      if (device instanceof Error) return device;
      if (!device) return null;
      return {
        agentId: agent.id,
        deviceId: device.id,
        tenantId: agent.tenant_id,
        organizationId: device.organization_id,
        siteId: device.site_id,
        hostname: device.hostname,
      } satisfies AgentIdentity;
    });
  }, batching);

  type Connect = { agent: AgentIdentity; gatewayId: string; remoteIp: string | null };
  const connects = new Batcher<Connect, { config: AgentConfig; inventoryHash: string | null }>(
    (items) =>
      perGroup(
        items,
        (c) => c.agent.tenantId,
        async (tenantId, group) => {
          // The same device twice in one group: its last connect counts.
          const last = new Map(group.map((c) => [c.agent.deviceId, c]));
          const rows = await db.withTenant(tenantId, async (tx) => {
            await agentDataRepo.lockInOrder(tx, [...last.keys()]);
            return sql<{ id: string; inventory_hash: string | null; heartbeat_seconds: number; inventory_minutes: number }>`
              update devices d
                 set online = true, connected_at = now(), last_seen_at = now(),
                     gateway_id = v.gateway_id, remote_ip = v.remote_ip
                from unnest(${[...last.keys()]}::uuid[], ${[...last.values()].map((c) => c.gatewayId)}::text[],
                            ${[...last.values()].map((c) => c.remoteIp)}::text[]) as v(device_id, gateway_id, remote_ip)
               where d.id = v.device_id
              returning d.id, d.inventory_hash,
                coalesce(d.heartbeat_seconds, (select heartbeat_seconds from agent_settings),
                         ${DEFAULT_AGENT_SETTINGS.heartbeat_seconds}::int) as heartbeat_seconds,
                coalesce(d.inventory_minutes, (select inventory_minutes from agent_settings),
                         ${DEFAULT_AGENT_SETTINGS.inventory_minutes}::int) as inventory_minutes`.execute(tx);
          });
          const byId = new Map(rows.rows.map((r) => [r.id, r]));
          return group.map((c) => {
            const row = byId.get(c.agent.deviceId);
            if (!row) return new Error(`device ${c.agent.deviceId} not found`);
            return {
              config: { heartbeat_seconds: row.heartbeat_seconds, inventory_minutes: row.inventory_minutes },
              inventoryHash: row.inventory_hash,
            };
          });
        },
      ),
    batching,
  );

  type Disconnect = { agent: AgentIdentity; gatewayId: string; lastSeenAt: Date };
  const disconnects = new Batcher<Disconnect, void>(
    (items) =>
      perGroup(
        items,
        (d) => d.agent.tenantId,
        async (tenantId, group) => {
          const latest = new Map<string, Disconnect>();
          for (const d of group) {
            const seen = latest.get(d.agent.deviceId);
            if (!seen || seen.lastSeenAt < d.lastSeenAt) latest.set(d.agent.deviceId, d);
          }
          const list = [...latest.values()];
          await db.withTenant(tenantId, async (tx) => {
            await agentDataRepo.lockInOrder(
              tx,
              list.map((d) => d.agent.deviceId),
            );
            await sql`update devices d
                   set online = false, disconnected_at = now(), last_seen_at = greatest(d.last_seen_at, v.at)
                  from unnest(${list.map((d) => d.agent.deviceId)}::uuid[], ${list.map((d) => d.gatewayId)}::text[],
                              ${list.map((d) => d.lastSeenAt.toISOString())}::timestamptz[]) as v(device_id, gateway_id, at)
                 where d.id = v.device_id and d.online
                   -- Reconnected through another gateway meanwhile: that one holds it now.
                   and d.gateway_id = v.gateway_id`.execute(tx);
          });
          return group.map(() => undefined);
        },
      ),
    batching,
  );

  return {
    async authenticate(credential) {
      const parsed = parseAgentCredential(credential);
      if (!parsed) return null;
      return authentications.add(parsed);
    },

    connected(agent, where) {
      return connects.add({ agent, gatewayId: where.gatewayId, remoteIp: where.remoteIp });
    },

    disconnected(agent, gatewayId, lastSeenAt) {
      return disconnects.add({ agent, gatewayId, lastSeenAt });
    },

    async seen(tenantId, devices) {
      if (devices.length === 0) return;
      const ids = devices.map((d) => d.deviceId);
      const ats = devices.map((d) => d.at.toISOString());
      await db.withTenant(tenantId, async (tx) => {
        await agentDataRepo.lockInOrder(tx, ids);
        await sql`update devices d set last_seen_at = v.at
              from unnest(${ids}::uuid[], ${ats}::timestamptz[]) as v(id, at)
             where d.id = v.id and (d.last_seen_at is null or d.last_seen_at < v.at)`.execute(tx);
      });
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
        const rows = await db.withTenant(tenantId, async (tx) => {
          // In id order, like every other writer of many devices: at a stop, the offline writes of
          // sockets closing that moment are still running.
          await sql`select 1 from devices where online and gateway_id = ${gatewayId} order by id for no key update`.execute(tx);
          return tx
            .updateTable('devices')
            .set({ online: false, disconnected_at: sql`now()` })
            .where('online', '=', true)
            .where('gateway_id', '=', gatewayId)
            .returning(['id', 'organization_id', 'site_id'])
            .execute();
        });
        for (const r of rows) left.push({ tenantId, organizationId: r.organization_id, siteId: r.site_id, deviceId: r.id });
      }
      return left;
    },
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
