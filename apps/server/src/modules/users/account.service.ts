import { audit, recordAudit, type Actor } from '../../platform/audit/audit.js';
import { hashPassword, verifyPassword } from '../../platform/auth/passwords.js';
import type { Principal } from '../../platform/auth/principal.js';
import { clearFailures, lockedFor, recordFailure, type ThrottleKey } from '../../platform/auth/throttle.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { passwordResetMail, RESET_MINUTES } from './user-mail.js';
import { inUserTenant, userTokensRepo, usersRepo, type TokenPurpose } from './users.repository.js';
import type { AcceptInvitation, ChangePassword, UpdateMe } from './users.schemas.js';

/** Who follows a one-time link: nobody signed in yet, known by the request. */
export interface Caller {
  ip: string;
  requestId: string;
}

/**
 * A user's own account: profile, password change (IAM1), and the one-time
 * links that arrive by email: accepting an invitation, resetting a password.
 */
export class AccountService {
  constructor(private readonly ctx: ModuleContext) {}

  // Profile ------------------------------------------------------------------

  getMe(p: Principal) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const user = await usersRepo.get(tx, p.userId);
      if (!user) throw notFound('user');
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        status: user.status,
        partner_id: user.tenant_id,
        partner_name: user.tenant_id ? await usersRepo.partnerName(tx, user.tenant_id) : null,
        last_seen_at: user.last_seen_at,
        created_at: user.created_at,
        version: user.version,
      };
    });
  }

  async updateMe(p: Principal, input: UpdateMe, actor: Actor) {
    await inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const name = input.name.trim();
      if (!(await usersRepo.update(tx, p.userId, input.version, { name }))) throw staleVersion('profile');
      await audit(tx, p.partnerId, actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: p.userId,
        before: { name: p.name },
        after: { name },
      });
    });
    return this.getMe(p);
  }

  /**
   * A new password, proven by the current one (throttled like sign-in, so a
   * stolen session cannot guess it). Every other session of the user ends.
   */
  async changePassword(p: Principal, input: ChangePassword, actor: Actor): Promise<void> {
    const keys: ThrottleKey[] = [
      { kind: 'account', value: p.email },
      { kind: 'ip', value: actor.ip ?? '' },
    ];
    const wait = await lockedFor(this.ctx.db, keys);
    if (wait > 0) {
      throw new AppError('too_many_attempts', `too many wrong passwords; try again in ${Math.ceil(wait / 60)} minutes`, {
        retryAfterSeconds: wait,
      });
    }
    const user = await inUserTenant(this.ctx.db, p.partnerId, (tx) => usersRepo.credentials(tx, p.userId));
    if (!user || !(await verifyPassword(user.password_hash, input.current_password))) {
      await recordFailure(this.ctx.db, keys);
      throw new AppError('validation_failed', 'the current password is not correct', { field: 'current_password' });
    }
    if (input.new_password === input.current_password) {
      throw new AppError('validation_failed', 'the new password must differ from the current one', { field: 'new_password' });
    }
    const passwordHash = await hashPassword(input.new_password);
    await inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      await usersRepo.setPassword(tx, p.userId, passwordHash);
      const ended = await this.ctx.sessions.revokeUserSessions(tx, p.userId, { except: p.sessionId, reason: 'password changed' });
      await userTokensRepo.revokeOpen(tx, p.userId, 'password_reset');
      await audit(tx, p.partnerId, actor, {
        action: 'user.password_change',
        targetType: 'user',
        targetId: p.userId,
        after: { sessions_ended: ended.length },
      });
    });
    await clearFailures(this.ctx.db, keys[0]!);
  }

  // Invitations ----------------------------------------------------------------

  /** What the invitation page shows before a password is chosen. Unknown: 404; used, replaced or expired: 410. */
  async invitation(token: string) {
    const link = await this.openLink(token, 'invitation');
    const partnerName = link.tenant_id
      ? await this.ctx.db.withPlatform((tx) => usersRepo.partnerName(tx, link.tenant_id!))
      : null;
    return { email: link.email, name: link.name, partner_name: partnerName, expires_at: link.expires_at };
  }

  /** Sets the first password and activates the user; the link is used up. Returns the user to sign in. */
  async acceptInvitation(
    token: string,
    input: AcceptInvitation,
    caller: Caller,
  ): Promise<{ id: string; tenant_id: string | null; email: string }> {
    const link = await this.openLink(token, 'invitation');
    const passwordHash = await hashPassword(input.password);
    const name = input.name?.trim() || link.name;
    await inUserTenant(this.ctx.db, link.tenant_id, async (tx) => {
      if (!(await userTokensRepo.consume(tx, link.id))) throw gone('invitation');
      const user = await usersRepo.credentials(tx, link.user_id);
      if (!user || user.status !== 'invited' || user.deleted_at) throw gone('invitation');
      await usersRepo.setPassword(tx, link.user_id, passwordHash, { status: 'active', name });
      await audit(tx, link.tenant_id, this.linkActor(link, caller), {
        action: 'user.invitation_accept',
        targetType: 'user',
        targetId: link.user_id,
        after: { status: 'active', name },
      });
    });
    return { id: link.user_id, tenant_id: link.tenant_id, email: link.email };
  }

  // Password reset ------------------------------------------------------------------

  /**
   * Emails a reset link if the address belongs to an active user. The answer
   * is the same either way (the route always says 202); requests are
   * throttled per address and per IP whether or not the address exists.
   */
  async requestPasswordReset(emailInput: string, caller: Caller): Promise<void> {
    const email = emailInput.trim().toLowerCase();
    const keys: ThrottleKey[] = [
      { kind: 'password_reset_account', value: email },
      { kind: 'password_reset_ip', value: caller.ip },
    ];
    const wait = await lockedFor(this.ctx.db, keys);
    if (wait > 0) {
      throw new AppError('too_many_attempts', `too many password reset requests; try again in ${Math.ceil(wait / 60)} minutes`, {
        retryAfterSeconds: wait,
      });
    }
    await recordFailure(this.ctx.db, keys);
    const actor: Actor = { type: 'user', id: null, label: email, ip: caller.ip, requestId: caller.requestId };
    const user = await this.ctx.db.withPlatform((tx) => usersRepo.byEmail(tx, email));
    if (!user || user.status !== 'active' || !user.password_hash) {
      await recordAudit(
        this.ctx.db,
        user?.tenant_id ?? null,
        { ...actor, id: user?.id ?? null },
        {
          action: 'user.password_reset_request',
          targetType: 'user',
          ...(user ? { targetId: user.id } : {}),
          after: { sent: false, reason: !user ? 'unknown email' : `user ${user.status}` },
        },
      );
      return;
    }
    const link = await inUserTenant(this.ctx.db, user.tenant_id, async (tx) => {
      const issued = await userTokensRepo.issue(tx, {
        userId: user.id,
        tenantId: user.tenant_id,
        purpose: 'password_reset',
        createdBy: null,
        validMinutes: RESET_MINUTES,
      });
      await audit(
        tx,
        user.tenant_id,
        { ...actor, id: user.id },
        {
          action: 'user.password_reset_request',
          targetType: 'user',
          targetId: user.id,
          after: { sent: true, expires_at: issued.expiresAt },
        },
      );
      return issued;
    });
    // Not awaited: how long the mail server takes must not tell who has an account.
    void this.ctx.mailer
      .send(
        passwordResetMail({ to: user.email, name: user.name, url: `${this.ctx.config.publicUrl}/reset-password/${link.token}` }),
      )
      .catch(() => undefined);
  }

  /** Sets the new password; the link is used up and every session of the user ends. */
  async resetPassword(token: string, newPassword: string, caller: Caller): Promise<void> {
    const link = await this.openLink(token, 'password_reset');
    const passwordHash = await hashPassword(newPassword);
    await inUserTenant(this.ctx.db, link.tenant_id, async (tx) => {
      if (!(await userTokensRepo.consume(tx, link.id))) throw gone('password reset link');
      const user = await usersRepo.credentials(tx, link.user_id);
      if (!user || user.status !== 'active' || user.deleted_at) throw gone('password reset link');
      await usersRepo.setPassword(tx, link.user_id, passwordHash);
      await userTokensRepo.revokeOpen(tx, link.user_id, 'password_reset');
      const ended = await this.ctx.sessions.revokeUserSessions(tx, link.user_id, { reason: 'password reset' });
      await audit(tx, link.tenant_id, this.linkActor(link, caller), {
        action: 'user.password_reset',
        targetType: 'user',
        targetId: link.user_id,
        after: { sessions_ended: ended.length },
      });
    });
    // Whoever reads the mailbox is the account owner: a sign-in lock from guessing ends here.
    await clearFailures(this.ctx.db, { kind: 'account', value: link.email });
  }

  // ----------------------------------------------------------------------------

  /** A link that can still be followed: unknown → 404; used, replaced, expired, or its user gone → 410. */
  private async openLink(token: string, purpose: TokenPurpose) {
    const what = purpose === 'invitation' ? 'invitation' : 'password reset link';
    const link = await this.ctx.db.withPlatform(async (tx) => {
      const found = await userTokensRepo.find(tx, token, purpose);
      if (!found) return null;
      const partnerOk = found.tenant_id === null || (await usersRepo.partnerActive(tx, found.tenant_id));
      return { ...found, partnerOk };
    });
    if (!link) throw notFound(what);
    if (link.used_at) throw new AppError('gone', `this ${what} has already been used`);
    if (link.revoked_at) throw new AppError('gone', `this ${what} was replaced by a newer one or withdrawn`);
    if (link.expired) throw new AppError('gone', `this ${what} has expired`);
    const expectedStatus = purpose === 'invitation' ? 'invited' : 'active';
    if (link.deleted_at || link.status !== expectedStatus || !link.partnerOk) throw gone(what);
    return link;
  }

  private linkActor(link: { user_id: string; email: string }, caller: Caller): Actor {
    return { type: 'user', id: link.user_id, label: link.email, ip: caller.ip, requestId: caller.requestId };
  }
}

const gone = (what: string) => new AppError('gone', `this ${what} can no longer be used`);
