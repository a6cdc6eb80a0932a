import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_SOCKET_PATH } from '@cloudrmm/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HelloRefusedError, HelloUnavailableError, sameOriginSocketPath, sayHello } from '../src/transport/hello.js';
import { ServerUnreachableError } from '../src/transport/http.js';
import type { TlsPolicy } from '../src/transport/tls-policy.js';
import { startFakeServer, type FakeServer } from './support/fake-server.js';

const plaintext: TlsPolicy = { rejectUnauthorized: true, pinned: null };
const servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeServer(): Promise<FakeServer> {
  const server = await startFakeServer();
  servers.push(server);
  return server;
}

/** A port nothing listens on: bound, noted, closed. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('hello (GW3): a refusal only when the server means it', () => {
  it.each([502, 503, 504, 500, 408, 429])(
    'HTTP %i (a proxy during a restart, a timeout, a rate limit) is not a refusal',
    async (status) => {
      const server = await fakeServer();
      server.behaviour.helloError = { status, body: '<html>Bad Gateway</html>' };
      const error = await sayHello(server.url, plaintext).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HelloUnavailableError);
      expect(error).not.toBeInstanceOf(HelloRefusedError);
      expect((error as Error).message).toContain(`HTTP ${status}`);
    },
  );

  it('a 200 that is not a hello answer (a proxy page) is not a refusal either', async () => {
    const server = await fakeServer();
    server.behaviour.helloError = { status: 200, body: 'maintenance' };
    const error = await sayHello(server.url, plaintext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelloUnavailableError);
  });

  it('a network error is not a refusal', async () => {
    const error = await sayHello(`http://127.0.0.1:${await closedPort()}`, plaintext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect(error).not.toBeInstanceOf(HelloRefusedError);
  });

  it.each([400, 403, 404, 410])('HTTP %i is a refusal, with the server’s words', async (status) => {
    const server = await fakeServer();
    server.behaviour.helloError = { status, body: { error: { code: 'nope', message: 'not for you' } } };
    const error = await sayHello(server.url, plaintext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelloRefusedError);
    expect((error as Error).message).toContain('not for you');
  });

  it.each(['upgrade_required', 'rejected'] as const)('a valid answer with action %s is a refusal', async (action) => {
    const server = await fakeServer();
    server.behaviour.hello = { action, message: 'go away' };
    const error = await sayHello(server.url, plaintext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelloRefusedError);
    expect((error as Error).message).toContain('go away');
  });
});

describe('hello socket_path: never another origin', () => {
  it.each([
    '/\\evil.example/agent/v1/ws',
    '\\\\evil.example/agent/v1/ws',
    '//evil.example/agent/v1/ws',
    '/\\/evil.example/agent/v1/ws',
    'https://evil.example/agent/v1/ws',
    'ws://127.0.0.1:1/agent/v1/ws',
    '/\t/evil.example/agent/v1/ws',
  ])('ignores %j and keeps the default path on the server', async (socketPath) => {
    const server = await fakeServer();
    server.behaviour.hello = { action: 'proceed', socket_path: socketPath };
    const outcome = await sayHello(server.url, plaintext);
    expect(outcome.socketPath).toBe(AGENT_SOCKET_PATH);
    expect(new URL(outcome.socketPath, server.url).origin).toBe(new URL(server.url).origin);
  });

  it('accepts another path on the same server', async () => {
    const server = await fakeServer();
    server.behaviour.hello = { action: 'proceed', socket_path: '/gateway/agent/v2/ws?region=eu' };
    expect((await sayHello(server.url, plaintext)).socketPath).toBe('/gateway/agent/v2/ws?region=eu');
  });

  it('sameOriginSocketPath resolves against the server and compares origins', () => {
    const origin = 'https://rmm.example.com';
    expect(sameOriginSocketPath('/agent/v1/ws', origin)).toBe('/agent/v1/ws');
    expect(sameOriginSocketPath('https://rmm.example.com/agent/v1/ws', origin)).toBe('/agent/v1/ws');
    expect(sameOriginSocketPath('/\\evil.example/agent/v1/ws', origin)).toBeNull();
    expect(sameOriginSocketPath('https://rmm.example.com:8443/agent/v1/ws', origin)).toBeNull();
    expect(sameOriginSocketPath('http://rmm.example.com/agent/v1/ws', origin)).toBeNull();
    expect(sameOriginSocketPath('https://user@rmm.example.com/agent/v1/ws', origin)).toBeNull();
    expect(sameOriginSocketPath('', origin)).toBeNull();
    expect(sameOriginSocketPath(undefined, origin)).toBeNull();
  });
});
