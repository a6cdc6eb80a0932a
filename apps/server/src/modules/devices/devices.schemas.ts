import { FolderUsage, Inventory, PartitionUsage, ProcessInfo, SoftwareSource, Status } from '@cloudrmm/protocol';
import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Percent = OrNull(Type.Number({ minimum: 0, maximum: 100 }));

/** One device in lists: what the list shows, filters and searches on (DEV1). */
export const DeviceSummary = Type.Object({
  id: Uuid,
  partner_id: Uuid,
  organization_id: Uuid,
  organization_name: Type.String(),
  site_id: Uuid,
  site_name: Type.String(),
  hostname: Type.String(),
  platform: Type.String({ description: 'linux, darwin, win32, ...' }),
  os_name: Type.String(),
  os_version: Type.String(),
  arch: Type.String(),
  agent_version: Type.String(),
  online: Type.Boolean(),
  connected_at: OrNull(Timestamp),
  last_seen_at: OrNull(Timestamp),
  remote_ip: OrNull(Type.String()),
  ip_addresses: Type.Array(Type.String()),
  mac_addresses: Type.Array(Type.String()),
  logged_in_users: Type.Array(Type.String()),
  cpu_percent: Percent,
  memory_used_percent: Percent,
  disk_used_percent: OrNull(Type.Number({ description: 'of the fullest file system' })),
  enrolled_at: Timestamp,
  revoked: Type.Boolean({ description: 'the agent credential was revoked: it cannot connect again' }),
  tags: Type.Array(Type.String(), { description: 'lower-case labels, sorted (DEV4)' }),
});
export type DeviceSummary = Static<typeof DeviceSummary>;

export const DeviceSettings = Type.Object({
  heartbeat_seconds: Type.Integer({ description: 'in effect: the override, else the partner’s setting' }),
  inventory_minutes: Type.Integer(),
  heartbeat_override: OrNull(Type.Integer()),
  inventory_override: OrNull(Type.Integer()),
});

export const DeviceDetail = Type.Object({
  ...DeviceSummary.properties,
  inventory: OrNull(Inventory),
  inventory_at: OrNull(Timestamp),
  status: OrNull(Status),
  status_at: OrNull(Timestamp),
  settings: DeviceSettings,
  version: Type.Integer(),
});
export type DeviceDetail = Static<typeof DeviceDetail>;

export const DeviceSort = Type.Union(
  ['hostname', 'last_seen_at', 'os_name', 'organization_name', 'status'].flatMap((k) => [Type.Literal(k), Type.Literal(`-${k}`)]),
  { description: 'status: online first; -status: offline first' },
);

/** A device tag as entered: 1-50 characters of letters, digits, space, `.`, `_`, `-`; stored lower-case. */
export const Tag = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[A-Za-z0-9._-]([A-Za-z0-9 ._-]*[A-Za-z0-9._-])?$',
  description: 'letters, digits, space, dot, underscore, hyphen; not starting or ending with a space; stored lower-case',
});
/** The most tags one device carries. */
export const MAX_TAGS_PER_DEVICE = 50;

const ScopeFilters = {
  organization_id: Type.Optional(Uuid),
  site_id: Type.Optional(Uuid),
  tag: Type.Optional(Tag),
};

export const DeviceQuery = Type.Object(
  {
    ...ScopeFilters,
    status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline')])),
    platform: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    low_disk: Type.Optional(Type.Boolean({ description: 'true: a file system is at least 90 % full' })),
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'case-insensitive search in hostname, IP, MAC, OS name and version, agent version, logged-in users',
      }),
    ),
    sort: Type.Optional(DeviceSort),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    include_total: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DeviceQuery = Static<typeof DeviceQuery>;

/** The list's filters and sort, without paging: the CSV holds every matching device. */
export const DeviceExportQuery = Type.Omit(DeviceQuery, ['limit', 'cursor', 'include_total'], { additionalProperties: false });
export type DeviceExportQuery = Static<typeof DeviceExportQuery>;

export const SummaryQuery = Type.Object(ScopeFilters, { additionalProperties: false });
export type SummaryQuery = Static<typeof SummaryQuery>;

/** The list filters a saved device filter keeps (no sort or paging). */
export const DeviceFilterQuery = Type.Object(
  {
    ...ScopeFilters,
    status: DeviceQuery.properties.status,
    platform: DeviceQuery.properties.platform,
    low_disk: DeviceQuery.properties.low_disk,
    q: DeviceQuery.properties.q,
  },
  { additionalProperties: false },
);
export type DeviceFilterQuery = Static<typeof DeviceFilterQuery>;

/** DEV6: every number links to the list with the same filter (status=, low_disk=true, platform=). */
export const DeviceCounts = Type.Object({
  total: Type.Integer(),
  online: Type.Integer(),
  offline: Type.Integer(),
  low_disk: Type.Integer(),
  by_platform: Type.Array(Type.Object({ platform: Type.String(), count: Type.Integer() })),
});
export type DeviceCounts = Static<typeof DeviceCounts>;

export const Software = Type.Object({
  name: Type.String(),
  version: OrNull(Type.String()),
  publisher: OrNull(Type.String()),
  source: SoftwareSource,
  installed_at: OrNull(Type.String()),
  size_bytes: OrNull(Type.Number()),
});
export type Software = Static<typeof Software>;

export const SoftwareQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('-name'), Type.Literal('source')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type SoftwareQuery = Static<typeof SoftwareQuery>;

export const SoftwarePage = Type.Object({
  items: Type.Array(Software),
  next_cursor: OrNull(Type.String()),
  total: Type.Integer(),
});

export const ProcessQuery = Type.Object(
  {
    sort: Type.Optional(
      Type.Union([Type.Literal('cpu'), Type.Literal('memory'), Type.Literal('io'), Type.Literal('name')], { default: 'cpu' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 200 })),
  },
  { additionalProperties: false },
);
export type ProcessQuery = Static<typeof ProcessQuery>;

export const ProcessList = Type.Object({
  items: Type.Array(ProcessInfo),
  total: Type.Integer({ description: 'processes running, of which `items` are the first by the sort' }),
  sampled_ms: Type.Integer({ description: 'how long the agent sampled CPU use' }),
  sampled_at: Timestamp,
});

/** A POSIX or Windows absolute path. */
export const ABSOLUTE_PATH = '^(?:/|[A-Za-z]:[\\\\/])';

export const DiskUsageQuery = Type.Object(
  {
    path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        // Absolute only: a relative path would be resolved against wherever the agent happens to run.
        pattern: ABSOLUTE_PATH,
        description: 'an absolute path (/var, C:\\Users); default: the system drive or /',
      }),
    ),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  },
  { additionalProperties: false },
);
export type DiskUsageQuery = Static<typeof DiskUsageQuery>;

export const DiskUsage = Type.Object({
  partitions: Type.Array(PartitionUsage),
  path: Type.String(),
  folders: Type.Array(FolderUsage),
  partial: Type.Boolean({ description: 'the scan stopped at its time or entry budget' }),
  scanned_entries: Type.Integer(),
  sampled_at: Timestamp,
});

export const UpdateDevice = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    heartbeat_seconds: Type.Optional(
      OrNull(Type.Integer({ minimum: 5, maximum: 3600, description: 'null: use the partner’s setting' })),
    ),
    inventory_minutes: Type.Optional(OrNull(Type.Integer({ minimum: 1, maximum: 1440 }))),
  },
  { additionalProperties: false },
);
export type UpdateDevice = Static<typeof UpdateDevice>;

export const AgentSettings = Type.Object({
  heartbeat_seconds: Type.Integer({ minimum: 5, maximum: 3600 }),
  inventory_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  version: Type.Integer({ description: '0 while the partner runs on the built-in defaults' }),
});
export type AgentSettings = Static<typeof AgentSettings>;

export const UpdateAgentSettings = Type.Object(
  {
    version: Type.Integer({ minimum: 0 }),
    heartbeat_seconds: Type.Integer({ minimum: 5, maximum: 3600 }),
    inventory_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  },
  { additionalProperties: false },
);
export type UpdateAgentSettings = Static<typeof UpdateAgentSettings>;

const DeviceIds = Type.Array(Uuid, { minItems: 1, maxItems: 1000, uniqueItems: true });

export const BulkTags = Type.Object(
  {
    device_ids: DeviceIds,
    add: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS_PER_DEVICE })),
    remove: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS_PER_DEVICE })),
  },
  { additionalProperties: false },
);
export type BulkTags = Static<typeof BulkTags>;

export const BulkMove = Type.Object({ device_ids: DeviceIds, site_id: Uuid }, { additionalProperties: false });
export type BulkMove = Static<typeof BulkMove>;

export const BulkResult = Type.Object({
  updated: Type.Integer({ description: 'devices changed' }),
  device_ids: Type.Array(Uuid, { description: 'the devices changed' }),
});

export const DeviceFilter = Type.Object({
  id: Uuid,
  name: Type.String(),
  query: DeviceFilterQuery,
  created_by: OrNull(Uuid),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type DeviceFilter = Static<typeof DeviceFilter>;

const FilterName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const CreateDeviceFilter = Type.Object({ name: FilterName, query: DeviceFilterQuery }, { additionalProperties: false });
export type CreateDeviceFilter = Static<typeof CreateDeviceFilter>;

export const UpdateDeviceFilter = Type.Object(
  { version: Type.Integer({ minimum: 1 }), name: Type.Optional(FilterName), query: Type.Optional(DeviceFilterQuery) },
  { additionalProperties: false },
);
export type UpdateDeviceFilter = Static<typeof UpdateDeviceFilter>;

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const FilterParams = Type.Object({ partnerId: Uuid, filterId: Uuid });
export const DeviceParams = Type.Object({ partnerId: Uuid, deviceId: Uuid });
