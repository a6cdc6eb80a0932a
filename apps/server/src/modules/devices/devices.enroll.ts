import { randomUUID } from 'node:crypto';
import type { EnrollRequest } from '@cloudrmm/protocol';
import type { Tx } from '../../platform/db/database.js';
import { newAgentCredential } from './agent-credential.js';

export interface EnrolledDevice {
  agentId: string;
  deviceId: string;
  /** Shown to the agent once; only its hash is stored. */
  credential: string;
}

/**
 * Creates a device under its site and the agent identity it connects with
 * (AGT1). Runs inside the caller's tenant transaction, after the caller has
 * paid for it with a valid site code or token.
 */
export async function enrollDevice(
  tx: Tx,
  input: {
    tenantId: string;
    organizationId: string;
    siteId: string;
    via: 'site_code' | 'token';
    enrollmentTokenId: string | null;
    remoteIp: string | null;
    agent: Pick<EnrollRequest, 'hostname' | 'agent_version' | 'protocol_version' | 'os' | 'arch'>;
  },
): Promise<EnrolledDevice> {
  const device = await tx
    .insertInto('devices')
    .values({
      tenant_id: input.tenantId,
      organization_id: input.organizationId,
      site_id: input.siteId,
      hostname: input.agent.hostname,
      platform: input.agent.os,
      arch: input.agent.arch,
      agent_version: input.agent.agent_version,
      protocol_version: input.agent.protocol_version,
      remote_ip: input.remoteIp,
      search_text: input.agent.hostname.toLowerCase(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const agentId = randomUUID();
  const { credential, secretHash } = newAgentCredential(agentId);
  await tx
    .insertInto('agents')
    .values({
      id: agentId,
      tenant_id: input.tenantId,
      device_id: device.id,
      secret_hash: secretHash,
      enrolled_via: input.via,
      enrollment_token_id: input.enrollmentTokenId,
    })
    .execute();
  return { agentId, deviceId: device.id, credential };
}
