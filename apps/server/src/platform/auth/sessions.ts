import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { PermissionCatalog } from './permissions.js';
import { resolvePermissions, type UserPrincipal } from './principal.js';

export const SESSION_COOKIE = 'crmm_session';
const TOUCH_EVERY_MS = 60_000;

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

  async create(user: { id: string; tenant_id: string | null }, meta: { ip: string; userAgent: string }) {
    const token = randomBytes(32).toString('base64url');
    const row = await this.db.withPlatform((tx) =>
      tx
        .insertInto('sessions')
        .values({
          user_id: user.id,
          tenant_id: user.tenant_id,
          token_hash: hashToken(token),
          ip: meta.ip,
          user_agent: meta.userAgent.slice(0, 500),
          expires_at: sql`now() + make_interval(hours => ${this.ttlHours})`,
        })
        .returning(['id', 'expires_at'])
        .executeTakeFirstOrThrow(),
    );
    return { token, sessionId: row.id, expiresAt: row.expires_at };
  }

  /** The principal behind a session token, or null when it is unknown, expired, revoked or its user may not sign in. */
  async resolve(token: string): Promise<UserPrincipal | null> {
    if (token.length > 100) return null;
    const row = await this.db.withPlatform((tx) =>
      tx
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .leftJoin('partners as p', 'p.id', 'u.tenant_id')
        .select(['s.id as session_id', 'u.id as user_id', 'u.email', 'u.name', 'u.tenant_id', 'u.is_platform_admin'])
        .where('s.token_hash', '=', hashToken(token))
        .where('s.revoked_at', 'is', null)
        .where('s.expires_at', '>', sql<string>`now()`)
        .where('u.status', '=', 'active')
        .where('u.deleted_at', 'is', null)
        .where((eb) =>
          eb.or([eb('u.tenant_id', 'is', null), eb.and([eb('p.deleted_at', 'is', null), eb('p.status', '=', 'active')])]),
        )
        .executeTakeFirst(),
    );
    if (!row) return null;
    this.touch(row.session_id, row.user_id);
    return {
      kind: 'user',
      userId: row.user_id,
      email: row.email,
      name: row.name,
      partnerId: row.tenant_id,
      isPlatformAdmin: row.is_platform_admin,
      sessionId: row.session_id,
      permissions: resolvePermissions(this.catalog, { isPlatformAdmin: row.is_platform_admin }),
    };
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

  /** Deletes sessions that ended more than a day ago (worker job). */
  async purgeEnded(): Promise<number> {
    const r = await this.db.withPlatform((tx) =>
      tx
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', sql<string>`now() - interval '1 day'`), eb('revoked_at', '<', sql<string>`now() - interval '1 day'`)]))
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
        await tx.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('id', '=', sessionId).execute();
        await tx.updateTable('users').set({ last_seen_at: sql`now()` }).where('id', '=', userId).execute();
      })
      .catch(() => undefined);
  }
}
