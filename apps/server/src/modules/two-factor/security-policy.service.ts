import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { inUserTenant, partnerPolicyRepo, totpRepo, usersRepo } from './two-factor.repository.js';

/** A partner's sign-in policy: whether all its users must use two-factor sign-in. */
export class SecurityPolicyService {
  constructor(private readonly ctx: ModuleContext) {}

  get(partnerId: string) {
    return this.ctx.db.withTenant(partnerId, (tx) => this.read(tx, partnerId));
  }

  /**
   * Requiring 2FA ends the sessions of the partner's users who have none: their
   * next sign-in leads them through enrolment. Only someone who uses 2FA
   * themselves may require it, so nobody locks a partner into a step they never took.
   */
  async set(partnerId: string, require2fa: boolean, p: Principal, actor: Actor) {
    if (require2fa) {
      const own = await inUserTenant(this.ctx.db, p.partnerId, (tx) => totpRepo.find(tx, p.userId));
      if (!own?.enabled_at) {
        throw new AppError(
          'required_by_policy',
          'turn on two-factor sign-in for your own account before requiring it of everyone',
          { field: 'require_2fa' },
        );
      }
    }
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const before = await this.read(tx, partnerId);
      let sessionsEnded = 0;
      if (before.require_2fa !== require2fa) {
        await partnerPolicyRepo.set(tx, partnerId, require2fa);
        if (require2fa) {
          for (const u of await usersRepo.withoutTwoFactor(tx, partnerId)) {
            const ended = await this.ctx.sessions.revokeUserSessions(tx, u.id, { reason: 'partner requires two-factor sign-in' });
            sessionsEnded += ended.length;
          }
        }
      }
      const after = await this.read(tx, partnerId);
      await audit(tx, partnerId, actor, {
        action: 'partner.security_update',
        targetType: 'partner',
        targetId: partnerId,
        before: { require_2fa: before.require_2fa },
        after: { require_2fa: after.require_2fa, sessions_ended: sessionsEnded },
      });
      return after;
    });
  }

  private async read(tx: Tx, partnerId: string) {
    const require2fa = await partnerPolicyRepo.requires2fa(tx, partnerId);
    if (require2fa === null) throw notFound('partner');
    return {
      require_2fa: require2fa,
      users_total: await usersRepo.countActive(tx, partnerId),
      users_without_2fa: (await usersRepo.withoutTwoFactor(tx, partnerId)).length,
    };
  }
}
