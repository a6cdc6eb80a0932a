import { sql } from 'kysely';
import type { Database, Tx } from '../../platform/db/database.js';

/** A user's rows live in their partner (platform staff: in the platform). */
export function inUserTenant<T>(db: Database, tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return tenantId ? db.withTenant(tenantId, fn) : db.withPlatform(fn);
}

/** A user's authenticator, recovery codes and trusted browsers; the partner's 2FA policy. */
export const totpRepo = {
  find: (tx: Tx, userId: string) =>
    tx
      .selectFrom('user_totp')
      .select(['secret_encrypted', 'pending_secret_encrypted', 'enabled_at', 'last_used_step'])
      .where('user_id', '=', userId)
      .executeTakeFirst(),

  async savePending(tx: Tx, userId: string, tenantId: string | null, encrypted: string): Promise<void> {
    await tx
      .insertInto('user_totp')
      .values({ user_id: userId, tenant_id: tenantId, pending_secret_encrypted: encrypted })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_secret_encrypted: encrypted }))
      .execute();
  },

  /** The confirmed seed replaces the active one (if any); its first code's step is used up. */
  async activatePending(tx: Tx, userId: string, encrypted: string, step: number): Promise<void> {
    await tx
      .updateTable('user_totp')
      .set({ secret_encrypted: encrypted, pending_secret_encrypted: null, enabled_at: sql`now()`, last_used_step: step })
      .where('user_id', '=', userId)
      .execute();
  },

  /**
   * Uses up a time step. The condition makes it atomic: of two requests with the
   * same code, the second finds the step already taken and is refused.
   */
  async claimStep(tx: Tx, userId: string, step: number): Promise<boolean> {
    const r = await tx
      .updateTable('user_totp')
      .set({ last_used_step: step })
      .where('user_id', '=', userId)
      .where('secret_encrypted', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async remove(tx: Tx, userId: string): Promise<void> {
    await tx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  },
};

export const recoveryCodesRepo = {
  async replace(tx: Tx, userId: string, tenantId: string | null, hashes: Buffer[]): Promise<void> {
    await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    if (hashes.length === 0) return;
    await tx
      .insertInto('recovery_codes')
      .values(hashes.map((code_hash) => ({ user_id: userId, tenant_id: tenantId, code_hash })))
      .execute();
  },

  /** Marks the code used; false when it is unknown or was used before. */
  async use(tx: Tx, userId: string, hash: Buffer): Promise<boolean> {
    const r = await tx
      .updateTable('recovery_codes')
      .set({ used_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async countLeft(tx: Tx, userId: string): Promise<number> {
    const r = await tx
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
};

const activeDevice = sql<boolean>`revoked_at is null and expires_at > now()`;

export const trustedDevicesRepo = {
  insert: (
    tx: Tx,
    values: { userId: string; tenantId: string | null; tokenHash: Buffer; userAgent: string; ip: string; days: number },
  ) =>
    tx
      .insertInto('trusted_devices')
      .values({
        user_id: values.userId,
        tenant_id: values.tenantId,
        token_hash: values.tokenHash,
        user_agent: values.userAgent.slice(0, 500),
        ip: values.ip,
        expires_at: sql`now() + make_interval(days => ${values.days})`,
      })
      .returning(['id', 'expires_at'])
      .executeTakeFirstOrThrow(),

  /** The still-valid trusted browser of this user holding the token; its use is recorded. */
  use: (tx: Tx, userId: string, tokenHash: Buffer) =>
    tx
      .updateTable('trusted_devices')
      .set({ last_used_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('token_hash', '=', tokenHash)
      .where(activeDevice)
      .returning('id')
      .executeTakeFirst(),

  list: (tx: Tx, userId: string) =>
    tx
      .selectFrom('trusted_devices')
      .select(['id', 'user_agent', 'ip', 'created_at', 'last_used_at', 'expires_at', 'token_hash'])
      .where('user_id', '=', userId)
      .where(activeDevice)
      .orderBy('created_at', 'desc')
      .execute(),

  /** Revokes one (id) or all of a user's trusted browsers; returns the ids revoked. */
  async revoke(tx: Tx, userId: string, reason: string, id?: string): Promise<string[]> {
    let q = tx
      .updateTable('trusted_devices')
      .set({ revoked_at: sql`now()`, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where(activeDevice);
    if (id !== undefined) q = q.where('id', '=', id);
    return (await q.returning('id').execute()).map((r) => r.id);
  },
};

export const usersRepo = {
  find: (tx: Tx, userId: string) =>
    tx.selectFrom('users').select(['id', 'email', 'tenant_id', 'password_hash']).where('id', '=', userId).executeTakeFirst(),

  /** Active users of a partner who have no confirmed authenticator. */
  withoutTwoFactor: (tx: Tx, partnerId: string) =>
    tx
      .selectFrom('users as u')
      .leftJoin('user_totp as t', 't.user_id', 'u.id')
      .select('u.id')
      .where('u.tenant_id', '=', partnerId)
      .where('u.deleted_at', 'is', null)
      .where((eb) => eb.or([eb('t.enabled_at', 'is', null), eb('t.user_id', 'is', null)]))
      .execute(),

  countActive: async (tx: Tx, partnerId: string): Promise<number> => {
    const r = await tx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', partnerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
};

export const partnerPolicyRepo = {
  requires2fa: async (tx: Tx, partnerId: string): Promise<boolean | null> => {
    const r = await tx
      .selectFrom('partners')
      .select('require_2fa')
      .where('id', '=', partnerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return r ? r.require_2fa : null;
  },

  async set(tx: Tx, partnerId: string, require2fa: boolean): Promise<void> {
    await tx.updateTable('partners').set({ require_2fa: require2fa }).where('id', '=', partnerId).execute();
  },
};
