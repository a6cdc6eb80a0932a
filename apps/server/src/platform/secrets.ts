import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateSecretFile } from './secret-file.js';

const VERSION = 'v1';

/**
 * Encrypts secrets kept in the database (TOTP seeds, SSO client secrets,
 * connector credentials...) with AES-256-GCM under the master key (OPS6).
 * `context` is bound into each ciphertext (e.g. `totp:<user id>`), so a value
 * copied into another row or column does not decrypt there.
 */
export class SecretBox {
  private readonly key: Buffer;
  /** Short fingerprint of the key, for logs and support (never the key). */
  readonly keyId: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.key = masterKey;
    this.keyId = createHash('sha256').update(masterKey).digest('hex').slice(0, 8);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.keyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join(':');
  }

  decrypt(sealed: string, context: string): string {
    const [version, keyId, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a CloudRMM encrypted secret');
    if (keyId !== this.keyId)
      throw new Error(`secret was encrypted with another master key (${keyId}); set CLOUDRMM_MASTER_KEY to that key`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The master key: CLOUDRMM_MASTER_KEY (32 bytes, base64), or a key generated
 * once into `<data dir>/master.key` (mode 0600). Every process of a cluster must
 * be given the same CLOUDRMM_MASTER_KEY.
 */
export async function loadMasterKey(configured: string | null, dataDir: string): Promise<Buffer> {
  const encoded =
    configured ?? (await readOrCreateSecretFile(path.join(dataDir, 'master.key'), () => randomBytes(32).toString('base64')));
  return Buffer.from(encoded, 'base64');
}
