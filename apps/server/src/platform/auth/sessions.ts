import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { PermissionCatalog } from './permissions.js';
import { principalFromGrants, type Grant, type Scope, type UserPrincipal } from './principal.js';
import type { Tx } from '../db/database.js';

export const SESSION_COOKIE = 'crmm_session';
const TOUCH_EVERY_MS = 60_000;
/** A session that knows only the password lives this long unless it completes its next step. */
const PENDING_MINUTES = 15;

/** What a session still has to do before it may reach anything else (security.md 10). */
export type PendingStep = 'second_factor' | 'enrolment';

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/** Bound to the session token, so a CSRF token is useless without the cookie it belongs to. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('cloudrmm csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Server-side sessions: the cookie holds a random token, the database its hash.
 * Expiry is absolute (no sliding), revocation is a column.
 */
export class SessionStore {
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly catalog: PermissionCatalog,
    private readonly ttlHours: number,
  ) {}

  async create(
    user: { id: string; tenant_id: string | null },
    meta: { ip: string; userAgent: string; pendingStep?: PendingStep | null },
  ) {
    const token = randomBytes(32).toString('base64url');
    const pendingStep = meta.pendingStep ?? null;
    const row = await this.db.withPlatform((tx) =>
      tx
        .insertInto('sessions')
        .values({
          user_id: user.id,
          tenant_id: user.tenant_id,
          token_hash: hashToken(token),
          ip: meta.ip,
          user_agent: meta.userAgent.slice(0, 500),
          pending_step: pendingStep,
          expires_at: pendingStep
            ? sql`now() + make_interval(mins => ${PENDING_MINUTES})`
            : sql`now() + make_interval(hours => ${this.ttlHours})`,
        })
        .returning(['id', 'expires_at'])
        .executeTakeFirstOrThrow(),
    );
    return { token, sessionId: row.id, expiresAt: row.expires_at };
  }

  /** The principal behind a session token, or null when it is unknown, expired, revoked or its user may not sign in. */
  async resolve(token: string): Promise<UserPrincipal | null> {
    if (token.length > 100) return null;
    const found = await this.db.withPlatform(async (tx) => {
      const row = await tx
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .leftJoin('partners as p', 'p.id', 'u.tenant_id')
        .select(['s.id as session_id', 'u.id as user_id', 'u.email', 'u.name', 'u.tenant_id', 's.pending_step'])
        .where('s.token_hash', '=', hashToken(token))
        .where('s.revoked_at', 'is', null)
        .where('s.expires_at', '>', sql<string>`now()`)
        .where('u.status', '=', 'active')
        .where('u.deleted_at', 'is', null)
        .where((eb) =>
          eb.or([eb('u.tenant_id', 'is', null), eb.and([eb('p.deleted_at', 'is', null), eb('p.status', '=', 'active')])]),
        )
        .executeTakeFirst();
      return row ? { row, grants: await this.grantsOf(tx, row.user_id) } : null;
    });
    if (!found) return null;
    const { row, grants } = found;
    this.touch(row.session_id, row.user_id);
    return principalFromGrants(
      {
        kind: 'user',
        userId: row.user_id,
        email: row.email,
        name: row.name,
        partnerId: row.tenant_id,
        sessionId: row.session_id,
        pendingStep: row.pending_step as PendingStep | null,
      },
      grants,
    );
  }

  /** A user's role assignments as grants. Platform permissions count only in platform-wide grants. */
  async grantsOf(tx: Tx, userId: string): Promise<Grant[]> {
    const rows = await tx
      .selectFrom('role_assignments as ra')
      .innerJoin('roles as r', 'r.id', 'ra.role_id')
      .innerJoin('role_permissions as rp', 'rp.role_id', 'r.id')
      .select(['ra.id', 'ra.scope_type', 'ra.tenant_id', 'ra.organization_id', 'ra.site_id'])
      .select(sql<string[]>`array_agg(rp.permission)`.as('permissions'))
      .where('ra.user_id', '=', userId)
      .where('r.deleted_at', 'is', null)
      .groupBy(['ra.id', 'ra.scope_type', 'ra.tenant_id', 'ra.organization_id', 'ra.site_id'])
      .execute();
    return rows.map((r) => {
      const scope: Scope =
        r.scope_type === 'platform'
          ? { type: 'platform' }
          : r.scope_type === 'partner'
            ? { type: 'partner', partnerId: r.tenant_id! }
            : r.scope_type === 'organization'
              ? { type: 'organization', partnerId: r.tenant_id!, organizationId: r.organization_id! }
              : { type: 'site', partnerId: r.tenant_id!, organizationId: r.organization_id!, siteId: r.site_id! };
      const permissions = new Set(
        r.permissions.filter((p) => scope.type === 'platform' || this.catalog.get(p)?.scope !== 'platform'),
      );
      return { scope, permissions };
    });
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    this.lastTouched.delete(sessionId);
    await this.db.withPlatform((tx) =>
      tx
        .updateTable('sessions')
        .set({ revoked_at: sql`now()`, revoked_reason: reason })
        .where('id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .execute(),
    );
  }

  async revokeToken(token: string, reason: string): Promise<void> {
    await this.db.withPlatform((tx) =>
      tx
        .updateTable('sessions')
        .set({ revoked_at: sql`now()`, revoked_reason: reason })
        .where('token_hash', '=', hashToken(token))
        .where('revoked_at', 'is', null)
        .execute(),
    );
  }

  /**
   * Completes a pending sign-in: the session gets a new token (the one that
   * knew only the password ends with it) and its full lifetime.
   */
  async completePendingStep(tx: Tx, sessionId: string): Promise<{ token: string }> {
    const token = randomBytes(32).toString('base64url');
    await tx
      .updateTable('sessions')
      .set({
        token_hash: hashToken(token),
        pending_step: null,
        second_factor_at: sql`now()`,
        expires_at: sql`now() + make_interval(hours => ${this.ttlHours})`,
      })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    return { token };
  }

  /** A user's sessions that have not ended, most recently active first. */
  listForUser(tx: Tx, userId: string) {
    return tx
      .selectFrom('sessions')
      .select(['id', 'ip', 'user_agent', 'created_at', 'last_seen_at', 'expires_at', 'pending_step'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<string>`now()`)
      .orderBy('last_seen_at', 'desc')
      .execute();
  }

  /**
   * Ends a user's sessions: all of them, all but `except`, or `only` that one;
   * returns the ids ended. Revocation for the user's sake (sign out elsewhere,
   * a 2FA change, a partner's new policy) goes through here, in the caller's
   * transaction, so that a socket layer can close the live sockets of exactly
   * these sessions (security.md 12).
   */
  async revokeUserSessions(tx: Tx, userId: string, opts: { reason: string; except?: string; only?: string }): Promise<string[]> {
    let q = tx
      .updateTable('sessions')
      .set({ revoked_at: sql`now()`, revoked_reason: opts.reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<string>`now()`);
    if (opts.except !== undefined) q = q.where('id', '!=', opts.except);
    if (opts.only !== undefined) q = q.where('id', '=', opts.only);
    const ended = (await q.returning('id').execute()).map((r) => r.id);
    for (const id of ended) this.lastTouched.delete(id);
    return ended;
  }

  /** Deletes sessions that ended more than a day ago (worker job). */
  async purgeEnded(): Promise<number> {
    const r = await this.db.withPlatform((tx) =>
      tx
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('expires_at', '<', sql<string>`now() - interval '1 day'`),
            eb('revoked_at', '<', sql<string>`now() - interval '1 day'`),
          ]),
        )
        .executeTakeFirst(),
    );
    return Number(r.numDeletedRows);
  }

  // "Last seen" is written at most once a minute per session, off the request path.
  private touch(sessionId: string, userId: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(sessionId) ?? 0) < TOUCH_EVERY_MS) return;
    this.lastTouched.set(sessionId, now);
    if (this.lastTouched.size > 50_000) this.lastTouched.clear();
    void this.db
      .withPlatform(async (tx) => {
        await tx
          .updateTable('sessions')
          .set({ last_seen_at: sql`now()` })
          .where('id', '=', sessionId)
          .execute();
        await tx
          .updateTable('users')
          .set({ last_seen_at: sql`now()` })
          .where('id', '=', userId)
          .execute();
      })
      .catch(() => undefined);
  }
}
