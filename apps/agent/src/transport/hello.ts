import os from 'node:os';
import { AGENT_SOCKET_PATH, HELLO_PATH, HelloResponse, PROTOCOL_VERSION, matches, type HelloRequest } from '@cloudrmm/protocol';
import { AGENT_VERSION } from '../version.js';
import { postJson, serverErrorMessage, type JsonResponse } from './http.js';
import type { TlsPolicy } from './tls-policy.js';

export class HelloRefusedError extends Error {}

export interface HelloOutcome {
  hello: HelloResponse;
  response: JsonResponse;
  socketPath: string;
}

/**
 * Bootstrap (GW3): asks the server whether this agent may go on. Anything but
 * `proceed` stops here with the server's own words.
 */
export async function sayHello(origin: string, tls: TlsPolicy): Promise<HelloOutcome> {
  const request: HelloRequest = {
    agent_version: AGENT_VERSION,
    protocol_version: PROTOCOL_VERSION,
    os: process.platform,
    arch: os.arch(),
  };
  const response = await postJson(origin, HELLO_PATH, request, tls);
  if (response.status !== 200) throw new HelloRefusedError(`the server refused the agent: ${serverErrorMessage(response)}`);
  if (!matches(HelloResponse, response.body))
    throw new HelloRefusedError(`${origin} did not answer like a CloudRMM server (unexpected hello response)`);
  const hello = response.body;
  if (hello.action !== 'proceed') {
    const why =
      hello.message ??
      (hello.action === 'upgrade_required'
        ? 'this agent is too old for the server; install the current agent'
        : 'the server refused this agent');
    throw new HelloRefusedError(`${hello.action === 'upgrade_required' ? 'upgrade required' : 'refused'}: ${why}`);
  }
  // Only a path on the same origin: the server cannot redirect the credential elsewhere.
  const socketPath =
    hello.socket_path && hello.socket_path.startsWith('/') && !hello.socket_path.startsWith('//')
      ? hello.socket_path
      : AGENT_SOCKET_PATH;
  return { hello, response, socketPath };
}
