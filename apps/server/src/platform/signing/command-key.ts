import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { commandSigningInput, type CommandEnvelope } from '@cloudrmm/protocol';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../secrets.js';

/** The fields a signature covers: everything of the envelope but the payload itself (its hash stands in) and the signature. */
export type SignedFields = Omit<CommandEnvelope, 'payload' | 'signature'>;

/** The public half, as an agent receives it at enrollment. */
export interface CommandPublicKey {
  key_id: string;
  /** Ed25519, SPKI DER, base64. */
  public_key: string;
}

/**
 * The server's command key (AGT18, security.md 26): one Ed25519 key for the
 * whole platform, generated on first start, its private half stored only
 * encrypted under the master key. Every command envelope is signed with it;
 * agents get the public half when they enroll.
 */
export class CommandKey {
  private constructor(
    readonly keyId: string,
    private readonly privateKey: KeyObject,
    readonly publicKeyDer: Buffer,
  ) {}

  /** Signs `commandSigningInput(fields)`; the signature is base64. */
  sign(fields: Omit<SignedFields, 'key_id'>): { key_id: string; signature: string } {
    const input = commandSigningInput({ ...fields, key_id: this.keyId });
    return { key_id: this.keyId, signature: sign(null, input, this.privateKey).toString('base64') };
  }

  get publicInfo(): CommandPublicKey {
    return { key_id: this.keyId, public_key: this.publicKeyDer.toString('base64') };
  }

  /**
   * The current key, generated and stored when there is none. Concurrent first
   * starts each try to insert theirs; the unique index on the current key lets
   * one win, and every process then loads that one.
   */
  static async load(db: Database, secrets: SecretBox): Promise<CommandKey> {
    const existing = await current(db);
    if (existing) return CommandKey.open(existing, secrets);

    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const keyId = keyIdOf(publicKey);
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    await db.withPlatform((tx) =>
      tx
        .insertInto('command_signing_keys')
        .values({
          key_id: keyId,
          public_key: der,
          private_key_encrypted: secrets.encrypt(pkcs8, contextOf(keyId)),
        })
        .onConflict((oc) => oc.doNothing())
        .execute(),
    );
    const stored = await current(db);
    if (!stored) throw new Error('the command signing key could not be stored');
    return CommandKey.open(stored, secrets);
  }

  private static open(row: { key_id: string; public_key: Buffer; private_key_encrypted: string }, secrets: SecretBox) {
    const privateKey = createPrivateKey({
      key: Buffer.from(secrets.decrypt(row.private_key_encrypted, contextOf(row.key_id)), 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey(privateKey);
    if (keyIdOf(publicKey) !== row.key_id) throw new Error('the stored command signing key does not match its id');
    return new CommandKey(row.key_id, privateKey, publicKey.export({ format: 'der', type: 'spki' }));
  }
}

const current = (db: Database) =>
  db.withPlatform((tx) =>
    tx
      .selectFrom('command_signing_keys')
      .select(['key_id', 'public_key', 'private_key_encrypted'])
      .where('retired_at', 'is', null)
      .executeTakeFirst(),
  );

const contextOf = (keyId: string) => `command-signing-key:${keyId}`;

/** The first 16 hex of the sha256 of the raw 32-byte public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.x!, 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

const loaded = new WeakMap<Database, Promise<CommandKey>>();

/** The process's command key, loaded (or made) once per database. A failed load is retried on the next call. */
export function commandKeyOf(ctx: { db: Database; secrets: SecretBox }): Promise<CommandKey> {
  let key = loaded.get(ctx.db);
  if (!key) {
    key = CommandKey.load(ctx.db, ctx.secrets);
    loaded.set(ctx.db, key);
    key.catch(() => loaded.delete(ctx.db));
  }
  return key;
}
