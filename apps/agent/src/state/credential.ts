import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostKey } from './host-key.js';
import { ensureStateDir, stateFiles, writeFileAtomic } from './state-dir.js';
import type { PinnedServer } from './pinning.js';

/** Everything the agent needs to reconnect as itself. Encrypted at rest. */
export interface AgentIdentity {
  /** The server's origin, e.g. https://rmm.example.com. */
  server: string;
  socket_path: string;
  agent_id: string;
  device_id: string;
  partner_id: string;
  organization_id: string;
  site_id: string;
  /** `crma_...`: the whole secret. */
  credential: string;
  server_version: string;
  enrolled_at: string;
  /** What TLS showed at enrollment; null only for a plaintext development server. */
  pinned: PinnedServer | null;
}

/** The non-secret part, readable by `status` without the host key. */
export type EnrollmentRecord = Omit<AgentIdentity, 'credential' | 'pinned'> & { pinned_ca_subject: string | null };

export class CredentialError extends Error {}

const FORMAT = 'cloudrmm-agent-credential';
const AAD = Buffer.from(`${FORMAT} v1`);

function installSalt(dir: string): Buffer {
  const file = stateFiles(dir).salt;
  if (existsSync(file)) return readFileSync(file);
  const salt = randomBytes(32);
  writeFileAtomic(file, salt, 0o600);
  return salt;
}

export async function saveIdentity(dir: string, identity: AgentIdentity, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  ensureStateDir(dir);
  const key = await hostKey(installSalt(dir), env);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(identity), 'utf8'), cipher.final()]);
  const sealed = {
    format: FORMAT,
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  writeFileAtomic(stateFiles(dir).credential, JSON.stringify(sealed), 0o600);
  const record: EnrollmentRecord = {
    server: identity.server,
    socket_path: identity.socket_path,
    agent_id: identity.agent_id,
    device_id: identity.device_id,
    partner_id: identity.partner_id,
    organization_id: identity.organization_id,
    site_id: identity.site_id,
    server_version: identity.server_version,
    enrolled_at: identity.enrolled_at,
    pinned_ca_subject: identity.pinned?.ca_subject ?? null,
  };
  writeFileAtomic(stateFiles(dir).enrollment, JSON.stringify(record, null, 2), 0o600);
}

export function isEnrolled(dir: string): boolean {
  return existsSync(stateFiles(dir).credential);
}

export async function loadIdentity(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<AgentIdentity> {
  const files = stateFiles(dir);
  if (!existsSync(files.credential)) {
    throw new CredentialError(
      `this machine is not enrolled (no credential in ${dir}); run: cloudrmm-agent enroll --server URL --site-code CODE`,
    );
  }
  let sealed: { format?: string; iv?: string; tag?: string; data?: string };
  try {
    sealed = JSON.parse(readFileSync(files.credential, 'utf8')) as typeof sealed;
  } catch (error) {
    throw new CredentialError(`the credential file ${files.credential} cannot be read: ${(error as Error).message}`);
  }
  if (sealed.format !== FORMAT || !sealed.iv || !sealed.tag || !sealed.data || !existsSync(files.salt)) {
    throw new CredentialError(`the credential file ${files.credential} is damaged; enroll this machine again`);
  }
  const key = await hostKey(readFileSync(files.salt), env);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as AgentIdentity;
  } catch {
    throw new CredentialError(
      `the credential in ${dir} cannot be decrypted on this machine: it is bound to the machine it was enrolled on ` +
        `(was the state directory copied, or the machine id changed?). Enroll this machine again.`,
    );
  }
}

export function readEnrollmentRecord(dir: string): EnrollmentRecord | null {
  try {
    return JSON.parse(readFileSync(stateFiles(dir).enrollment, 'utf8')) as EnrollmentRecord;
  } catch {
    return null;
  }
}
