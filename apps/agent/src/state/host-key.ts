import { hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { machineId } from '../platform/index.js';

/**
 * Testing/debug aid: read the machine id from this file instead of the OS
 * source, to simulate moving the state directory to another machine.
 */
export const MACHINE_ID_FILE_ENV = 'CLOUDRMM_AGENT_MACHINE_ID_FILE';

export class HostKeyError extends Error {}

async function hostMachineId(env: NodeJS.ProcessEnv): Promise<string> {
  const override = env[MACHINE_ID_FILE_ENV];
  const id = override ? (await readFile(override, 'utf8').catch(() => '')).trim() : await machineId();
  if (!id) {
    throw new HostKeyError(
      override
        ? `cannot read a machine id from ${override} (${MACHINE_ID_FILE_ENV})`
        : 'cannot read this machine id (/etc/machine-id, /var/lib/dbus/machine-id, IOPlatformUUID or MachineGuid)',
    );
  }
  return id;
}

/**
 * The key that encrypts the credential: bound to this machine (its id) and to
 * this installation (the random salt), so a copied state directory is useless.
 */
export async function hostKey(salt: Buffer, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const id = await hostMachineId(env);
  return Buffer.from(hkdfSync('sha256', Buffer.from(id, 'utf8'), salt, 'cloudrmm-agent credential v1', 32));
}
