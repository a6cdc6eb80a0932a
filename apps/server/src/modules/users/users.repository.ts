import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Database, Tx } from '../../platform/db/database.js';
import { paginate } from '../../platform/http/pagination.js';
import type { ListQuery } from '../../platform/http/schemas.js';
import type { UserStatus } from './users.schemas.js';

/** All SQL of users and their one-time links. Row-level security does the tenant filtering. */

// Keeps `in (...)` valid when nothing matches.
const NO_ID = '00000000-0000-0000-0000-000000000000';

/** Partner data in its tenant; platform staff (no partner) in the platform context. */
export function inUserTenant<T>(db: Database, tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return tenantId ? db.withTenant(tenantId, fn) : db.withPlatform(fn);
}

const invitationExpiry = sql<string | null>`(
  select max(t.expires_at) from user_tokens t
   where t.user_id = users.id and t.purpose = 'invitation' and t.used_at is null and t.revoked_at is null
)`;

const userSelect = (tx: Tx) =>
  tx
    .selectFrom('users')
    .select([
      'users.id',
      'users.tenant_id',
      'users.email',
      'users.name',
      'users.status',
      'users.last_seen_at',
      'users.created_at',
      'users.updated_at',
      'users.deleted_at',
      'users.version',
      invitationExpiry.as('invitation_expires_at'),
    ]);

export type UserRecord = Awaited<ReturnType<ReturnType<typeof userSelect>['executeTakeFirstOrThrow']>>;

export interface UserFilter {
  status?: UserStatus;
  /** Only these users (a role filter, or what a narrow viewer may see); null = no restriction. */
  onlyIds: string[] | null;
  /** Case-insensitive substring of the name or the email. */
  q?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

function filtered(tx: Tx, f: UserFilter) {
  let q = userSelect(tx).where('users.tenant_id', 'is not', null);
  if (f.status) q = q.where('users.status', '=', f.status);
  if (f.onlyIds) q = q.where('users.id', 'in', [...f.onlyIds, NO_ID]);
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    q = q.where((eb) => eb.or([eb('users.name', 'ilike', like), eb('users.email', 'ilike', like)]));
  }
  return q;
}

export const usersRepo = {
  /** A partner's users (RLS keeps it to the tenant), paged by the shared list rules. */
  list: (tx: Tx, f: UserFilter, params: ListQuery) => paginate(filtered(tx, f), 'users', { ...params, q: undefined }),
  /** Every matching user, for the CSV export. */
  all: (tx: Tx, f: UserFilter, includeDeleted: boolean, max: number) => {
    let q = filtered(tx, f);
    if (!includeDeleted) q = q.where('users.deleted_at', 'is', null);
    return q
      .orderBy(sql`lower(users.name)`)
      .orderBy('users.id')
      .limit(max)
      .execute();
  },
  get: (tx: Tx, id: string) => userSelect(tx).where('users.id', '=', id).executeTakeFirst(),
  /** The signed-in user, with what the sign-in and password checks need. */
  credentials: (tx: Tx, id: string) =>
    tx
      .selectFrom('users')
      .select(['id', 'tenant_id', 'email', 'name', 'status', 'password_hash', 'deleted_at'])
      .where('id', '=', id)
      .executeTakeFirst(),
  /** An account that can receive a password reset: by email, not deleted. */
  byEmail: (tx: Tx, email: string) =>
    tx
      .selectFrom('users')
      .select(['id', 'tenant_id', 'email', 'name', 'status', 'password_hash'])
      .where(({ fn }) => fn('lower', ['email']), '=', email.toLowerCase())
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  insertInvited: async (tx: Tx, values: { tenant_id: string; email: string; name: string }) =>
    (
      await tx
        .insertInto('users')
        .values({ ...values, status: 'invited', is_platform_admin: false })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id,
  update: async (tx: Tx, id: string, version: number, values: { name?: string }) =>
    (await tx
      .updateTable('users')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst()) !== undefined,
  setStatus: (tx: Tx, id: string, status: UserStatus) =>
    tx
      .updateTable('users')
      .set({ status, version: sql`version + 1` })
      .where('id', '=', id)
      .execute(),
  softDelete: (tx: Tx, id: string) =>
    tx
      .updateTable('users')
      .set({ deleted_at: sql`now()`, version: sql`version + 1` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute(),
  /** Brings a deleted user back, suspended; the unique email index refuses it when another user took the address. */
  restore: (tx: Tx, id: string) =>
    tx
      .updateTable('users')
      .set({ deleted_at: null, status: 'suspended', version: sql`version + 1` })
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .execute(),
  setPassword: (tx: Tx, id: string, passwordHash: string, values: { status?: 'active'; name?: string } = {}) =>
    tx
      .updateTable('users')
      .set({ ...values, password_hash: passwordHash, version: sql`version + 1` })
      .where('id', '=', id)
      .execute(),
  partnerName: async (tx: Tx, partnerId: string) =>
    (await tx.selectFrom('partners').select('name').where('id', '=', partnerId).executeTakeFirst())?.name ?? null,
  /** Signing in through a link makes sense only for a partner that may sign in at all. */
  partnerActive: async (tx: Tx, partnerId: string) =>
    (await tx
      .selectFrom('partners')
      .select('id')
      .where('id', '=', partnerId)
      .where('status', '=', 'active')
      .where('deleted_at', 'is', null)
      .executeTakeFirst()) !== undefined,
};

// One-time links ----------------------------------------------------------------

export type TokenPurpose = 'invitation' | 'password_reset';

export const hashUserToken = (token: string) => createHash('sha256').update(token).digest();

export const userTokensRepo = {
  /**
   * A new link for the user: 256 random bits, of which only the sha256 is
   * stored. Earlier open links of the same purpose stop working.
   */
  issue: async (
    tx: Tx,
    input: { userId: string; tenantId: string | null; purpose: TokenPurpose; createdBy: string | null; validMinutes: number },
  ): Promise<{ token: string; expiresAt: string }> => {
    await userTokensRepo.revokeOpen(tx, input.userId, input.purpose);
    const token = randomBytes(32).toString('base64url');
    const row = await tx
      .insertInto('user_tokens')
      .values({
        tenant_id: input.tenantId,
        user_id: input.userId,
        purpose: input.purpose,
        token_hash: hashUserToken(token),
        created_by: input.createdBy,
        expires_at: sql`now() + make_interval(mins => ${input.validMinutes})`,
      })
      .returning('expires_at')
      .executeTakeFirstOrThrow();
    return { token, expiresAt: row.expires_at };
  },
  /** A link by its token, whatever its state (the caller tells unknown from used or expired). */
  find: (tx: Tx, token: string, purpose: TokenPurpose) =>
    tx
      .selectFrom('user_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.user_id',
        't.tenant_id',
        't.expires_at',
        't.used_at',
        't.revoked_at',
        sql<boolean>`t.expires_at <= now()`.as('expired'),
        'u.email',
        'u.name',
        'u.status',
        'u.deleted_at',
      ])
      .where('t.token_hash', '=', hashUserToken(token))
      .where('t.purpose', '=', purpose)
      .executeTakeFirst(),
  /** Uses the link once: false when it was used, revoked or expired meanwhile. */
  consume: async (tx: Tx, id: string) =>
    (await tx
      .updateTable('user_tokens')
      .set({ used_at: sql`now()` })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<string>`now()`)
      .returning('id')
      .executeTakeFirst()) !== undefined,
  revokeOpen: (tx: Tx, userId: string, purpose?: TokenPurpose) => {
    let q = tx
      .updateTable('user_tokens')
      .set({ revoked_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null);
    if (purpose) q = q.where('purpose', '=', purpose);
    return q.execute();
  },
  /** Links that ended more than 30 days ago (worker job). */
  purgeEnded: async (tx: Tx) =>
    Number(
      (
        await tx
          .deleteFrom('user_tokens')
          .where('expires_at', '<', sql<string>`now() - interval '30 days'`)
          .executeTakeFirst()
      ).numDeletedRows,
    ),
};
