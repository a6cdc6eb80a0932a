import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { stateFiles, writeFileAtomic } from './state-dir.js';

/**
 * The server's command-signing public key (AGT18, security.md 26), received at
 * enrollment. Public, but it decides what this machine runs as root: stored
 * 0600 in the root-only state directory, replaced only by a new enrollment.
 */
export interface StoredCommandKey {
  key_id: string;
  /** SPKI DER, base64. */
  public_key: string;
  stored_at: string;
}

export interface CommandKey {
  keyId: string;
  key: KeyObject;
}

export class CommandKeyError extends Error {}

/** Parses an Ed25519 SPKI DER (base64) public key; throws when it is anything else. */
export function parseCommandKey(publicKey: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new CommandKeyError(`the server's command key cannot be read: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CommandKeyError(`the server's command key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  }
  return key;
}

/** The key id the server uses: the first 16 hex of the sha256 of the raw 32-byte public key. */
export function commandKeyId(key: KeyObject): string {
  const spki = key.export({ format: 'der', type: 'spki' });
  return createHash('sha256')
    .update(spki.subarray(spki.length - 32))
    .digest('hex')
    .slice(0, 16);
}

/** Throws unless the key is an Ed25519 public key whose id is `key_id`. */
export function checkCommandKey(key: { key_id: string; public_key: string }): void {
  const id = commandKeyId(parseCommandKey(key.public_key));
  if (id !== key.key_id) throw new CommandKeyError(`the server's command key has id ${id}, not the ${key.key_id} it claims`);
}

/** Stores the key from an enrollment; `null` (a server that sent none) removes an older one. */
export function saveCommandKey(dir: string, key: { key_id: string; public_key: string } | null | undefined): void {
  const file = stateFiles(dir).commandKey;
  if (!key) {
    rmSync(file, { force: true });
    return;
  }
  checkCommandKey(key);
  const stored: StoredCommandKey = { key_id: key.key_id, public_key: key.public_key, stored_at: new Date().toISOString() };
  writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
}

/** The stored key, or null when this enrollment has none (every command is then refused). */
export function loadCommandKey(dir: string): CommandKey | null {
  const file = stateFiles(dir).commandKey;
  if (!existsSync(file)) return null;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredCommandKey;
    return { keyId: stored.key_id, key: parseCommandKey(stored.public_key) };
  } catch {
    return null;
  }
}
