import os from 'node:os';
import { AGENT_SOCKET_PATH, HELLO_PATH, HelloResponse, PROTOCOL_VERSION, matches, type HelloRequest } from '@cloudrmm/protocol';
import { AGENT_VERSION } from '../version.js';
import { postJson, serverErrorMessage, type JsonResponse } from './http.js';
import type { TlsPolicy } from './tls-policy.js';

/** The server said no and means it: retrying soon will not help (a 4xx, `upgrade_required`, `rejected`). */
export class HelloRefusedError extends Error {}

/**
 * No usable answer right now: a 5xx (a reverse proxy while the server restarts),
 * 408, 429, or something that is not a hello answer. Retried with the normal
 * jittered backoff, like a network error.
 */
export class HelloUnavailableError extends Error {}

/** A 4xx is the server's decision; 408 and 429 only ask to come back later. */
export function isRefusalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The socket path the server named, resolved against the server and kept only
 * if it stays on the same origin (so `/\\evil.example/...`, `//evil.example/...`
 * or an absolute URL elsewhere cannot send the credential to another host).
 * Returns the path and query to use, or null.
 */
export function sameOriginSocketPath(candidate: string | undefined, origin: string): string | null {
  if (!candidate) return null;
  let server: URL;
  let resolved: URL;
  try {
    server = new URL(origin);
    resolved = new URL(candidate, server);
  } catch {
    return null;
  }
  if (resolved.origin !== server.origin || resolved.username || resolved.password) return null;
  return `${resolved.pathname}${resolved.search}`;
}

export interface HelloOutcome {
  hello: HelloResponse;
  response: JsonResponse;
  socketPath: string;
}

/**
 * Bootstrap (GW3): asks the server whether this agent may go on. A refusal
 * (HelloRefusedError) carries the server's own words; a server that cannot
 * answer right now gives HelloUnavailableError, and an unreachable one
 * ServerUnreachableError.
 */
export async function sayHello(origin: string, tls: TlsPolicy): Promise<HelloOutcome> {
  const request: HelloRequest = {
    agent_version: AGENT_VERSION,
    protocol_version: PROTOCOL_VERSION,
    os: process.platform,
    arch: os.arch(),
  };
  const response = await postJson(origin, HELLO_PATH, request, tls);
  if (isRefusalStatus(response.status))
    throw new HelloRefusedError(`the server refused the agent: ${serverErrorMessage(response)}`);
  if (response.status !== 200)
    throw new HelloUnavailableError(`the server cannot answer right now: ${serverErrorMessage(response)}`);
  if (!matches(HelloResponse, response.body))
    throw new HelloUnavailableError(`${origin} did not answer like a CloudRMM server (unexpected hello response)`);
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
  const socketPath = sameOriginSocketPath(hello.socket_path, origin) ?? AGENT_SOCKET_PATH;
  return { hello, response, socketPath };
}
