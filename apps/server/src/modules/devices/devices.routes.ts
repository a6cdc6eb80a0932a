import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import {
  AgentSettings,
  BulkMove,
  BulkResult,
  BulkTags,
  CreateDeviceFilter,
  DeviceCounts,
  DeviceFilter,
  DeviceDetail,
  DeviceExportQuery,
  DeviceParams,
  DeviceQuery,
  DeviceSummary,
  DiskUsage,
  DiskUsageQuery,
  FilterParams,
  PartnerParams,
  ProcessList,
  ProcessQuery,
  SoftwarePage,
  SoftwareQuery,
  SummaryQuery,
  UpdateAgentSettings,
  UpdateDevice,
  UpdateDeviceFilter,
} from './devices.schemas.js';
import type { DevicesService } from './devices.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['devices'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});
const LIVE =
  'Asked of the agent now: 409 device_offline when it is not connected, 409 agent_busy when it is busy with the same kind of request, 504 agent_timeout after 15 s, 502 agent_error when the agent fails.';

export async function devicesRoutes(root: FastifyInstance, service: DevicesService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const LIST = '/partners/:partnerId/devices';
  const ONE = `${LIST}/:deviceId`;

  app.get(
    LIST,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc(
          'listDevices',
          'devices.view',
          'Devices the caller can see, filtered, searched (q: hostname, IP, MAC, OS, agent version, logged-in user) and sorted.',
        ),
        params: PartnerParams,
        querystring: DeviceQuery,
        response: { 200: ListOf(DeviceSummary), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.list(req.params.partnerId, req.principal!, req.query),
  );
  app.get(
    `${LIST}/summary`,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc(
          'getDeviceSummary',
          'devices.view',
          'Device health counts (total, online, offline, low disk, by platform); each is the list with the same filter.',
        ),
        params: PartnerParams,
        querystring: SummaryQuery,
        response: { 200: DeviceCounts, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.counts(req.params.partnerId, req.principal!, req.query),
  );
  // Before ONE, so the router never reads "export" as a device id.
  app.get(
    `${LIST}/export`,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc(
          'exportDevices',
          'devices.view',
          'CSV of the devices the list shows (same filters and sort, at most 10,000 rows; spreadsheet formulas neutralised). Audited.',
        ),
        params: PartnerParams,
        querystring: DeviceExportQuery,
        response: { 200: Type.String(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const csv = await service.exportCsv(req.params.partnerId, req.principal!, req.query, actorOf(req));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="devices-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(csv);
    },
  );
  app.get(
    ONE,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('getDevice', 'devices.view', 'One device with its last inventory, status and agent settings.'),
        params: DeviceParams,
        response: { 200: DeviceDetail, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.get(req.params.partnerId, req.params.deviceId, req.principal!),
  );
  app.get(
    `${ONE}/software`,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('listDeviceSoftware', 'devices.view', 'Software installed on the device, from its last inventory.'),
        params: DeviceParams,
        querystring: SoftwareQuery,
        response: { 200: SoftwarePage, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.software(req.params.partnerId, req.params.deviceId, req.principal!, req.query),
  );
  app.get(
    `${ONE}/processes`,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('listDeviceProcesses', 'devices.view', `The device's running processes, sorted. ${LIVE}`),
        params: DeviceParams,
        querystring: ProcessQuery,
        response: { 200: ProcessList, ...errorResponses(400, 401, 403, 404, 409, 502, 503, 504) },
      },
    },
    (req) => service.processes(req.params.partnerId, req.params.deviceId, req.principal!, req.query),
  );
  app.get(
    `${ONE}/disk-usage`,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('getDeviceDiskUsage', 'devices.view', `Partitions and the largest folders under a path. ${LIVE}`),
        params: DeviceParams,
        querystring: DiskUsageQuery,
        response: { 200: DiskUsage, ...errorResponses(400, 401, 403, 404, 409, 502, 503, 504) },
      },
    },
    (req) => service.diskUsage(req.params.partnerId, req.params.deviceId, req.principal!, req.query),
  );
  app.patch(
    ONE,
    {
      // A site's technician manages the devices of that site: the service checks the device's scope.
      config: { permission: 'devices.manage', resourceScoped: true },
      schema: {
        ...doc(
          'updateDevice',
          'devices.manage',
          'Overrides the agent settings for this device (null: back to the partner’s); a connected agent applies them at once.',
        ),
        params: DeviceParams,
        body: UpdateDevice,
        response: { 200: DeviceDetail, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.update(req.params.partnerId, req.params.deviceId, req.principal!, req.body, actorOf(req)),
  );
  app.post(
    `${ONE}/revoke`,
    {
      config: { permission: 'devices.manage', resourceScoped: true },
      schema: {
        ...doc(
          'revokeDevice',
          'devices.manage',
          'Revokes the agent’s credential: its connection closes within seconds and it cannot connect again.',
        ),
        params: DeviceParams,
        response: { 200: DeviceDetail, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.revoke(req.params.partnerId, req.params.deviceId, req.principal!, actorOf(req)),
  );
  app.delete(
    ONE,
    {
      config: { permission: 'devices.manage', resourceScoped: true },
      schema: {
        ...doc('deleteDevice', 'devices.manage', 'Deletes the device and revokes its agent.'),
        params: DeviceParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.delete(req.params.partnerId, req.params.deviceId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  // Bulk actions (DEV4): before ONE's children, though static segments win anyway.
  app.post(
    `${LIST}/bulk/tags`,
    {
      // Site technicians tag the devices of their sites: the service checks every device's scope.
      config: { permission: 'devices.manage', resourceScoped: true },
      schema: {
        ...doc(
          'bulkTagDevices',
          'devices.manage',
          'Adds and removes tags on up to 1,000 devices at once (tags are stored lower-case, at most 50 a device). 404 when a device is missing or outside the caller’s scope; nothing changes then. Audited.',
        ),
        params: PartnerParams,
        body: BulkTags,
        response: { 200: BulkResult, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.bulkTags(req.params.partnerId, req.principal!, req.body, actorOf(req)),
  );
  app.post(
    `${LIST}/bulk/move`,
    {
      config: { permission: 'devices.manage', resourceScoped: true },
      schema: {
        ...doc(
          'bulkMoveDevices',
          'devices.manage',
          'Moves up to 1,000 devices to another site of the partner (devices.manage where each device is and on the target site). Connected agents reconnect into the new site. Audited.',
        ),
        params: PartnerParams,
        body: BulkMove,
        response: { 200: BulkResult, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.bulkMove(req.params.partnerId, req.principal!, req.body, actorOf(req)),
  );

  const FILTERS = '/partners/:partnerId/device-filters';
  const FILTER = `${FILTERS}/:filterId`;
  app.get(
    FILTERS,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('listDeviceFilters', 'devices.view', 'The partner’s saved device-list filters, by name.'),
        params: PartnerParams,
        response: { 200: ListOf(DeviceFilter), ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.listFilters(req.params.partnerId),
  );
  app.get(
    FILTER,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('getDeviceFilter', 'devices.view', 'One saved device filter.'),
        params: FilterParams,
        response: { 200: DeviceFilter, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getFilter(req.params.partnerId, req.params.filterId),
  );
  app.post(
    FILTERS,
    {
      config: { permission: 'devices.manage' },
      schema: {
        ...doc(
          'createDeviceFilter',
          'devices.manage',
          'Saves a device-list filter (the list’s filter fields) under a name unique in the partner; commands and schedules can target it.',
        ),
        params: PartnerParams,
        body: CreateDeviceFilter,
        response: { 201: DeviceFilter, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.createFilter(req.params.partnerId, req.body, actorOf(req))),
  );
  app.patch(
    FILTER,
    {
      config: { permission: 'devices.manage' },
      schema: {
        ...doc(
          'updateDeviceFilter',
          'devices.manage',
          'Renames a saved filter or replaces its query (409 on a stale version or a taken name).',
        ),
        params: FilterParams,
        body: UpdateDeviceFilter,
        response: { 200: DeviceFilter, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.updateFilter(req.params.partnerId, req.params.filterId, req.body, actorOf(req)),
  );
  app.delete(
    FILTER,
    {
      config: { permission: 'devices.manage' },
      schema: {
        ...doc('deleteDeviceFilter', 'devices.manage', 'Deletes a saved filter.'),
        params: FilterParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.deleteFilter(req.params.partnerId, req.params.filterId, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  const SETTINGS = '/partners/:partnerId/agent-settings';
  app.get(
    SETTINGS,
    {
      config: { permission: 'devices.view' },
      schema: {
        ...doc('getAgentSettings', 'devices.view', 'The partner’s agent settings (heartbeat and inventory intervals).'),
        params: PartnerParams,
        response: { 200: AgentSettings, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getAgentSettings(req.params.partnerId),
  );
  app.put(
    SETTINGS,
    {
      config: { permission: 'devices.manage' },
      schema: {
        ...doc(
          'updateAgentSettings',
          'devices.manage',
          'Changes the partner’s agent settings; connected agents without an override apply them at once.',
        ),
        params: PartnerParams,
        body: UpdateAgentSettings,
        response: { 200: AgentSettings, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.putAgentSettings(req.params.partnerId, req.body, actorOf(req)),
  );
}
