import {
  AGENT_SOCKET_PATH,
  HELLO_PATH,
  HelloRequest,
  HelloResponse,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type HelloResponse as HelloAnswer,
} from '@cloudrmm/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AGENT } from '../auth/permissions.js';
import { AppError } from '../http/errors.js';
import { errorResponses } from '../http/schemas.js';
import type { AgentIdentity, AgentPresence } from './agent-link.js';
import type { AgentGateway } from './gateway.js';
import { SERVER_VERSION } from './version.js';

/**
 * The agent's two doors: the bootstrap hello (GW3) and the socket (GW1).
 * Mounted at the root by processes with the gateway role.
 */
export async function gatewayRoutes(root: FastifyInstance, opts: { gateway: AgentGateway; presence: AgentPresence }) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = new WeakMap<FastifyRequest, AgentIdentity>();

  /*
   * Bootstrap is sacred: every agent ever released calls it, so HelloRequest and
   * HelloResponse only ever gain optional fields, and unknown input fields are
   * accepted (the schema allows additional properties). Nothing here may turn
   * an old agent's request into a 400.
   */
  app.post(
    HELLO_PATH,
    {
      config: { permission: AGENT },
      schema: {
        tags: ['agent'],
        operationId: 'agentHello',
        description:
          'Version negotiation for agents: proceed, upgrade_required or rejected. Input and output only ever gain optional fields. Permission: agent.',
        body: HelloRequest,
        response: { 200: HelloResponse, ...errorResponses(400) },
      },
    },
    async (req) => hello(req.body.protocol_version),
  );

  app.get(
    AGENT_SOCKET_PATH,
    {
      websocket: true,
      config: { permission: AGENT },
      schema: { hide: true },
      // Before the upgrade: a refused agent gets a plain 401 and no socket.
      preValidation: async (request) => {
        const credential = bearer(request);
        const identity = credential ? await opts.presence.authenticate(credential) : null;
        if (!identity) {
          throw new AppError(
            'not_authenticated',
            credential
              ? 'this agent credential is unknown or revoked; enroll the agent again'
              : 'send the agent credential as Authorization: Bearer crma_...',
          );
        }
        authenticated.set(request, identity);
      },
    },
    (socket, request) => {
      const identity = authenticated.get(request);
      if (!identity) return socket.close(1011, 'not authenticated');
      opts.gateway.attach(socket, identity, request.ip ?? null);
    },
  );
}

/** Only a Bearer agent credential counts; a session cookie or user API key is never one (security.md 15). */
function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^bearer\s+(crma_\S+)\s*$/i.exec(header) : null;
  return m ? m[1]! : null;
}

export function hello(protocolVersion: number): HelloAnswer {
  const base = { server_version: SERVER_VERSION, min_protocol: MIN_PROTOCOL_VERSION, latest_protocol: PROTOCOL_VERSION };
  if (protocolVersion < MIN_PROTOCOL_VERSION) {
    return {
      ...base,
      action: 'upgrade_required',
      message: `this agent speaks protocol ${protocolVersion}; the server needs at least ${MIN_PROTOCOL_VERSION}: update the agent`,
    };
  }
  if (protocolVersion > PROTOCOL_VERSION) {
    return {
      ...base,
      action: 'rejected',
      message: `this server (protocol ${PROTOCOL_VERSION}) is older than the agent (protocol ${protocolVersion}); upgrade the server`,
    };
  }
  return { ...base, action: 'proceed', socket_path: AGENT_SOCKET_PATH };
}
