import { audit, recordAudit, type Actor } from '../../platform/audit/audit.js';
import { verifyPassword } from '../../platform/auth/passwords.js';
import type { Principal } from '../../platform/auth/principal.js';
import { clearFailures, lockedFor, recordFailure, type ThrottleKey } from '../../platform/auth/throttle.js';
import type { Tx } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { hashDeviceToken, newDeviceToken, TRUSTED_DEVICE_DAYS } from './sign-in.js';
import { acceptedStep, enrolmentOf, hashRecoveryCode, newRecoveryCode, newTotpSecret, RECOVERY_CODE_COUNT } from './totp.js';
import {
  inUserTenant,
  partnerPolicyRepo,
  recoveryCodesRepo,
  totpRepo,
  trustedDevicesRepo,
  usersRepo,
} from './two-factor.repository.js';
import type { ProofBody, SecondFactorBody } from './two-factor.schemas.js';

const secretContext = (userId: string) => `totp:${userId}`;

/**
 * TOTP two-factor sign-in (IAM2): enrolment, the second step of a sign-in,
 * recovery codes, turning it off. Every change is audited in the transaction
 * that makes it; a change of authenticator ends the user's other sessions.
 */
export class TwoFactorService {
  constructor(private readonly ctx: ModuleContext) {}

  status(p: Principal) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const totp = await totpRepo.find(tx, p.userId);
      return {
        enabled: Boolean(totp?.enabled_at),
        enabled_at: totp?.enabled_at ?? null,
        setup_pending: Boolean(totp?.pending_secret_encrypted),
        recovery_codes_left: totp?.enabled_at ? await recoveryCodesRepo.countLeft(tx, p.userId) : 0,
        required_by_partner: p.partnerId ? Boolean(await partnerPolicyRepo.requires2fa(tx, p.partnerId)) : false,
      };
    });
  }

  /** A new seed, kept aside until a code from it confirms the phone has it; the active one (if any) works meanwhile. */
  startSetup(p: Principal, actor: Actor) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const secret = newTotpSecret();
      await totpRepo.savePending(tx, p.userId, p.partnerId, this.ctx.secrets.encrypt(secret, secretContext(p.userId)));
      await audit(tx, p.partnerId, actor, { action: 'two_factor.setup', targetType: 'user', targetId: p.userId });
      const { otpauthUri, qrCode } = await enrolmentOf(secret, p.email);
      return { otpauth_uri: otpauthUri, qr_code: qrCode, secret };
    });
  }

  /**
   * The first code turns the new authenticator on, replaces the recovery codes
   * and ends the user's other sessions. A session waiting for enrolment becomes
   * a full one, with a new token: `token` is the session's token from now on.
   */
  confirm(p: Principal, code: string, currentToken: string, actor: Actor) {
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const totp = await totpRepo.find(tx, p.userId);
      if (!totp?.pending_secret_encrypted)
        throw new AppError('conflict', 'there is no new authenticator to confirm: start the setup first');
      const step = await acceptedStep(
        this.ctx.secrets.decrypt(totp.pending_secret_encrypted, secretContext(p.userId)),
        code,
        null,
      );
      if (step === null) {
        throw new AppError(
          'validation_failed',
          'that code is not right: enter the code the app shows now, and check the time on your phone',
          { field: 'code' },
        );
      }
      await totpRepo.activatePending(tx, p.userId, totp.pending_secret_encrypted, step);
      const recoveryCodes = await this.replaceRecoveryCodes(tx, p);
      const token =
        p.pendingStep === 'enrolment' ? (await this.ctx.sessions.completePendingStep(tx, p.sessionId)).token : currentToken;
      const replaced = Boolean(totp.enabled_at);
      const ended = await this.ctx.sessions.revokeUserSessions(tx, p.userId, {
        except: p.sessionId,
        reason: replaced ? 'authenticator replaced' : 'two-factor sign-in turned on',
      });
      await audit(tx, p.partnerId, actor, {
        action: replaced ? 'two_factor.replace' : 'two_factor.enable',
        targetType: 'user',
        targetId: p.userId,
        after: { other_sessions_ended: ended.length },
      });
      return { recoveryCodes, token };
    });
  }

  /** Turning 2FA off needs a current code or the password; recovery codes and trusted browsers go with it. */
  async disable(p: Principal, proof: ProofBody, actor: Actor) {
    if (p.partnerId && (await inUserTenant(this.ctx.db, p.partnerId, (tx) => partnerPolicyRepo.requires2fa(tx, p.partnerId!)))) {
      throw new AppError(
        'required_by_policy',
        'your partner requires two-factor sign-in, so it cannot be turned off; set up a new authenticator instead',
      );
    }
    await this.checkProof(p, proof, actor);
    await inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      await totpRepo.remove(tx, p.userId);
      await recoveryCodesRepo.replace(tx, p.userId, p.partnerId, []);
      const devices = await trustedDevicesRepo.revoke(tx, p.userId, 'two-factor sign-in turned off');
      const ended = await this.ctx.sessions.revokeUserSessions(tx, p.userId, {
        except: p.sessionId,
        reason: 'two-factor sign-in turned off',
      });
      await audit(tx, p.partnerId, actor, {
        action: 'two_factor.disable',
        targetType: 'user',
        targetId: p.userId,
        after: { trusted_browsers_revoked: devices.length, other_sessions_ended: ended.length },
      });
    });
  }

  /** New recovery codes; the old ones stop working. Needs a current code or the password. */
  async regenerateRecoveryCodes(p: Principal, proof: ProofBody, actor: Actor): Promise<string[]> {
    await this.checkProof(p, proof, actor);
    return inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const codes = await this.replaceRecoveryCodes(tx, p);
      await audit(tx, p.partnerId, actor, {
        action: 'two_factor.recovery_codes_regenerate',
        targetType: 'user',
        targetId: p.userId,
      });
      return codes;
    });
  }

  /**
   * The second step of a sign-in: a current code (once per time step) or an
   * unused recovery code. Throttled per account and per address. On success
   * the session gets a new token and, when asked, the browser a trusted-device token.
   */
  async passSecondFactor(p: Principal, input: SecondFactorBody, meta: { ip: string; userAgent: string }, actor: Actor) {
    if (p.pendingStep !== 'second_factor') throw new AppError('conflict', 'this session is not waiting for a second factor');
    if ((input.code === undefined) === (input.recovery_code === undefined)) {
      throw new AppError('validation_failed', 'send either code or recovery_code', { field: 'code' });
    }
    const keys = throttleKeys(p.userId, meta.ip);
    await this.refuseWhileLocked(keys);
    const method = input.code !== undefined ? 'totp' : 'recovery_code';
    const passed = await inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const ok =
        input.code !== undefined
          ? await this.useCode(tx, p.userId, input.code)
          : await recoveryCodesRepo.use(tx, p.userId, hashRecoveryCode(input.recovery_code!));
      if (!ok) return null;
      const { token } = await this.ctx.sessions.completePendingStep(tx, p.sessionId);
      let deviceToken: string | null = null;
      if (input.trust_device) {
        deviceToken = newDeviceToken();
        await trustedDevicesRepo.insert(tx, {
          userId: p.userId,
          tenantId: p.partnerId,
          tokenHash: hashDeviceToken(deviceToken),
          userAgent: meta.userAgent,
          ip: meta.ip,
          days: TRUSTED_DEVICE_DAYS,
        });
      }
      await audit(tx, p.partnerId, actor, {
        action: 'auth.second_factor',
        targetType: 'session',
        targetId: p.sessionId,
        after: {
          method,
          browser_trusted: deviceToken !== null,
          ...(method === 'recovery_code' ? { codes_left: await recoveryCodesRepo.countLeft(tx, p.userId) } : {}),
        },
      });
      return { token, deviceToken };
    });
    if (!passed) {
      await recordFailure(this.ctx.db, keys);
      await recordAudit(this.ctx.db, p.partnerId, actor, {
        action: 'auth.second_factor_failed',
        targetType: 'session',
        targetId: p.sessionId,
        after: { method },
      });
      throw new AppError(
        'invalid_credentials',
        method === 'totp'
          ? 'that code is not right, or it was already used'
          : 'that recovery code is not right, or it was already used',
      );
    }
    await clearFailures(this.ctx.db, keys[0]!);
    return passed;
  }

  private async replaceRecoveryCodes(tx: Tx, p: Principal): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await recoveryCodesRepo.replace(tx, p.userId, p.partnerId, codes.map(hashRecoveryCode));
    return codes;
  }

  /** A code of the active authenticator, for a time step later than the last one used; uses the step up. */
  private async useCode(tx: Tx, userId: string, code: string): Promise<boolean> {
    const totp = await totpRepo.find(tx, userId);
    if (!totp?.secret_encrypted) return false;
    const step = await acceptedStep(
      this.ctx.secrets.decrypt(totp.secret_encrypted, secretContext(userId)),
      code,
      totp.last_used_step,
    );
    return step !== null && (await totpRepo.claimStep(tx, userId, step));
  }

  /** Re-authentication before turning 2FA off or replacing recovery codes; throttled like the second step. */
  private async checkProof(p: Principal, proof: ProofBody, actor: Actor): Promise<void> {
    if ((proof.code === undefined) === (proof.password === undefined)) {
      throw new AppError('validation_failed', 'send either a current code or your password', { field: 'code' });
    }
    const keys = throttleKeys(p.userId, actor.ip ?? '');
    await this.refuseWhileLocked(keys);
    const ok = await inUserTenant(this.ctx.db, p.partnerId, async (tx) => {
      const totp = await totpRepo.find(tx, p.userId);
      if (!totp?.enabled_at) throw new AppError('conflict', 'two-factor sign-in is not turned on');
      if (proof.code !== undefined) return this.useCode(tx, p.userId, proof.code);
      const user = await usersRepo.find(tx, p.userId);
      return verifyPassword(user?.password_hash ?? null, proof.password!);
    });
    if (!ok) {
      await recordFailure(this.ctx.db, keys);
      const field = proof.code !== undefined ? 'code' : 'password';
      throw new AppError(
        'validation_failed',
        field === 'code' ? 'that code is not right, or it was already used' : 'that password is not right',
        { field },
      );
    }
    await clearFailures(this.ctx.db, keys[0]!);
  }

  private async refuseWhileLocked(keys: ThrottleKey[]): Promise<void> {
    const wait = await lockedFor(this.ctx.db, keys);
    if (wait > 0) {
      throw new AppError('too_many_attempts', `too many wrong codes; try again in ${Math.ceil(wait / 60)} minutes`, {
        retryAfterSeconds: wait,
      });
    }
  }
}

const throttleKeys = (userId: string, ip: string): ThrottleKey[] => [
  { kind: 'second_factor_account', value: userId },
  { kind: 'second_factor_ip', value: ip },
];
