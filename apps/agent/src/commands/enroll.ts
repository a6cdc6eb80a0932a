import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ENROLL_PATH, EnrollResponse, PROTOCOL_VERSION, matches, type EnrollRequest } from '@cloudrmm/protocol';
import { checkCommandKey, saveCommandKey } from '../state/command-key.js';
import { isEnrolled, readEnrollmentRecord, saveIdentity, type AgentIdentity } from '../state/credential.js';
import { postJson, serverErrorMessage } from '../transport/http.js';
import { sayHello } from '../transport/hello.js';
import { checkServerUrl } from '../transport/server-url.js';
import { DEV_TLS_WARNING, enrollmentTls } from '../transport/tls-policy.js';
import { AGENT_VERSION } from '../version.js';

export interface EnrollOptions {
  server: string;
  siteCode?: string;
  token?: string;
  caFile?: string;
  dev: boolean;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
}

export class EnrollRefusedError extends Error {}

/**
 * Enrollment (AGT1): hello, then trade the site code or token for an agent
 * identity, and pin the certificate authority the server was verified against.
 */
export async function enroll(options: EnrollOptions, say: (line: string) => void): Promise<AgentIdentity> {
  const server = checkServerUrl(options.server, options.dev);
  if (server.unverified) say(DEV_TLS_WARNING);
  let caPem: string | null = null;
  if (options.caFile) {
    try {
      caPem = readFileSync(options.caFile, 'utf8');
    } catch (error) {
      throw new EnrollRefusedError(`cannot read --ca-file ${options.caFile}: ${(error as Error).message}`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----'))
      throw new EnrollRefusedError(`--ca-file ${options.caFile} holds no PEM certificate`);
  }
  const tls = enrollmentTls(server, caPem);

  const { hello, socketPath } = await sayHello(server.origin, tls);
  const request: EnrollRequest = {
    hostname: os.hostname().slice(0, 255) || 'unknown',
    agent_version: AGENT_VERSION,
    protocol_version: PROTOCOL_VERSION,
    os: process.platform,
    arch: os.arch(),
  };
  if (options.siteCode) request.site_code = options.siteCode;
  if (options.token) request.token = options.token;
  const response = await postJson(server.origin, ENROLL_PATH, request, tls);
  if (response.status !== 201 && response.status !== 200) {
    throw new EnrollRefusedError(`enrollment refused: ${serverErrorMessage(response)}`);
  }
  if (!matches(EnrollResponse, response.body))
    throw new EnrollRefusedError('the server answered the enrollment with an unexpected response');
  const enrolled = response.body;
  if (enrolled.command_key) {
    try {
      checkCommandKey(enrolled.command_key);
    } catch (error) {
      throw new EnrollRefusedError(`enrollment refused: ${(error as Error).message}`);
    }
  }
  if (!server.plaintext && !response.peer) throw new EnrollRefusedError('could not read the server certificate chain to pin it');

  const previous = isEnrolled(options.stateDir) ? readEnrollmentRecord(options.stateDir) : null;
  if (previous) say(`replacing the previous enrollment (agent ${previous.agent_id} at ${previous.server})`);
  const identity: AgentIdentity = {
    server: server.origin,
    socket_path: socketPath,
    agent_id: enrolled.agent_id,
    device_id: enrolled.device_id,
    partner_id: enrolled.partner_id,
    organization_id: enrolled.organization_id,
    site_id: enrolled.site_id,
    credential: enrolled.credential,
    server_version: enrolled.server_version || hello.server_version,
    enrolled_at: new Date().toISOString(),
    pinned: server.plaintext ? null : response.peer,
  };
  await saveIdentity(options.stateDir, identity, options.env);
  // Commands are verified against this key (AGT18); without one every command is refused.
  saveCommandKey(options.stateDir, enrolled.command_key);
  if (!enrolled.command_key) say('the server sent no command-signing key: this agent will refuse every command');
  return identity;
}
