import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import { Task } from '../commands/index.js';
import {
  ApproveSchedule,
  CreateSchedule,
  PartnerParams,
  Schedule,
  ScheduleParams,
  ScheduleQuery,
  UpdateSchedule,
} from './schedules.schemas.js';
import type { SchedulesService } from './schedules.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['schedules'],
  operationId,
  description: `${description} Permission: ${permission} for the whole partner.`,
});

export async function schedulesRoutes(root: FastifyInstance, service: SchedulesService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const LIST = '/partners/:partnerId/schedules';
  const ONE = `${LIST}/:scheduleId`;

  app.get(
    LIST,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('listSchedules', 'commands.view', 'The partner’s schedules with their next and last firing.'),
        params: PartnerParams,
        querystring: ScheduleQuery,
        response: { 200: ListOf(Schedule), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.list(req.params.partnerId, req.principal!, req.query),
  );
  app.get(
    ONE,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('getSchedule', 'commands.view', 'One schedule (secret parameter values are never returned).'),
        params: ScheduleParams,
        response: { 200: Schedule, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.get(req.params.partnerId, req.params.scheduleId, req.principal!),
  );
  app.post(
    LIST,
    {
      config: { permission: 'commands.run' },
      schema: {
        ...doc(
          'createSchedule',
          'commands.run',
          'A cron schedule (five fields, in an IANA time zone) that makes a task on its target at each occurrence; a firing missed while CloudRMM was down runs once when it is back. Audited.',
        ),
        params: PartnerParams,
        body: CreateSchedule,
        response: { 201: Schedule, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.create(req.params.partnerId, req.principal!, req.body, actorOf(req))),
  );
  app.patch(
    ONE,
    {
      config: { permission: 'commands.run' },
      schema: {
        ...doc(
          'updateSchedule',
          'commands.run',
          'Changes a schedule (enable or disable it, its timing, action or target); 409 on a stale version. A secret parameter left null keeps its stored value. Audited.',
        ),
        params: ScheduleParams,
        body: UpdateSchedule,
        response: { 200: Schedule, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.update(req.params.partnerId, req.params.scheduleId, req.principal!, req.body, actorOf(req)),
  );
  app.delete(
    ONE,
    {
      config: { permission: 'commands.run' },
      schema: {
        ...doc('deleteSchedule', 'commands.run', 'Deletes a schedule; tasks it made stay in history. Audited.'),
        params: ScheduleParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await service.delete(req.params.partnerId, req.params.scheduleId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${ONE}/approve`,
    {
      config: { permission: 'commands.approve' },
      schema: {
        ...doc(
          'approveSchedule',
          'commands.approve',
          'Approves the schedule’s fan-out once (security.md 28): a schedule whose target holds more devices than the fan-out threshold makes no task until a second person approves it; its firings then run without waiting, until its action or target is edited or its script gets a new version. Not by its creator or last editor: 403 own_schedule. 409 when already approved or the version is stale. Audited.',
        ),
        params: ScheduleParams,
        body: ApproveSchedule,
        response: { 200: Schedule, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.approve(req.params.partnerId, req.params.scheduleId, req.principal!, req.body, actorOf(req)),
  );
  app.post(
    `${ONE}/run-now`,
    {
      config: { permission: 'commands.run' },
      schema: {
        ...doc(
          'runScheduleNow',
          'commands.run',
          'Makes the schedule’s task now, as the caller (its next firing is unchanged). Same answers as creating a task: above the fan-out threshold the task waits for a second person, whether or not the schedule is approved. Audited.',
        ),
        params: ScheduleParams,
        response: { 201: Task, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.runNow(req.params.partnerId, req.params.scheduleId, req.principal!, actorOf(req))),
  );
}
