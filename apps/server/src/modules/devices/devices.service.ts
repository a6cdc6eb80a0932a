import type { AgentConfig } from '@cloudrmm/protocol';
import { audit, type Actor } from '../../platform/audit/audit.js';
import { canSee, hasPermission, visibleWithin, type Principal, type Visibility } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { CLOSE_REVOKED } from '../../platform/gateway/agent-link.js';
import { toCsv } from '../../platform/http/csv.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import {
  agentSettingsRepo,
  bulkRepo,
  DEFAULT_AGENT_SETTINGS,
  devicesRepo,
  filtersRepo,
  softwareRepo,
  type DeviceLocation,
  type DeviceRow,
} from './devices.repository.js';
import {
  MAX_TAGS_PER_DEVICE,
  type AgentSettings,
  type BulkMove,
  type BulkTags,
  type CreateDeviceFilter,
  type DeviceFilter,
  type UpdateDeviceFilter,
  type DeviceDetail,
  type DeviceExportQuery,
  type DeviceQuery,
  type DiskUsageQuery,
  type ProcessQuery,
  type SoftwareQuery,
  type SummaryQuery,
  type UpdateAgentSettings,
  type UpdateDevice,
} from './devices.schemas.js';

/**
 * Close code for "reconnect now": the agent treats every code but 4003
 * (revoked) as a reason to reconnect, and its new session reads where the
 * device is (a move to another site).
 */
export const CLOSE_RECONNECT = 1012;

/** How long a live request (processes, disk usage) waits for the agent. */
export const AGENT_REQUEST_TIMEOUT_MS = 15_000;
/** The most rows one CSV export holds. */
const EXPORT_MAX_ROWS = 10_000;

/**
 * Devices as technicians see and manage them (DEV1-DEV3, DEV6, GW6). Reads
 * are narrowed to the organizations and sites where the caller holds the
 * permission; live data comes from the agent through ctx.agents.
 */
export class DevicesService {
  constructor(private readonly ctx: ModuleContext) {}

  list(partnerId: string, principal: Principal, query: DeviceQuery) {
    const visibility = this.visibility(principal, partnerId, 'devices.view');
    return this.ctx.db.withTenant(partnerId, (tx) => devicesRepo.list(tx, visibility, query));
  }

  /** The list as CSV: same filters, sort and scope; agent-supplied text cannot become a formula (security.md 17). */
  exportCsv(partnerId: string, principal: Principal, query: DeviceExportQuery, actor: Actor): Promise<string> {
    const visibility = this.visibility(principal, partnerId, 'devices.view');
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const rows = await devicesRepo.exportRows(tx, visibility, query, EXPORT_MAX_ROWS);
      await audit(tx, partnerId, actor, {
        action: 'device.export',
        targetType: 'device',
        after: { rows: rows.length, ...query },
      });
      return toCsv(
        [
          'hostname',
          'status',
          'organization',
          'site',
          'platform',
          'os_name',
          'os_version',
          'arch',
          'ip_addresses',
          'mac_addresses',
          'logged_in_users',
          'agent_version',
          'last_seen_at',
          'enrolled_at',
        ],
        rows.map((d) => [
          d.hostname,
          d.revoked ? 'revoked' : d.online ? 'online' : 'offline',
          d.organization_name,
          d.site_name,
          d.platform,
          d.os_name,
          d.os_version,
          d.arch,
          d.ip_addresses.join('; '),
          d.mac_addresses.join('; '),
          d.logged_in_users.join('; '),
          d.agent_version,
          d.last_seen_at,
          d.enrolled_at,
        ]),
      );
    });
  }

  counts(partnerId: string, principal: Principal, query: SummaryQuery) {
    const visibility = this.visibility(principal, partnerId, 'devices.view');
    return this.ctx.db.withTenant(partnerId, (tx) => devicesRepo.counts(tx, visibility, query));
  }

  get(partnerId: string, deviceId: string, principal: Principal): Promise<DeviceDetail> {
    return this.ctx.db.withTenant(partnerId, async (tx) => detail(await this.find(tx, partnerId, deviceId, principal)));
  }

  software(partnerId: string, deviceId: string, principal: Principal, query: SoftwareQuery) {
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      await this.find(tx, partnerId, deviceId, principal);
      return softwareRepo.list(tx, deviceId, query);
    });
  }

  /** AGT7: asked of the agent now, never stored. */
  async processes(partnerId: string, deviceId: string, principal: Principal, query: ProcessQuery) {
    await this.ctx.db.withTenant(partnerId, (tx) => this.find(tx, partnerId, deviceId, principal));
    const reply = await this.ctx.agents.request(
      deviceId,
      'processes.list',
      { sort: query.sort ?? 'cpu', limit: query.limit ?? 200 },
      AGENT_REQUEST_TIMEOUT_MS,
    );
    return { items: reply.processes, total: reply.total, sampled_ms: reply.sampled_ms, sampled_at: new Date().toISOString() };
  }

  /** AGT8: partitions and the largest folders, asked of the agent now. */
  async diskUsage(partnerId: string, deviceId: string, principal: Principal, query: DiskUsageQuery) {
    await this.ctx.db.withTenant(partnerId, (tx) => this.find(tx, partnerId, deviceId, principal));
    const reply = await this.ctx.agents.request(deviceId, 'disk.usage', query, AGENT_REQUEST_TIMEOUT_MS);
    return { ...reply, sampled_at: new Date().toISOString() };
  }

  /** Per-device overrides of the agent settings; applied live when the agent is connected (GW6). */
  async update(partnerId: string, deviceId: string, principal: Principal, input: UpdateDevice, actor: Actor) {
    const { version, ...values } = input;
    const after = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await this.find(tx, partnerId, deviceId, principal, 'devices.manage');
      if (!(await devicesRepo.updateSettings(tx, deviceId, version, values))) throw staleVersion('device');
      const after = (await devicesRepo.get(tx, deviceId, null))!;
      await audit(tx, partnerId, actor, {
        action: 'device.update',
        targetType: 'device',
        targetId: deviceId,
        before: settingsOf(before),
        after: settingsOf(after),
      });
      return after;
    });
    this.ctx.agents.push(deviceId, 'config', { config: configOf(after) });
    this.ctx.bus.publish('device.updated', eventOf(partnerId, after));
    return detail(after);
  }

  /** Revokes the agent's credential: its socket closes now (here) or within seconds (on another gateway). */
  async revoke(partnerId: string, deviceId: string, principal: Principal, actor: Actor) {
    const after = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await this.find(tx, partnerId, deviceId, principal, 'devices.manage');
      if (before.revoked) return before;
      await devicesRepo.revoke(tx, deviceId, actor.id);
      await audit(tx, partnerId, actor, {
        action: 'device.revoke',
        targetType: 'device',
        targetId: deviceId,
        before: summaryOf(before),
      });
      return (await devicesRepo.get(tx, deviceId, null))!;
    });
    this.ctx.agents.close(deviceId, CLOSE_REVOKED, 'credential revoked');
    this.ctx.bus.publish('device.updated', eventOf(partnerId, after));
    return detail(after);
  }

  /** Soft delete; the agent is revoked with it, so a deleted device never reconnects. */
  async delete(partnerId: string, deviceId: string, principal: Principal, actor: Actor): Promise<void> {
    const before = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await this.find(tx, partnerId, deviceId, principal, 'devices.manage');
      await devicesRepo.revoke(tx, deviceId, actor.id);
      await devicesRepo.softDelete(tx, deviceId);
      await audit(tx, partnerId, actor, {
        action: 'device.delete',
        targetType: 'device',
        targetId: deviceId,
        before: summaryOf(before),
      });
      return before;
    });
    this.ctx.agents.close(deviceId, CLOSE_REVOKED, 'device deleted');
    this.ctx.bus.publish('device.deleted', eventOf(partnerId, before));
  }

  async getAgentSettings(partnerId: string): Promise<AgentSettings> {
    const row = await this.ctx.db.withTenant(partnerId, (tx) => agentSettingsRepo.get(tx));
    return row ?? { ...DEFAULT_AGENT_SETTINGS, version: 0 };
  }

  /** The partner's defaults; pushed at once to its connected agents that have no override. */
  async putAgentSettings(partnerId: string, input: UpdateAgentSettings, actor: Actor): Promise<AgentSettings> {
    const { version, ...values } = input;
    const { saved, following } = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = (await agentSettingsRepo.get(tx)) ?? { ...DEFAULT_AGENT_SETTINGS, version: 0 };
      const saved = await agentSettingsRepo.put(tx, partnerId, version, values);
      if (!saved) throw staleVersion('the agent settings');
      await audit(tx, partnerId, actor, {
        action: 'agent_settings.update',
        targetType: 'partner',
        targetId: partnerId,
        before,
        after: saved,
      });
      return { saved, following: await devicesRepo.followingPartnerSettings(tx) };
    });
    for (const d of following) {
      this.ctx.agents.push(d.id, 'config', {
        config: {
          heartbeat_seconds: d.heartbeat_seconds ?? saved.heartbeat_seconds,
          inventory_minutes: d.inventory_minutes ?? saved.inventory_minutes,
        },
      });
    }
    return saved;
  }

  // Bulk actions (DEV4) -----------------------------------------------------

  /** Adds and removes tags on many devices: one statement, one audit event. */
  async bulkTags(partnerId: string, principal: Principal, input: BulkTags, actor: Actor) {
    const add = uniqueLower(input.add ?? []);
    const remove = uniqueLower(input.remove ?? []);
    if (add.length === 0 && remove.length === 0) {
      throw new AppError('validation_failed', 'give tags to add or to remove', { field: 'add' });
    }
    const both = add.find((t) => remove.includes(t));
    if (both) throw new AppError('validation_failed', `"${both}" is both added and removed`, { field: 'remove' });
    const visibility = this.visibility(principal, partnerId, 'devices.manage');
    const { changed, located } = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const located = await this.locateAll(tx, visibility, input.device_ids);
      const changed = await bulkRepo.retag(tx, input.device_ids, add, remove);
      const over = changed.find((d) => d.tags.length > MAX_TAGS_PER_DEVICE);
      if (over) {
        throw new AppError('validation_failed', `a device carries at most ${MAX_TAGS_PER_DEVICE} tags`, { field: 'add' });
      }
      await audit(tx, partnerId, actor, {
        action: 'device.bulk_tags',
        targetType: 'device',
        after: { device_ids: input.device_ids, add, remove, changed: changed.length },
      });
      return { changed, located };
    });
    const ids = new Set(changed.map((c) => c.id));
    for (const d of located) if (ids.has(d.id)) this.ctx.bus.publish('device.updated', eventOf(partnerId, d));
    return { updated: changed.length, device_ids: changed.map((c) => c.id) };
  }

  /**
   * Moves devices to another site of the partner: devices.manage where each
   * device is now and on the target site. Connected agents are asked to
   * reconnect, so their gateway session carries the new site.
   */
  async bulkMove(partnerId: string, principal: Principal, input: BulkMove, actor: Actor) {
    const visibility = this.visibility(principal, partnerId, 'devices.manage');
    const { moved, site } = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const site = await bulkRepo.site(tx, input.site_id);
      const where = site && { partnerId, organizationId: site.organization_id, siteId: site.id };
      if (!site || !where || !canSee(principal, where)) throw new AppError('not_found', 'site not found', { field: 'site_id' });
      if (!hasPermission(principal, 'devices.manage', where, true)) {
        throw new AppError('forbidden', 'you need the devices.manage permission on the target site');
      }
      const located = await this.locateAll(tx, visibility, input.device_ids);
      const moving = located.filter((d) => d.site_id !== site.id);
      if (moving.length > 0)
        await bulkRepo.move(
          tx,
          moving.map((d) => d.id),
          site,
        );
      await audit(tx, partnerId, actor, {
        action: 'device.bulk_move',
        targetType: 'site',
        targetId: site.id,
        before: moving.map((d) => ({ id: d.id, hostname: d.hostname, organization_id: d.organization_id, site_id: d.site_id })),
        after: { organization_id: site.organization_id, site_id: site.id, site_name: site.name, moved: moving.length },
      });
      return { moved: moving, site };
    });
    for (const d of moved) {
      this.ctx.agents.close(d.id, CLOSE_RECONNECT, 'device moved to another site; reconnect');
      // Both places hear of it: who watched the old site sees the device leave.
      this.ctx.bus.publish('device.updated', eventOf(partnerId, d));
      this.ctx.bus.publish(
        'device.updated',
        eventOf(partnerId, { ...d, organization_id: site.organization_id, site_id: site.id }),
      );
    }
    return { updated: moved.length, device_ids: moved.map((d) => d.id) };
  }

  // Saved filters --------------------------------------------------------------

  listFilters(partnerId: string) {
    return this.ctx.db.withTenant(partnerId, async (tx) => ({ items: await filtersRepo.list(tx), next_cursor: null }));
  }

  getFilter(partnerId: string, filterId: string): Promise<DeviceFilter> {
    return this.ctx.db.withTenant(partnerId, async (tx) => (await filtersRepo.get(tx, filterId)) ?? throwFilterNotFound());
  }

  createFilter(partnerId: string, input: CreateDeviceFilter, actor: Actor): Promise<DeviceFilter> {
    const name = input.name.trim();
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      if (await filtersRepo.nameTaken(tx, name, null)) throw filterNameTaken();
      const created = await filtersRepo.create(tx, partnerId, { name, query: input.query, createdBy: userOf(actor) });
      await audit(tx, partnerId, actor, {
        action: 'device_filter.create',
        targetType: 'device_filter',
        targetId: created.id,
        after: { name: created.name, query: created.query },
      });
      return created;
    });
  }

  updateFilter(partnerId: string, filterId: string, input: UpdateDeviceFilter, actor: Actor): Promise<DeviceFilter> {
    const name = input.name?.trim();
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = (await filtersRepo.get(tx, filterId)) ?? throwFilterNotFound();
      if (name !== undefined && (await filtersRepo.nameTaken(tx, name, filterId))) throw filterNameTaken();
      const after = await filtersRepo.update(tx, filterId, input.version, { name, query: input.query });
      if (!after) throw staleVersion('the device filter');
      await audit(tx, partnerId, actor, {
        action: 'device_filter.update',
        targetType: 'device_filter',
        targetId: filterId,
        before: { name: before.name, query: before.query },
        after: { name: after.name, query: after.query },
      });
      return after;
    });
  }

  deleteFilter(partnerId: string, filterId: string, actor: Actor): Promise<void> {
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = (await filtersRepo.get(tx, filterId)) ?? throwFilterNotFound();
      await filtersRepo.softDelete(tx, filterId);
      await audit(tx, partnerId, actor, {
        action: 'device_filter.delete',
        targetType: 'device_filter',
        targetId: filterId,
        before: { name: before.name, query: before.query },
      });
    });
  }

  // ------------------------------------------------------------------------

  /** Every one of these devices, where the caller may change them; 404 when one is missing or out of reach. */
  private async locateAll(tx: Tx, visibility: Visibility | null, deviceIds: string[]): Promise<DeviceLocation[]> {
    const located = await bulkRepo.locate(tx, visibility, deviceIds);
    if (located.length !== deviceIds.length) {
      const found = new Set(located.map((d) => d.id));
      const missing = deviceIds.filter((id) => !found.has(id));
      throw new AppError('not_found', `${missing.length} of the devices were not found: ${missing.slice(0, 5).join(', ')}`, {
        field: 'device_ids',
      });
    }
    return located;
  }

  /** The device, if the caller holds `permission` where it is; otherwise 404 (never confirm it exists). */
  private async find(tx: Tx, partnerId: string, deviceId: string, principal: Principal, permission = 'devices.view') {
    return (await devicesRepo.get(tx, deviceId, this.visibility(principal, partnerId, permission))) ?? throwNotFound();
  }

  /** Where the caller holds the permission: null for the whole partner. */
  private visibility(principal: Principal, partnerId: string, permission: string): Visibility | null {
    const holding = { ...principal, grants: principal.grants.filter((g) => g.permissions.has(permission)) };
    const v = visibleWithin(holding, partnerId);
    if (v && v.organizationIds.size === 0 && permission !== 'devices.view') {
      throw new AppError('forbidden', `you need the ${permission} permission for this device`);
    }
    return v;
  }
}

function throwNotFound(): never {
  throw notFound('device');
}

function throwFilterNotFound(): never {
  throw notFound('device filter');
}

const filterNameTaken = () => new AppError('conflict', 'a device filter with this name exists already', { field: 'name' });

function uniqueLower(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.toLowerCase()))];
}

/** The user behind an actor (a person or their API key), for created_by columns. */
function userOf(actor: Actor): string | null {
  return actor.type === 'user' || actor.type === 'api_key' ? actor.id : null;
}

function configOf(row: DeviceRow): AgentConfig {
  return { heartbeat_seconds: row.heartbeat_seconds, inventory_minutes: row.inventory_minutes };
}

function settingsOf(row: DeviceRow) {
  return { heartbeat_seconds: row.heartbeat_override, inventory_minutes: row.inventory_override };
}

function summaryOf(row: DeviceRow) {
  return { hostname: row.hostname, organization_id: row.organization_id, site_id: row.site_id, platform: row.platform };
}

function eventOf(partnerId: string, row: Pick<DeviceLocation, 'id' | 'organization_id' | 'site_id'>) {
  return { tenantId: partnerId, organizationId: row.organization_id, siteId: row.site_id, deviceId: row.id };
}

function detail(row: DeviceRow): DeviceDetail {
  const { heartbeat_seconds, inventory_minutes, heartbeat_override, inventory_override, ...rest } = row;
  return { ...rest, settings: { heartbeat_seconds, inventory_minutes, heartbeat_override, inventory_override } };
}
