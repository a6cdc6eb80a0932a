import type { AgentConfig, Inventory, SoftwareItem, Status } from '@cloudrmm/protocol';
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Visibility } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { paginateBy, type Page, type SortOrder } from '../../platform/http/pagination.js';
import type {
  DeviceCounts,
  DeviceDetail,
  DeviceExportQuery,
  DeviceFilter,
  DeviceFilterQuery,
  DeviceQuery,
  DeviceSummary,
  Software,
  SoftwareQuery,
  SummaryQuery,
} from './devices.schemas.js';

/**
 * All SQL of devices, agents, agent settings and installed software. RLS does
 * the partner filtering; `Visibility` narrows to the organizations and sites a
 * scoped user may see. Organization and site names come from one join per
 * query, never one query per row.
 */

/** The built-in agent settings of a partner without its own (GW6). */
export const DEFAULT_AGENT_SETTINGS: AgentConfig = { heartbeat_seconds: 30, inventory_minutes: 15 };
/** A file system at least this full makes the device "low on disk". */
export const LOW_DISK_PERCENT = 90;

// Keeps `in (...)` valid when a principal can see none.
const NO_ID = '00000000-0000-0000-0000-000000000000';

// Percentages from the last status; status was schema-checked before it was stored.
const cpuPercent = sql<number | null>`round(((d.status->>'cpu_percent')::numeric), 1)::float8`;
const memoryPercent = sql<number | null>`round(100 * (d.status->>'memory_used_bytes')::numeric
  / nullif((d.inventory->'memory'->>'total_bytes')::numeric, 0), 1)::float8`;
const diskPercent = sql<
  number | null
>`(select round(max(100 * (fs->>'used_bytes')::numeric / nullif((fs->>'size_bytes')::numeric, 0)), 1)::float8
  from jsonb_array_elements(coalesce(d.status->'file_systems', '[]'::jsonb)) fs)`;

const summaryColumns = [
  'd.id',
  'd.tenant_id as partner_id',
  'd.organization_id',
  'o.name as organization_name',
  'd.site_id',
  's.name as site_name',
  'd.hostname',
  'd.platform',
  'd.os_name',
  'd.os_version',
  'd.arch',
  'd.agent_version',
  'd.online',
  'd.connected_at',
  'd.last_seen_at',
  'd.remote_ip',
  'd.ip_addresses',
  'd.mac_addresses',
  'd.logged_in_users',
  cpuPercent.as('cpu_percent'),
  memoryPercent.as('memory_used_percent'),
  diskPercent.as('disk_used_percent'),
  'd.enrolled_at',
  sql<boolean>`coalesce(a.revoked_at is not null, false)`.as('revoked'),
  'd.tags',
] as const;

const deviceBase = (tx: Tx) =>
  tx
    .selectFrom('devices as d')
    .innerJoin('organizations as o', 'o.id', 'd.organization_id')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .leftJoin('agents as a', 'a.device_id', 'd.id')
    .where('d.deleted_at', 'is', null);

type Filterable = ReturnType<typeof deviceBase>;

function scoped(q: Filterable, visibility: Visibility | null, filters: SummaryQuery): Filterable {
  if (visibility) {
    const orgs = [...visibility.wholeOrganizationIds, NO_ID];
    const sites = [...visibility.siteIds, NO_ID];
    q = q.where((eb) => eb.or([eb('d.organization_id', 'in', orgs), eb('d.site_id', 'in', sites)]));
  }
  if (filters.organization_id) q = q.where('d.organization_id', '=', filters.organization_id);
  if (filters.site_id) q = q.where('d.site_id', '=', filters.site_id);
  if (filters.tag) q = q.where(sql<boolean>`d.tags @> array[${filters.tag.toLowerCase()}]::text[]`);
  return q;
}

const lowDisk = sql<boolean>`exists (select 1 from jsonb_array_elements(coalesce(d.status->'file_systems', '[]'::jsonb)) fs
  where (fs->>'size_bytes')::numeric > 0 and (fs->>'used_bytes')::numeric >= ${LOW_DISK_PERCENT / 100} * (fs->>'size_bytes')::numeric)`;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

const ms = (ref: string) => sql`date_trunc('milliseconds', ${sql.ref(ref)})`;

const SORTS: Record<
  string,
  { expr: RawBuilder<unknown>; type: SortOrder<DeviceSummary>['type']; valueOf: (r: DeviceSummary) => string | number }
> = {
  hostname: { expr: sql`lower(d.hostname)`, type: 'text', valueOf: (r) => r.hostname.toLowerCase() },
  os_name: { expr: sql`lower(d.os_name)`, type: 'text', valueOf: (r) => r.os_name.toLowerCase() },
  organization_name: { expr: sql`lower(o.name)`, type: 'text', valueOf: (r) => r.organization_name.toLowerCase() },
  last_seen_at: {
    expr: sql`coalesce(${ms('d.last_seen_at')}, '-infinity'::timestamptz)`,
    type: 'timestamptz',
    valueOf: (r) => r.last_seen_at ?? '-infinity',
  },
  // Online first: 0 before 1.
  status: { expr: sql`(case when d.online then 0 else 1 end)`, type: 'int', valueOf: (r) => (r.online ? 0 : 1) },
};

/** The devices the list shows for these filters. */
function filtered(tx: Tx, visibility: Visibility | null, query: DeviceExportQuery): Filterable {
  let q = scoped(deviceBase(tx), visibility, query);
  if (query.status) q = q.where('d.online', '=', query.status === 'online');
  if (query.platform) q = q.where('d.platform', '=', query.platform);
  if (query.low_disk !== undefined) q = q.where(query.low_disk ? lowDisk : sql<boolean>`not ${lowDisk}`);
  if (query.q) q = q.where(sql<boolean>`d.search_text like ${'%' + escapeLike(query.q.toLowerCase()) + '%'}`);
  return q;
}

function sortOf(query: DeviceExportQuery) {
  const sortParam = query.sort ?? 'hostname';
  return { ...SORTS[sortParam.replace(/^-/, '')]!, descending: sortParam.startsWith('-') };
}

export const devicesRepo = {
  list(tx: Tx, visibility: Visibility | null, query: DeviceQuery): Promise<Page<DeviceSummary>> {
    const q = filtered(tx, visibility, query);
    return paginateBy(q.select(summaryColumns), 'd.id', sortOf(query), query) as Promise<Page<DeviceSummary>>;
  },

  /** Every device the list shows, in its order, up to `max` (for the CSV export). */
  exportRows(tx: Tx, visibility: Visibility | null, query: DeviceExportQuery, max: number): Promise<DeviceSummary[]> {
    const sort = sortOf(query);
    const direction = sort.descending ? 'desc' : 'asc';
    return filtered(tx, visibility, query)
      .select(summaryColumns)
      .orderBy(sql`${sort.expr} ${sql.raw(direction)}`)
      .orderBy('d.id', direction)
      .limit(max)
      .execute() as Promise<DeviceSummary[]>;
  },

  async counts(tx: Tx, visibility: Visibility | null, filters: SummaryQuery): Promise<DeviceCounts> {
    const base = scoped(deviceBase(tx), visibility, filters);
    const totals = await base
      .select([
        sql<number>`count(*)::int`.as('total'),
        sql<number>`(count(*) filter (where d.online))::int`.as('online'),
        sql<number>`(count(*) filter (where ${lowDisk}))::int`.as('low_disk'),
      ])
      .executeTakeFirstOrThrow();
    const byPlatform = await base
      .select(['d.platform', sql<number>`count(*)::int`.as('count')])
      .groupBy('d.platform')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('d.platform')
      .execute();
    return { ...totals, offline: totals.total - totals.online, by_platform: byPlatform };
  },

  /** One device with everything the device page shows; undefined outside the visibility. */
  get(tx: Tx, deviceId: string, visibility: Visibility | null): Promise<DeviceRow | undefined> {
    return scoped(deviceBase(tx), visibility, {})
      .leftJoin('agent_settings as g', 'g.tenant_id', 'd.tenant_id')
      .select(summaryColumns)
      .select([
        'd.inventory',
        'd.inventory_at',
        'd.status',
        'd.status_at',
        'd.heartbeat_seconds as heartbeat_override',
        'd.inventory_minutes as inventory_override',
        sql<number>`coalesce(d.heartbeat_seconds, g.heartbeat_seconds, ${DEFAULT_AGENT_SETTINGS.heartbeat_seconds})`.as(
          'heartbeat_seconds',
        ),
        sql<number>`coalesce(d.inventory_minutes, g.inventory_minutes, ${DEFAULT_AGENT_SETTINGS.inventory_minutes})`.as(
          'inventory_minutes',
        ),
        'd.version',
      ])
      .where('d.id', '=', deviceId)
      .executeTakeFirst() as Promise<DeviceRow | undefined>;
  },

  updateSettings: (
    tx: Tx,
    deviceId: string,
    version: number,
    values: { heartbeat_seconds?: number | null; inventory_minutes?: number | null },
  ) =>
    tx
      .updateTable('devices')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', deviceId)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst(),

  /** Revokes the agent credential and takes the device offline (its socket is closed by the caller). */
  async revoke(tx: Tx, deviceId: string, by: string | null): Promise<void> {
    await tx
      .updateTable('agents')
      .set({ revoked_at: sql`now()`, revoked_by: by })
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .execute();
    await tx
      .updateTable('devices')
      .set({ online: false, disconnected_at: sql`coalesce(disconnected_at, now())`, version: sql`version + 1` })
      .where('id', '=', deviceId)
      .execute();
  },

  softDelete: (tx: Tx, deviceId: string) =>
    tx
      .updateTable('devices')
      .set({ deleted_at: sql`now()`, online: false })
      .where('id', '=', deviceId)
      .execute(),

  /** Connected devices of the partner that follow its settings, for a live push after they change. */
  followingPartnerSettings: (tx: Tx) =>
    tx
      .selectFrom('devices')
      .select(['id', 'heartbeat_seconds', 'inventory_minutes'])
      .where('online', '=', true)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('heartbeat_seconds', 'is', null), eb('inventory_minutes', 'is', null)]))
      .execute(),
};

/** Where a device is, for scope checks and events. */
export interface DeviceLocation {
  id: string;
  hostname: string;
  organization_id: string;
  site_id: string;
}

/** What commands and schedules may aim at (resolved to devices by resolveTargets). */
export interface DeviceTarget {
  type: 'devices' | 'sites' | 'organizations' | 'filter' | 'partner';
  ids: string[];
}

/** A device a command is aimed at, with what its runs and variables need. */
export interface TargetDevice {
  id: string;
  hostname: string;
  organization_id: string;
  site_id: string;
  organization_name: string;
  site_name: string;
  platform: string;
  online: boolean;
}

export const bulkRepo = {
  /** Of these devices, the ones inside the visibility (not deleted), locked for the change that follows. */
  locate: (tx: Tx, visibility: Visibility | null, deviceIds: string[]): Promise<DeviceLocation[]> =>
    scoped(deviceBase(tx), visibility, {})
      .select(['d.id', 'd.hostname', 'd.organization_id', 'd.site_id'])
      .where(sql<boolean>`d.id = any(${deviceIds}::uuid[])`)
      .orderBy('d.id')
      .forNoKeyUpdate('d')
      .execute(),

  /**
   * Adds and removes tags on many devices in one statement; each device's tags
   * end up unique and sorted. Returns every device changed with its new tag count.
   */
  retag: (tx: Tx, deviceIds: string[], add: string[], remove: string[]) =>
    sql<{ id: string; tags: string[] }>`
      with changed as (
        select d.id, coalesce((select array_agg(distinct t order by t) from unnest(d.tags || ${add}::text[]) t
                                where t <> all(${remove}::text[])), '{}') as tags
          from devices d
         where d.id = any(${deviceIds}::uuid[]) and d.deleted_at is null)
      update devices d set tags = c.tags
        from changed c
       where d.id = c.id and d.tags is distinct from c.tags
      returning d.id, d.tags`
      .execute(tx)
      .then((r) => r.rows),

  /** A live site of the partner, with its organization. */
  site: (tx: Tx, siteId: string) =>
    tx
      .selectFrom('sites')
      .select(['id', 'organization_id', 'name'])
      .where('id', '=', siteId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),

  /** Moves devices to a site (and its organization) in one statement. */
  move: (tx: Tx, deviceIds: string[], site: { id: string; organization_id: string }) =>
    tx
      .updateTable('devices')
      .set({ site_id: site.id, organization_id: site.organization_id })
      .where(sql<boolean>`id = any(${deviceIds}::uuid[])`)
      .where('deleted_at', 'is', null)
      .returning('id')
      .execute(),
};

const filterColumns = ['id', 'name', 'query', 'created_by', 'version', 'created_at', 'updated_at'] as const;

export const filtersRepo = {
  list: (tx: Tx) =>
    tx
      .selectFrom('device_filters')
      .select(filterColumns)
      .where('deleted_at', 'is', null)
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .execute() as Promise<DeviceFilter[]>,

  get: (tx: Tx, id: string) =>
    tx
      .selectFrom('device_filters')
      .select(filterColumns)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst() as Promise<DeviceFilter | undefined>,

  nameTaken: async (tx: Tx, name: string, exceptId: string | null) =>
    (await tx
      .selectFrom('device_filters')
      .select('id')
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .where('deleted_at', 'is', null)
      .$if(exceptId !== null, (q) => q.where('id', '<>', exceptId!))
      .executeTakeFirst()) !== undefined,

  create: (tx: Tx, tenantId: string, values: { name: string; query: DeviceFilterQuery; createdBy: string | null }) =>
    tx
      .insertInto('device_filters')
      .values({ tenant_id: tenantId, name: values.name, query: JSON.stringify(values.query), created_by: values.createdBy })
      .returning(filterColumns)
      .executeTakeFirstOrThrow() as Promise<DeviceFilter>,

  update: (tx: Tx, id: string, version: number, values: { name?: string; query?: DeviceFilterQuery }) =>
    tx
      .updateTable('device_filters')
      .set({
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.query !== undefined ? { query: JSON.stringify(values.query) } : {}),
        version: sql`version + 1`,
      })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning(filterColumns)
      .executeTakeFirst() as Promise<DeviceFilter | undefined>,

  softDelete: (tx: Tx, id: string) =>
    tx
      .updateTable('device_filters')
      .set({ deleted_at: sql`now()`, version: sql`version + 1` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
};

/**
 * The devices a target names, inside the visibility (null: the whole partner),
 * neither deleted nor revoked, in one query (a saved filter is read first).
 * Ids outside the visibility or the partner simply match nothing.
 */
export async function resolveTargets(tx: Tx, visibility: Visibility | null, target: DeviceTarget): Promise<TargetDevice[]> {
  let q: Filterable;
  if (target.type === 'filter') {
    const [filterId] = target.ids;
    const filter = filterId ? await filtersRepo.get(tx, filterId) : undefined;
    if (!filter) throw new AppError('not_found', 'device filter not found', { field: 'target' });
    q = filtered(tx, visibility, filter.query);
  } else {
    q = scoped(deviceBase(tx), visibility, {});
    const column = { devices: 'd.id', sites: 'd.site_id', organizations: 'd.organization_id', partner: null }[target.type];
    if (column) q = q.where(sql<boolean>`${sql.ref(column)} = any(${target.ids}::uuid[])`);
  }
  return q
    .where('a.revoked_at', 'is', null)
    .select(['d.id', 'd.hostname', 'd.organization_id', 'd.site_id', 'o.name as organization_name', 's.name as site_name'])
    .select(['d.platform', 'd.online'])
    .orderBy(sql`lower(d.hostname)`)
    .orderBy('d.id')
    .execute();
}

export type DeviceRow = DeviceSummary &
  Omit<DeviceDetail, keyof DeviceSummary | 'settings'> & {
    heartbeat_seconds: number;
    inventory_minutes: number;
    heartbeat_override: number | null;
    inventory_override: number | null;
  };

export const agentSettingsRepo = {
  get: (tx: Tx) =>
    tx.selectFrom('agent_settings').select(['heartbeat_seconds', 'inventory_minutes', 'version']).executeTakeFirst(),

  /** Writes the partner's settings if `version` is still current (0: none stored yet); undefined when stale. */
  async put(tx: Tx, tenantId: string, version: number, values: AgentConfig) {
    if (version === 0) {
      return tx
        .insertInto('agent_settings')
        .values({ tenant_id: tenantId, ...values })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .returning(['heartbeat_seconds', 'inventory_minutes', 'version'])
        .executeTakeFirst();
    }
    return tx
      .updateTable('agent_settings')
      .set({ ...values, version: sql`version + 1` })
      .where('version', '=', version)
      .returning(['heartbeat_seconds', 'inventory_minutes', 'version'])
      .executeTakeFirst();
  },
};

export const softwareRepo = {
  async list(
    tx: Tx,
    deviceId: string,
    query: SoftwareQuery,
  ): Promise<{ items: Software[]; next_cursor: string | null; total: number }> {
    const limit = query.limit ?? 50;
    const offset = query.cursor ? decodeOffset(query.cursor) : 0;
    let q = tx.selectFrom('device_software').where('device_id', '=', deviceId);
    if (query.q) q = q.where(sql<boolean>`name ilike ${'%' + escapeLike(query.q) + '%'}`);
    const { n } = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const sort = query.sort ?? 'name';
    let ordered = q.select(['name', 'version', 'publisher', 'source', 'installed_at', 'size_bytes']);
    ordered =
      sort === 'source'
        ? ordered
            .orderBy('source')
            .orderBy(sql`lower(name)`)
            .orderBy('version')
        : ordered
            .orderBy(sql`lower(name) ${sql.raw(sort === '-name' ? 'desc' : 'asc')}`)
            .orderBy('version')
            .orderBy('source');
    const rows = await ordered.limit(limit).offset(offset).execute();
    const next = offset + rows.length;
    return {
      items: rows as Software[],
      next_cursor: next < n ? Buffer.from(JSON.stringify({ offset: next })).toString('base64url') : null,
      total: n,
    };
  },

  /** Replaces a device's software list with the one in its new inventory. */
  async replace(tx: Tx, tenantId: string, deviceId: string, software: SoftwareItem[]): Promise<void> {
    await tx.deleteFrom('device_software').where('device_id', '=', deviceId).execute();
    if (software.length === 0) return;
    // One statement with one array a column, whatever the size of the list: a
    // VALUES list would take eight parameters a row, and Postgres parses each.
    const column = <T>(pick: (s: SoftwareItem) => T) => software.map(pick);
    await sql`insert into device_software (tenant_id, device_id, name, version, publisher, source, installed_at, size_bytes)
      select ${tenantId}::uuid, ${deviceId}::uuid, s.*
        from unnest(${column((s) => s.name)}::text[], ${column((s) => s.version ?? null)}::text[],
                    ${column((s) => s.publisher ?? null)}::text[], ${column((s) => s.source)}::text[],
                    ${column((s) => s.installed_at ?? null)}::text[], ${column((s) => s.size_bytes ?? null)}::bigint[]) as s`.execute(
      tx,
    );
  },
};

function decodeOffset(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown };
    if (Number.isInteger(parsed.offset) && (parsed.offset as number) >= 0) return parsed.offset as number;
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor is not valid for this list', { field: 'cursor' });
}

// Agent side -----------------------------------------------------------------

/**
 * The text the global search matches (DEV1), lower-case: hostname, addresses,
 * OS, agent version and logged-in users. Built in SQL from the row, so an
 * inventory and a status, each changing some of the parts, always agree.
 */
function searchText(parts: {
  hostname: Expression<string>;
  osName: Expression<string>;
  osVersion: Expression<string>;
  agentVersion: Expression<string>;
  ips: Expression<string[]>;
  macs: Expression<string[]>;
  users: Expression<string[]>;
}) {
  return sql<string>`lower(concat_ws(' ', ${parts.hostname}::text, ${parts.osName}::text, ${parts.osVersion}::text,
    ${parts.agentVersion}::text, array_to_string(${parts.ips}, ' '), array_to_string(${parts.macs}, ' '),
    array_to_string(${parts.users}, ' ')))`;
}

const textArray = (values: string[]) => sql<string[]>`${values}::text[]`;

export const agentDataRepo = {
  /**
   * Locks these device rows in id order. Every statement that writes many
   * device rows at once (connects, disconnects, statuses, last-seen) takes its
   * locks this way first: two of them running together then wait for each
   * other instead of deadlocking on rows locked in different orders.
   */
  async lockInOrder(tx: Tx, deviceIds: string[]): Promise<void> {
    if (deviceIds.length < 2) return;
    await sql`select 1 from devices where id = any(${deviceIds}::uuid[]) order by id for no key update`.execute(tx);
  },

  /** Stores a new inventory snapshot; false (nothing written) when the device already has this one. */
  async storeInventory(tx: Tx, tenantId: string, deviceId: string, hash: string, inventory: Inventory): Promise<boolean> {
    const ips = unique(inventory.network.flatMap((n) => [...n.ipv4, ...n.ipv6]).filter((ip) => !isLoopback(ip)));
    const macs = unique(
      inventory.network.map((n) => (n.mac ?? '').toLowerCase()).filter((m) => m !== '' && !/^(00[:-]){5}00$/.test(m)),
    );
    const os = inventory.os;
    const updated = await tx
      .updateTable('devices')
      .set({
        inventory: JSON.stringify(inventory),
        inventory_hash: hash,
        inventory_at: sql`now()`,
        hostname: inventory.hostname.slice(0, 255) || 'unknown',
        platform: os.platform,
        os_name: os.name,
        os_version: os.version,
        arch: os.arch,
        ip_addresses: textArray(ips),
        mac_addresses: textArray(macs),
        search_text: searchText({
          hostname: sql.val(inventory.hostname),
          osName: sql.val(os.name),
          osVersion: sql.val(os.version),
          agentVersion: sql.ref('agent_version'),
          ips: textArray(ips),
          macs: textArray(macs),
          users: sql.ref('logged_in_users'),
        }),
      })
      .where('id', '=', deviceId)
      // Unchanged content: nothing to rewrite. Checked under the row lock, so of two
      // copies of one snapshot arriving at once only the first one writes.
      .where(sql<boolean>`inventory_hash is distinct from ${hash}`)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await softwareRepo.replace(tx, tenantId, deviceId, inventory.software);
    return true;
  },

  /** The last status of many devices of one partner, in one statement (the last status of a device wins). */
  async storeStatuses(tx: Tx, statuses: { deviceId: string; status: Status }[]): Promise<void> {
    const last = new Map(statuses.map((s) => [s.deviceId, s.status]));
    if (last.size === 0) return;
    const ids = [...last.keys()];
    const values = [...last.values()];
    const users = values.map((status) => JSON.stringify(unique(status.logged_in_users.map((u) => u.user).filter(Boolean))));
    const newUsers = sql<string[]>`array(select jsonb_array_elements_text(v.new_users))`;
    await agentDataRepo.lockInOrder(tx, ids);
    await sql`update devices d
         set status = v.new_status, status_at = now(), logged_in_users = ${newUsers},
             search_text = ${searchText({
               hostname: sql.ref('d.hostname'),
               osName: sql.ref('d.os_name'),
               osVersion: sql.ref('d.os_version'),
               agentVersion: sql.ref('d.agent_version'),
               ips: sql.ref('d.ip_addresses'),
               macs: sql.ref('d.mac_addresses'),
               users: newUsers,
             })}
        from unnest(${ids}::uuid[], ${values.map((v) => JSON.stringify(v))}::jsonb[], ${users}::jsonb[])
          as v(device_id, new_status, new_users)
       where d.id = v.device_id`.execute(tx);
  },
};

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}
