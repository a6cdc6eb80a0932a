import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { errorResponses, ListOf } from '../../platform/http/schemas.js';
import {
  ClearRuns,
  CommandSettings,
  CreateTask,
  Halt,
  IdempotencyHeaders,
  PartnerParams,
  Run,
  RunParams,
  RunQuery,
  Task,
  TaskParams,
  TaskQuery,
  UpdateCommandSettings,
} from './commands.schemas.js';
import type { CommandsService } from './commands.service.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['commands'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});
const IDEMPOTENT = 'A repeat with the same Idempotency-Key header returns the first task and starts nothing new.';

export async function commandsRoutes(root: FastifyInstance, service: CommandsService) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const TASKS = '/partners/:partnerId/tasks';
  const TASK = `${TASKS}/:taskId`;
  const RUNS = '/partners/:partnerId/runs';
  const RUN = `${RUNS}/:runId`;
  const SETTINGS = '/partners/:partnerId/command-settings';
  const who = (req: Parameters<typeof actorOf>[0]) => ({ principal: req.principal!, actor: actorOf(req) });

  app.post(
    TASKS,
    {
      // Scoped technicians run commands on their own devices: the service checks every target.
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc(
          'createTask',
          'commands.run on every target device',
          `Runs a script, a one-off shell command, a reboot, an inventory refresh or a process kill on devices, sites, organizations, a saved filter or the whole partner: one signed run per device, delivered now to connected agents and on reconnect to the others until it expires. More devices than the fan-out threshold: the task waits for another user's approval. 409 commands_halted while the kill switch is engaged; 422 no_targets. ${IDEMPOTENT}`,
        ),
        params: PartnerParams,
        headers: IdempotencyHeaders,
        body: CreateTask,
        response: { 201: Task, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        await service.createTask(req.params.partnerId, req.body, who(req), {
          reason: 'manual',
          idempotencyKey: req.headers['idempotency-key'],
        }),
      ),
  );
  app.get(
    TASKS,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('listTasks', 'commands.view', 'Tasks, newest first, with their runs counted by status.'),
        params: PartnerParams,
        querystring: TaskQuery,
        response: { 200: ListOf(Task), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.listTasks(req.params.partnerId, req.principal!, req.query),
  );
  app.get(
    TASK,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('getTask', 'commands.view', 'One task with its runs counted by status.'),
        params: TaskParams,
        response: { 200: Task, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getTask(req.params.partnerId, req.params.taskId, req.principal!),
  );
  for (const [action, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post(
      `${TASK}/${action}`,
      {
        config: { permission: 'commands.approve', resourceScoped: true },
        schema: {
          ...doc(
            approve ? 'approveTask' : 'rejectTask',
            'commands.approve on every device of the task',
            approve
              ? 'Lets a task waiting for approval (a fan-out above the threshold) run. Not by its creator: 403 own_task.'
              : 'Refuses a task waiting for approval: its runs are cancelled. Not by its creator: 403 own_task.',
          ),
          params: TaskParams,
          response: { 200: Task, ...errorResponses(401, 403, 404, 409) },
        },
      },
      (req) => service.decide(req.params.partnerId, req.params.taskId, req.principal!, actorOf(req), approve),
    );
  }
  app.post(
    `${TASK}/cancel`,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc(
          'cancelTask',
          'commands.run on every device of the task',
          'Cancels the task’s unfinished runs: queued ones at once; sent and running ones are stopped by their agent, whose report is their final state.',
        ),
        params: TaskParams,
        response: { 200: Task, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.cancelTask(req.params.partnerId, req.params.taskId, req.principal!, actorOf(req)),
  );
  app.post(
    `${TASK}/rerun`,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc(
          'rerunTask',
          'commands.run on every device of the task',
          `A new task doing the same on the same devices. ${IDEMPOTENT}`,
        ),
        params: TaskParams,
        headers: IdempotencyHeaders,
        response: { 201: Task, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        await service.rerun(req.params.partnerId, { taskId: req.params.taskId }, who(req), {
          reason: 'manual',
          idempotencyKey: req.headers['idempotency-key'],
        }),
      ),
  );

  app.get(
    RUNS,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc(
          'listRuns',
          'commands.view',
          'Runs, newest first (command history, per device with device_id), filtered by task, status, script, user and time; q searches the output. Items carry the first 2 KiB of output as output_preview.',
        ),
        params: PartnerParams,
        querystring: RunQuery,
        response: { 200: ListOf(Run), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.listRuns(req.params.partnerId, req.principal!, req.query),
  );
  // Before RUN, so the router never reads "clear" as a run id.
  app.post(
    `${RUNS}/clear`,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc('clearRuns', 'commands.run', 'Deletes finished runs the caller may manage (one device’s with device_id).'),
        params: PartnerParams,
        body: ClearRuns,
        response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.clearRuns(req.params.partnerId, req.body ?? {}, req.principal!, actorOf(req)),
  );
  app.get(
    RUN,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('getRun', 'commands.view', 'One run with its full output.'),
        params: RunParams,
        response: { 200: Run, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getRun(req.params.partnerId, req.params.runId, req.principal!),
  );
  app.post(
    `${RUN}/cancel`,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc(
          'cancelRun',
          'commands.run',
          'Queued: cancelled at once. Sent or running: the agent kills its process tree and reports it cancelled. 409 when it already finished.',
        ),
        params: RunParams,
        response: { 200: Run, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.cancelRun(req.params.partnerId, req.params.runId, req.principal!, actorOf(req)),
  );
  app.post(
    `${RUN}/rerun`,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc('rerunRun', 'commands.run', `A new task doing what this run did, on its device. ${IDEMPOTENT}`),
        params: RunParams,
        headers: IdempotencyHeaders,
        response: { 201: Task, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        await service.rerun(req.params.partnerId, { runId: req.params.runId }, who(req), {
          reason: 'manual',
          idempotencyKey: req.headers['idempotency-key'],
        }),
      ),
  );
  app.delete(
    RUN,
    {
      config: { permission: 'commands.run', resourceScoped: true },
      schema: {
        ...doc('deleteRun', 'commands.run', 'Deletes a finished run from the history (409 while it is unfinished).'),
        params: RunParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await service.deleteRun(req.params.partnerId, req.params.runId, req.principal!, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.get(
    SETTINGS,
    {
      config: { permission: 'commands.view' },
      schema: {
        ...doc('getCommandSettings', 'commands.view', 'The fan-out threshold, default run expiry and the kill switch.'),
        params: PartnerParams,
        response: { 200: CommandSettings, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.getSettings(req.params.partnerId),
  );
  app.put(
    SETTINGS,
    {
      config: { permission: 'commands.manage' },
      schema: {
        ...doc('updateCommandSettings', 'commands.manage', 'Changes the fan-out threshold and the default run expiry.'),
        params: PartnerParams,
        body: UpdateCommandSettings,
        response: { 200: CommandSettings, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    (req) => service.putSettings(req.params.partnerId, req.body, actorOf(req)),
  );
  app.post(
    `${SETTINGS}/halt`,
    {
      config: { permission: 'commands.manage' },
      schema: {
        ...doc(
          'haltCommands',
          'commands.manage',
          'The kill switch: cancels every queued, sent and running run of the partner at once and refuses new tasks until released.',
        ),
        params: PartnerParams,
        body: Halt,
        response: { 200: CommandSettings, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (req) => service.halt(req.params.partnerId, req.body.reason, req.principal!, actorOf(req)),
  );
  app.post(
    `${SETTINGS}/release`,
    {
      config: { permission: 'commands.manage' },
      schema: {
        ...doc('releaseCommands', 'commands.manage', 'Releases the kill switch: tasks are accepted again.'),
        params: PartnerParams,
        response: { 200: CommandSettings, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => service.release(req.params.partnerId, actorOf(req)),
  );
}
