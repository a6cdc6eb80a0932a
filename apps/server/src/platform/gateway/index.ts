import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../audit/audit.js';
import type { CloudRmmModule, ModuleContext } from '../modules/define.js';
import type { AgentHandlers, AgentPresence } from './agent-link.js';
import { AgentGateway, type GatewayTimings } from './gateway.js';
import { gatewayRoutes } from './gateway.routes.js';

export { AgentGateway } from './gateway.js';
export * from './agent-link.js';

/**
 * Sets up the agent gateway of a process with the gateway role: collects the
 * modules' message handlers (refusing two for one type), takes presence from
 * the module that owns devices, mounts the hello and socket routes, and ties
 * the sweeps to the app's lifetime.
 */
export async function registerAgentGateway(
  app: FastifyInstance,
  ctx: ModuleContext,
  modules: CloudRmmModule[],
  timings?: Partial<GatewayTimings>,
): Promise<AgentGateway | null> {
  const owners = modules.filter((m) => m.agentPresence);
  if (owners.length === 0) return null;
  if (owners.length > 1) throw new Error(`agent presence is provided by two modules: ${owners.map((m) => m.name).join(', ')}`);
  const presence: AgentPresence = owners[0]!.agentPresence!(ctx);

  const handlers: AgentHandlers = {};
  const handledBy = new Map<string, string>();
  for (const m of modules) {
    for (const [type, handler] of Object.entries(m.agentHandlers?.(ctx) ?? {})) {
      if (handledBy.has(type)) throw new Error(`agent message "${type}" is handled by both ${handledBy.get(type)} and ${m.name}`);
      handledBy.set(type, m.name);
      (handlers as Record<string, unknown>)[type] = handler;
    }
  }

  const onConnected = modules.flatMap((m) => (m.agentConnected ? [m.agentConnected(ctx)] : []));

  const gateway = new AgentGateway({
    // Stable across restarts of the same setup, so a restarted gateway finds the devices it left online.
    gatewayId: `${hostname()}:${ctx.config.port}`,
    presence,
    bus: ctx.bus,
    log: ctx.log,
    handlers,
    onConnected: (agent) => {
      for (const fn of onConnected) fn(agent);
    },
    timings,
    auditClaim: (agent, detail) =>
      recordAudit(
        ctx.db,
        agent.tenantId,
        { type: 'agent', id: agent.agentId, label: `agent of ${agent.hostname}` },
        { action: 'agent.claimed_other_device', targetType: 'device', targetId: agent.deviceId, after: detail },
      ),
  });
  await app.register(async (scope) => gatewayRoutes(scope, { gateway, presence }));
  app.addHook('onReady', () => gateway.start());
  app.addHook('onClose', () => gateway.stop());
  return gateway;
}
