import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../platform/audit/audit.js';
import { SessionInfo, sessionInfo, setSessionCookie } from '../../platform/auth/index.js';
import { AUTHENTICATED } from '../../platform/auth/permissions.js';
import { csrfTokenFor } from '../../platform/auth/sessions.js';
import { AppError } from '../../platform/http/errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import type { SecurityPolicyService } from './security-policy.service.js';
import { setTrustedDeviceCookie } from './sign-in.js';
import type { TwoFactorService } from './two-factor.service.js';
import {
  ConfirmBody,
  Enrolment,
  PartnerParams,
  ProofBody,
  RecoveryCodes,
  SecondFactorBody,
  SecurityPolicy,
  TwoFactorStatus,
  UpdateSecurityPolicy,
} from './two-factor.schemas.js';

const doc = (operationId: string, permission: string, description: string) => ({
  tags: ['two-factor'],
  operationId,
  description: `${description} Permission: ${permission}.`,
});

export async function twoFactorRoutes(
  root: FastifyInstance,
  ctx: ModuleContext,
  service: TwoFactorService,
  policy: SecurityPolicyService,
) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/me/2fa',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'getTwoFactor',
          'authenticated',
          'Whether two-factor sign-in is on for the signed-in user, and how many recovery codes are left.',
        ),
        response: { 200: TwoFactorStatus, ...errorResponses(401) },
      },
    },
    (req) => service.status(req.principal!),
  );

  app.post(
    '/me/2fa/setup',
    {
      // A session the partner sends to enrolment may reach only this and confirm.
      config: { permission: AUTHENTICATED, allowPending: ['enrolment'] },
      schema: {
        ...doc(
          'setupTwoFactor',
          'authenticated',
          'Starts setting up an authenticator app: a new seed as an otpauth URI and QR code. It takes effect once confirmed with a code; until then an active authenticator keeps working.',
        ),
        response: { 200: Enrolment, ...errorResponses(401, 403) },
      },
    },
    (req) => service.startSetup(req.principal!, actorOf(req)),
  );

  app.post(
    '/me/2fa/confirm',
    {
      config: { permission: AUTHENTICATED, allowPending: ['enrolment'] },
      schema: {
        ...doc(
          'confirmTwoFactor',
          'authenticated',
          "Confirms the new authenticator with its current code and turns two-factor sign-in on. Answers ten recovery codes, shown only this once. Ends the user's other sessions.",
        ),
        body: ConfirmBody,
        response: { 200: RecoveryCodes, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const { recoveryCodes, token } = await service.confirm(req.principal!, req.body.code, req.sessionToken!, actorOf(req));
      if (token !== req.sessionToken) setSessionCookie(reply, req, token, ctx);
      return { recovery_codes: recoveryCodes, csrf_token: csrfTokenFor(token) };
    },
  );

  app.post(
    '/me/2fa/disable',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'disableTwoFactor',
          'authenticated',
          'Turns two-factor sign-in off, given a current code or the password. Recovery codes and trusted browsers go with it; other sessions end. Refused (422) when the partner requires 2FA.',
        ),
        body: ProofBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      await service.disable(req.principal!, req.body, actorOf(req));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/2fa/recovery-codes',
    {
      config: { permission: AUTHENTICATED },
      schema: {
        ...doc(
          'regenerateRecoveryCodes',
          'authenticated',
          'Replaces the recovery codes, given a current code or the password. The new ones are shown only this once.',
        ),
        body: ProofBody,
        response: { 200: RecoveryCodes, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (req) => ({
      recovery_codes: await service.regenerateRecoveryCodes(req.principal!, req.body, actorOf(req)),
      csrf_token: csrfTokenFor(req.sessionToken!),
    }),
  );

  app.post(
    '/auth/second-factor',
    {
      // The one step a session that knows only the password may take.
      config: { permission: AUTHENTICATED, allowPending: ['second_factor'] },
      schema: {
        tags: ['auth'],
        operationId: 'passSecondFactor',
        description:
          'Completes a sign-in with a current authenticator code or an unused recovery code; the session cookie is replaced. With trust_device, this browser skips the step for 30 days. Permission: authenticated (a session waiting for its second factor). Throttled per account and per address.',
        body: SecondFactorBody,
        response: { 200: SessionInfo, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (req, reply) => {
      const { token, deviceToken } = await service.passSecondFactor(
        req.principal!,
        req.body,
        { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' },
        actorOf(req),
      );
      const principal = await ctx.sessions.resolve(token);
      if (!principal) throw new AppError('not_authenticated', 'the session ended; sign in again');
      setSessionCookie(reply, req, token, ctx);
      if (deviceToken) setTrustedDeviceCookie(reply, req, deviceToken, ctx);
      return sessionInfo(ctx, principal, token);
    },
  );

  app.get(
    '/partners/:partnerId/security',
    {
      config: { permission: 'security.manage' },
      schema: {
        ...doc(
          'getSecurityPolicy',
          'security.manage',
          "The partner's sign-in policy and how many of its users have no second factor yet.",
        ),
        params: PartnerParams,
        response: { 200: SecurityPolicy, ...errorResponses(401, 403, 404) },
      },
    },
    (req) => policy.get(req.params.partnerId),
  );

  app.put(
    '/partners/:partnerId/security',
    {
      config: { permission: 'security.manage' },
      schema: {
        ...doc(
          'updateSecurityPolicy',
          'security.manage',
          "Sets the partner's sign-in policy. Requiring 2FA ends the sessions of users who have none; they set it up at their next sign-in. Only a user with 2FA may require it (422 otherwise).",
        ),
        params: PartnerParams,
        body: UpdateSecurityPolicy,
        response: { 200: SecurityPolicy, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    (req) => policy.set(req.params.partnerId, req.body.require_2fa, req.principal!, actorOf(req)),
  );
}
