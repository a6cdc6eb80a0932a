import { timingSafeEqual } from 'node:crypto';
import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Principal } from '../../platform/auth/principal.js';
import { notFound } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { hashDeviceToken } from './sign-in.js';
import { inUserTenant, trustedDevicesRepo } from './two-factor.repository.js';

const STATES = { second_factor: 'awaiting_second_factor', enrolment: 'awaiting_enrolment' } as const;

/** The signed-in user's own sessions and trusted browsers (IAM3): see them, end them. */
export class MySessionsService {
  constructor(private readonly ctx: ModuleContext) {}

  listSessions(p: Principal) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const rows = await this.ctx.sessions.listForUser(tx, p.userId);
      return {
        items: rows.map((r) => ({
          id: r.id,
          user_agent: r.user_agent ?? '',
          ip: r.ip,
          created_at: r.created_at,
          last_seen_at: r.last_seen_at,
          expires_at: r.expires_at,
          state: r.pending_step ? STATES[r.pending_step as keyof typeof STATES] : ('active' as const),
          current: r.id === p.sessionId,
        })),
        next_cursor: null,
      };
    });
  }

  /** Ends one of the user's sessions (this one too, if asked: that is signing out). */
  revokeSession(p: Principal, sessionId: string, actor: Actor) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const ended = await this.ctx.sessions.revokeUserSessions(tx, p.userId, { only: sessionId, reason: 'ended by the user' });
      if (ended.length === 0) throw notFound('session');
      await audit(tx, p.partnerId, actor, { action: 'session.revoke', targetType: 'session', targetId: sessionId });
    });
  }

  /** "Sign out everywhere else". */
  revokeOtherSessions(p: Principal, actor: Actor) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const ended = await this.ctx.sessions.revokeUserSessions(tx, p.userId, {
        except: p.sessionId,
        reason: 'signed out everywhere else',
      });
      await audit(tx, p.partnerId, actor, {
        action: 'session.revoke_others',
        targetType: 'user',
        targetId: p.userId,
        after: { sessions_ended: ended.length },
      });
      return { revoked: ended.length };
    });
  }

  listTrustedDevices(p: Principal, deviceToken: string | undefined) {
    const mine = deviceToken ? hashDeviceToken(deviceToken) : null;
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const rows = await trustedDevicesRepo.list(tx, p.userId);
      return {
        items: rows.map(({ token_hash, ...r }) => ({ ...r, current: mine !== null && timingSafeEqual(token_hash, mine) })),
        next_cursor: null,
      };
    });
  }

  /** The browser asks for the second factor again at its next sign-in. */
  revokeTrustedDevice(p: Principal, id: string, actor: Actor) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const revoked = await trustedDevicesRepo.revoke(tx, p.userId, 'revoked by the user', id);
      if (revoked.length === 0) throw notFound('trusted browser');
      await audit(tx, p.partnerId, actor, { action: 'trusted_device.revoke', targetType: 'trusted_device', targetId: id });
    });
  }
}
