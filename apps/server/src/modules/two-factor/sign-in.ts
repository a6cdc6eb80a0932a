import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PendingStep } from '../../platform/auth/sessions.js';
import type { Database } from '../../platform/db/database.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import { inUserTenant, partnerPolicyRepo, totpRepo, trustedDevicesRepo } from './two-factor.repository.js';

/** "Trust this browser": its own cookie, so signing out does not forget it. */
export const TRUSTED_DEVICE_COOKIE = 'crmm_trusted';
export const TRUSTED_DEVICE_DAYS = 30;
// Sent only to the API, where sign-in and the list of trusted browsers read it.
const TRUSTED_DEVICE_PATH = '/api/v1';

export const hashDeviceToken = (token: string) => createHash('sha256').update(token).digest();
export const newDeviceToken = () => randomBytes(32).toString('base64url');

export type SecondFactorOutcome = 'not_enrolled' | 'required' | 'trusted_device' | 'enrolment_required';

/**
 * What a correct password leads to: a full session (no 2FA, or a browser the
 * user trusted), the second step, or enrolment when the partner requires 2FA
 * and the user has none yet.
 */
export async function secondStepAfterPassword(
  db: Database,
  user: { id: string; tenant_id: string | null },
  trustedToken: string | undefined,
): Promise<{ pendingStep: PendingStep | null; outcome: SecondFactorOutcome }> {
  return inUserTenant(db, user.tenant_id, async (tx) => {
    const totp = await totpRepo.find(tx, user.id);
    if (totp?.enabled_at) {
      if (
        trustedToken &&
        trustedToken.length <= 100 &&
        (await trustedDevicesRepo.use(tx, user.id, hashDeviceToken(trustedToken)))
      ) {
        return { pendingStep: null, outcome: 'trusted_device' };
      }
      return { pendingStep: 'second_factor', outcome: 'required' };
    }
    if (user.tenant_id && (await partnerPolicyRepo.requires2fa(tx, user.tenant_id))) {
      return { pendingStep: 'enrolment', outcome: 'enrolment_required' };
    }
    return { pendingStep: null, outcome: 'not_enrolled' };
  });
}

export function setTrustedDeviceCookie(reply: FastifyReply, request: FastifyRequest, token: string, ctx: ModuleContext): void {
  reply.setCookie(TRUSTED_DEVICE_COOKIE, token, {
    httpOnly: true,
    secure: ctx.config.publicUrl.startsWith('https:') || request.protocol === 'https',
    sameSite: 'lax',
    path: TRUSTED_DEVICE_PATH,
    maxAge: TRUSTED_DEVICE_DAYS * 24 * 3600,
  });
}

export function clearTrustedDeviceCookie(reply: FastifyReply): void {
  reply.clearCookie(TRUSTED_DEVICE_COOKIE, { path: TRUSTED_DEVICE_PATH });
}
