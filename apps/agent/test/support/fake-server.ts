import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_SOCKET_PATH,
  ENROLL_PATH,
  HELLO_PATH,
  PROTOCOL_VERSION,
  decodeAgentFrame,
  encodeServerFrame,
  type AgentConfig,
  type AgentFrame,
  type ServerMessageType,
  type ServerPayload,
} from '@cloudrmm/protocol';

/**
 * Just enough of the server for agent tests: hello, enroll, and the agent
 * socket with bearer auth. Everything it saw is recorded for assertions.
 */
export interface FakeServer {
  url: string;
  frames: AgentFrame[];
  rawFrames: string[];
  upgrades: { authorization?: string; origin?: string }[];
  sockets: Set<WebSocket>;
  /** Change answers on the fly. */
  behaviour: {
    hello: { action: 'proceed' | 'upgrade_required' | 'rejected'; message?: string; socket_path?: string };
    /** Answer hello with this status and body instead (a proxy's 502, a 429...); null = the normal answer. */
    helloError: { status: number; body?: unknown } | null;
    enroll: { status: number; body?: unknown };
    /** Refuse every socket with 401 (a revoked credential). */
    revoked: boolean;
    config: AgentConfig;
    inventoryHash: string | null;
    sendWelcome: boolean;
    /** The command-signing key the enrollment answer carries (none when null). */
    commandKey: { key_id: string; public_key: string } | null;
  };
  credential: string;
  ids: { agent_id: string; device_id: string; partner_id: string };
  send<T extends ServerMessageType>(type: T, payload: ServerPayload<T>, options?: { id?: string }): void;
  sendRaw(text: string): void;
  waitFor(predicate: (frame: AgentFrame) => boolean, timeoutMs?: number): Promise<AgentFrame>;
  /** Calls `listener` with every valid frame from now on; returns the way to stop. */
  onFrame(listener: (frame: AgentFrame) => void): () => void;
  setTlsContext(cert: string, key: string): void;
  close(): Promise<void>;
}

export async function startFakeServer(tls?: { cert: string; key: string }): Promise<FakeServer> {
  const agentHex = randomUUID().replace(/-/g, '');
  const ids = {
    agent_id: `${agentHex.slice(0, 8)}-${agentHex.slice(8, 12)}-${agentHex.slice(12, 16)}-${agentHex.slice(16, 20)}-${agentHex.slice(20)}`,
    device_id: randomUUID(),
    partner_id: randomUUID(),
  };
  const credential = `crma_${agentHex}_${'A'.repeat(43)}`;
  const frames: AgentFrame[] = [];
  const rawFrames: string[] = [];
  const upgrades: FakeServer['upgrades'] = [];
  const sockets = new Set<WebSocket>();
  const waiters: { predicate: (f: AgentFrame) => boolean; resolve: (f: AgentFrame) => void }[] = [];
  const listeners = new Set<(frame: AgentFrame) => void>();
  const behaviour: FakeServer['behaviour'] = {
    hello: { action: 'proceed' },
    helloError: null,
    enroll: { status: 201 },
    revoked: false,
    config: { heartbeat_seconds: 30, inventory_minutes: 15 },
    inventoryHash: null,
    sendWelcome: true,
    commandKey: null,
  };

  const handler: http.RequestListener = (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && req.url === HELLO_PATH) {
        if (behaviour.helloError) return json(behaviour.helloError.status, behaviour.helloError.body ?? null);
        return json(200, {
          server_version: 'fake-1',
          min_protocol: 1,
          latest_protocol: PROTOCOL_VERSION,
          socket_path: AGENT_SOCKET_PATH,
          ...behaviour.hello,
        });
      }
      if (req.method === 'POST' && req.url === ENROLL_PATH) {
        if (behaviour.enroll.status !== 201) return json(behaviour.enroll.status, behaviour.enroll.body);
        return json(201, {
          ...ids,
          credential,
          organization_id: randomUUID(),
          site_id: randomUUID(),
          server_version: 'fake-1',
          ...(behaviour.commandKey ? { command_key: behaviour.commandKey } : {}),
        });
      }
      json(404, { error: { code: 'not_found', message: 'no such route' } });
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ authorization: req.headers.authorization, origin: req.headers.origin });
    if (req.url !== AGENT_SOCKET_PATH || behaviour.revoked || req.headers.authorization !== `Bearer ${credential}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const text = data.toString();
        rawFrames.push(text);
        const decoded = decodeAgentFrame(text);
        if (!decoded.ok) return;
        frames.push(decoded.frame);
        for (const listener of [...listeners]) listener(decoded.frame);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(decoded.frame)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(decoded.frame);
          }
        }
      });
      if (behaviour.sendWelcome) {
        ws.send(
          encodeServerFrame('welcome', {
            device_id: ids.device_id,
            server_version: 'fake-1',
            config: behaviour.config,
            inventory_hash: behaviour.inventoryHash,
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    frames,
    rawFrames,
    upgrades,
    sockets,
    behaviour,
    credential,
    ids,
    send(type, payload, options) {
      for (const ws of sockets) ws.send(encodeServerFrame(type, payload, options));
    },
    sendRaw(text) {
      for (const ws of sockets) ws.send(text);
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const seen = frames.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            reject(new Error(`no matching frame within ${timeoutMs} ms; got: ${frames.map((f) => f.type).join(', ')}`));
          }
        }, timeoutMs).unref();
      });
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setTlsContext(cert, key) {
      (server as https.Server).setSecureContext({ cert, key });
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
