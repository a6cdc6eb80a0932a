import { keepPreviousData, queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { API_BASE, api, request } from '../../api/client';
import type { Page, Query } from '../../api/client';
import { PAGE_SIZE } from '../../api/list';

/*
 * Devices (DEV1–DEV3, DEV6): the list, the summary counts, a device with its
 * inventory and status, and what is asked of the agent live (processes, disk).
 * Everything an agent reports is data: it is rendered as text, never as HTML.
 */

export interface DeviceSummary {
  id: string;
  partner_id: string;
  organization_id: string;
  organization_name: string;
  site_id: string;
  site_name: string;
  hostname: string;
  platform: string;
  os_name: string | null;
  os_version: string | null;
  arch: string | null;
  agent_version: string | null;
  online: boolean;
  connected_at: string | null;
  last_seen_at: string | null;
  remote_ip: string | null;
  ip_addresses: string[];
  mac_addresses: string[];
  logged_in_users: string[];
  cpu_percent: number | null;
  memory_used_percent: number | null;
  /** The fullest file system. */
  disk_used_percent: number | null;
  enrolled_at: string;
  revoked: boolean;
  tags?: string[];
}

export interface OsInfo {
  platform: string;
  name: string;
  distro: string;
  version: string;
  codename?: string | null;
  kernel: string;
  arch: string;
  build?: string | null;
}

export interface NetworkInterface {
  name: string;
  mac?: string | null;
  ipv4: string[];
  ipv6: string[];
  type?: string | null;
  speed_mbps?: number | null;
  virtual?: boolean;
  default_gateway?: string | null;
}

export interface Inventory {
  hostname: string;
  fqdn?: string | null;
  os: OsInfo;
  hardware: {
    vendor?: string | null;
    model?: string | null;
    serial?: string | null;
    uuid?: string | null;
    bios_vendor?: string | null;
    bios_version?: string | null;
    virtual?: boolean;
    virtual_host?: string | null;
  };
  cpu: {
    manufacturer?: string | null;
    brand: string;
    cores: number;
    physical_cores: number;
    speed_ghz?: number | null;
  };
  memory: { total_bytes: number; swap_total_bytes?: number };
  gpus?: { vendor?: string | null; model: string; vram_bytes?: number | null }[];
  disks: {
    device: string;
    type?: string | null;
    name?: string | null;
    vendor?: string | null;
    serial?: string | null;
    size_bytes: number;
    interface?: string | null;
  }[];
  file_systems: { mount: string; device: string; fs_type: string; size_bytes: number }[];
  network: NetworkInterface[];
  timezone?: string | null;
  boot_time?: string | null;
}

export interface DeviceStatus {
  uptime_seconds: number;
  cpu_percent?: number | null;
  load_average?: number[];
  memory_used_bytes: number;
  memory_available_bytes?: number;
  swap_used_bytes?: number;
  file_systems: { mount: string; used_bytes: number; size_bytes: number }[];
  logged_in_users: { user: string; terminal?: string | null; host?: string | null; since?: string | null }[];
  temperature_source?: string | null;
  temperatures: { sensor: string; label?: string | null; celsius: number }[];
}

export interface DeviceSettings {
  /** What the agent runs at: the override, or the partner's default. */
  heartbeat_seconds: number;
  inventory_minutes: number;
  heartbeat_override: number | null;
  inventory_override: number | null;
}

export interface Device extends DeviceSummary {
  inventory: Inventory | null;
  inventory_at: string | null;
  status: DeviceStatus | null;
  status_at: string | null;
  settings: DeviceSettings;
  version: number;
}

export type SoftwareSource = 'dpkg' | 'rpm' | 'apk' | 'homebrew' | 'windows' | 'macos' | 'other';

export interface SoftwareItem {
  name: string;
  version: string | null;
  publisher: string | null;
  source: SoftwareSource | string;
  installed_at: string | null;
  size_bytes: number | null;
}

export interface ProcessInfo {
  pid: number;
  parent_pid?: number;
  name: string;
  command?: string | null;
  user?: string | null;
  state?: string | null;
  cpu_percent: number;
  memory_bytes: number;
  memory_percent: number;
  io_read_bytes_per_sec?: number | null;
  io_write_bytes_per_sec?: number | null;
  started_at?: string | null;
}

export interface ProcessList {
  items: ProcessInfo[];
  total: number;
  sampled_ms: number;
  sampled_at: string;
}

export interface PartitionUsage {
  mount: string;
  device: string;
  fs_type: string;
  size_bytes: number;
  used_bytes: number;
  available_bytes: number;
  used_percent: number;
}

export interface DiskUsage {
  partitions: PartitionUsage[];
  path: string;
  folders: { path: string; size_bytes: number }[];
  partial: boolean;
  scanned_entries: number;
  sampled_at: string;
}

export interface DevicesSummaryCounts {
  total: number;
  online: number;
  offline: number;
  low_disk: number;
  by_platform: { platform: string; count: number }[];
}

export interface AgentSettings {
  heartbeat_seconds: number;
  inventory_minutes: number;
  version: number;
}

/* ---------- The list's filters, as they live in the URL ---------- */

export const DEVICE_SORTS = [
  'hostname',
  '-hostname',
  'organization_name',
  '-organization_name',
  'os_name',
  '-os_name',
  'last_seen_at',
  '-last_seen_at',
  'status',
  '-status',
] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];
export type DeviceSortField = 'hostname' | 'organization_name' | 'os_name' | 'last_seen_at' | 'status';
export const DEFAULT_DEVICE_SORT: DeviceSort = 'hostname';

export type DeviceStatusFilter = 'online' | 'offline';

export interface DevicesSearch {
  q?: string;
  organization?: string;
  site?: string;
  status?: DeviceStatusFilter;
  platform?: string;
  low_disk?: 1;
  tag?: string;
  sort?: DeviceSort;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLATFORM = /^[a-z0-9_-]{1,32}$/;

export function validateDevicesSearch(search: Record<string, unknown>): DevicesSearch {
  const out: DevicesSearch = {};
  const q = search.q;
  if ((typeof q === 'string' || typeof q === 'number') && String(q).trim() !== '') out.q = String(q);
  if (typeof search.organization === 'string' && UUID.test(search.organization)) out.organization = search.organization;
  if (typeof search.site === 'string' && UUID.test(search.site)) out.site = search.site;
  if (search.status === 'online' || search.status === 'offline') out.status = search.status;
  if (typeof search.platform === 'string' && PLATFORM.test(search.platform)) out.platform = search.platform;
  const lowDisk = search.low_disk;
  if (lowDisk === 1 || lowDisk === '1' || lowDisk === true || lowDisk === 'true') out.low_disk = 1;
  if (typeof search.tag === 'string' && search.tag.trim() && search.tag.length <= 100) out.tag = search.tag.trim();
  if (
    typeof search.sort === 'string' &&
    (DEVICE_SORTS as readonly string[]).includes(search.sort) &&
    search.sort !== DEFAULT_DEVICE_SORT
  ) {
    out.sort = search.sort as DeviceSort;
  }
  return out;
}

/** The API's query for a list search: equal filters share one cache entry. */
export function deviceListQuery(search: DevicesSearch): Query {
  return {
    q: search.q?.trim() || undefined,
    organization_id: search.organization,
    site_id: search.site,
    status: search.status,
    platform: search.platform,
    low_disk: search.low_disk === 1 ? true : undefined,
    tag: search.tag,
    sort: search.sort ?? DEFAULT_DEVICE_SORT,
  };
}

/** Names A→Z first; dates newest first; status puts offline devices first (`-status`). */
export function nextDeviceSort(current: DeviceSort, field: DeviceSortField): DeviceSort {
  switch (field) {
    case 'hostname':
      return current === 'hostname' ? '-hostname' : 'hostname';
    case 'organization_name':
      return current === 'organization_name' ? '-organization_name' : 'organization_name';
    case 'os_name':
      return current === 'os_name' ? '-os_name' : 'os_name';
    case 'last_seen_at':
      return current === '-last_seen_at' ? 'last_seen_at' : '-last_seen_at';
    case 'status':
      return current === '-status' ? 'status' : '-status';
  }
}

/* ---------- Keys and paths ---------- */

export const deviceKeys = {
  all: ['devices'] as const,
  partner: (partnerId: string) => [...deviceKeys.all, partnerId] as const,
  lists: (partnerId: string) => [...deviceKeys.partner(partnerId), 'list'] as const,
  summaries: (partnerId: string) => [...deviceKeys.partner(partnerId), 'summary'] as const,
  detail: (partnerId: string, deviceId: string) => [...deviceKeys.partner(partnerId), 'detail', deviceId] as const,
  software: (partnerId: string, deviceId: string) => [...deviceKeys.partner(partnerId), 'software', deviceId] as const,
  live: (partnerId: string, deviceId: string) => [...deviceKeys.partner(partnerId), 'live', deviceId] as const,
  agentSettings: (partnerId: string) => [...deviceKeys.partner(partnerId), 'agent-settings'] as const,
};

export const devicesPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/devices`;
export const devicePath = (partnerId: string, deviceId: string) => `${devicesPath(partnerId)}/${encodeURIComponent(deviceId)}`;
const agentSettingsPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/agent-settings`;

/** The CSV of what the list shows: a plain link, so the browser downloads it with the session cookie. */
export function devicesExportHref(partnerId: string, search: DevicesSearch): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(deviceListQuery(search))) {
    if (value !== undefined && value !== null) query.set(key, String(value));
  }
  return `${API_BASE}${devicesPath(partnerId)}/export?${query.toString()}`;
}

/* ---------- Queries ---------- */

export function useDeviceList(partnerId: string, search: DevicesSearch) {
  const query = deviceListQuery(search);
  return useInfiniteQuery({
    queryKey: [...deviceKeys.lists(partnerId), query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<DeviceSummary>>(
        devicesPath(partnerId),
        { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined, include_total: pageParam === null ? true : undefined },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useDevicesSummary(partnerId: string, scope: { organizationId?: string; siteId?: string } = {}, enabled = true) {
  const query: Query = { organization_id: scope.organizationId, site_id: scope.siteId };
  return useQuery({
    queryKey: [...deviceKeys.summaries(partnerId), query],
    enabled,
    queryFn: ({ signal }) => api.get<DevicesSummaryCounts>(`${devicesPath(partnerId)}/summary`, query, signal),
  });
}

export function deviceQueryOptions(partnerId: string, deviceId: string) {
  return queryOptions({
    queryKey: deviceKeys.detail(partnerId, deviceId),
    queryFn: ({ signal }) => api.get<Device>(devicePath(partnerId, deviceId), undefined, signal),
  });
}

export function useDevice(partnerId: string, deviceId: string, enabled = true) {
  return useQuery({ ...deviceQueryOptions(partnerId, deviceId), enabled });
}

export type SoftwareSort = 'name' | '-name' | 'source';

export function useDeviceSoftware(partnerId: string, deviceId: string, q: string, sort: SoftwareSort) {
  const query: Query = { q: q.trim() || undefined, sort };
  return useInfiniteQuery({
    queryKey: [...deviceKeys.software(partnerId, deviceId), query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<SoftwareItem>>(
        `${devicePath(partnerId, deviceId)}/software`,
        { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** What the agent is asked for live: never refetched behind the user's back, only on Refresh. */
const liveOptions = {
  staleTime: Infinity,
  gcTime: 60_000,
  retry: false,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
} as const;

export type ProcessServerSort = 'cpu' | 'memory' | 'io' | 'name';

export function useDeviceProcesses(partnerId: string, deviceId: string, sort: ProcessServerSort, enabled = true) {
  return useQuery({
    ...liveOptions,
    queryKey: [...deviceKeys.live(partnerId, deviceId), 'processes', sort],
    enabled,
    queryFn: ({ signal }) => api.get<ProcessList>(`${devicePath(partnerId, deviceId)}/processes`, { sort, limit: 500 }, signal),
    placeholderData: keepPreviousData,
  });
}

/** `path` undefined: the agent's default (the system drive, or /). */
export function useDeviceDiskUsage(partnerId: string, deviceId: string, path: string | undefined) {
  return useQuery({
    ...liveOptions,
    queryKey: [...deviceKeys.live(partnerId, deviceId), 'disk', path ?? ''],
    queryFn: ({ signal }) =>
      api.get<DiskUsage>(`${devicePath(partnerId, deviceId)}/disk-usage`, { path, top: 50, depth: 1 }, signal),
  });
}

export function useAgentSettings(partnerId: string, enabled = true) {
  return useQuery({
    queryKey: deviceKeys.agentSettings(partnerId),
    enabled,
    queryFn: ({ signal }) => api.get<AgentSettings>(agentSettingsPath(partnerId), undefined, signal),
  });
}

/* ---------- Changes ---------- */

function refreshAfterChange(queryClient: ReturnType<typeof useQueryClient>, partnerId: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: deviceKeys.lists(partnerId) }),
    queryClient.invalidateQueries({ queryKey: deviceKeys.summaries(partnerId) }),
  ]);
}

export function useUpdateDeviceSettings(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      id,
      ...body
    }: {
      id: string;
      version: number;
      heartbeat_seconds?: number | null;
      inventory_minutes?: number | null;
    }) => api.patch<Device>(devicePath(partnerId, id), body),
    onSuccess: (device) => {
      queryClient.setQueryData(deviceKeys.detail(partnerId, device.id), device);
    },
  });
}

export function useRevokeDevice(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (device: Pick<Device, 'id'>) => api.post<Device>(`${devicePath(partnerId, device.id)}/revoke`),
    onSuccess: (device) => {
      // The answer may be the summary shape: refetch the page's full device.
      void queryClient.invalidateQueries({ queryKey: deviceKeys.detail(partnerId, device.id) });
      return refreshAfterChange(queryClient, partnerId);
    },
  });
}

export function useDeleteDevice(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (device: Pick<Device, 'id'>) => api.delete(devicePath(partnerId, device.id)),
    onSuccess: (_data, device) => {
      // Not refetched (it would be a 404): the page that deleted it is navigating away.
      void queryClient.invalidateQueries({ queryKey: deviceKeys.detail(partnerId, device.id), refetchType: 'none' });
      void queryClient.invalidateQueries({ queryKey: deviceKeys.software(partnerId, device.id), refetchType: 'none' });
      return refreshAfterChange(queryClient, partnerId);
    },
  });
}

export function useUpdateAgentSettings(partnerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: AgentSettings) =>
      (await request<AgentSettings>(agentSettingsPath(partnerId), { method: 'PUT', body })).data,
    onSuccess: (settings) => {
      queryClient.setQueryData(deviceKeys.agentSettings(partnerId), settings);
      // Devices without an override now run at the new defaults.
      return queryClient.invalidateQueries({ queryKey: [...deviceKeys.partner(partnerId), 'detail'] });
    },
  });
}
