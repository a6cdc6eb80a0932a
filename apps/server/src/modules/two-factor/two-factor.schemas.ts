import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const Code = Type.String({ minLength: 6, maxLength: 10, description: 'the 6-digit code the authenticator app shows now' });
const RecoveryCode = Type.String({ minLength: 8, maxLength: 40, description: 'one of the recovery codes shown at enrolment' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const TwoFactorStatus = Type.Object({
  enabled: Type.Boolean(),
  enabled_at: Type.Union([Timestamp, Type.Null()]),
  setup_pending: Type.Boolean({ description: 'a new authenticator was set up but not yet confirmed with a code' }),
  recovery_codes_left: Type.Integer(),
  required_by_partner: Type.Boolean(),
});

export const Enrolment = Type.Object({
  otpauth_uri: Type.String({ description: 'otpauth:// URI for the authenticator app' }),
  qr_code: Type.String({ description: 'the same URI as a QR code, an SVG data URL' }),
  secret: Type.String({ description: 'the base32 seed, for typing in by hand' }),
});

export const ConfirmBody = Type.Object({ code: Code }, { additionalProperties: false });

export const RecoveryCodes = Type.Object({
  recovery_codes: Type.Array(Type.String(), { description: 'shown once: only their hashes are kept' }),
  csrf_token: Type.String({ description: 'the CSRF token of the session from now on' }),
});

/** Proof that the person at the keyboard is the user: a current code or the password. */
export const ProofBody = Type.Object(
  { code: Type.Optional(Code), password: Type.Optional(Password) },
  { additionalProperties: false },
);
export type ProofBody = Static<typeof ProofBody>;

export const SecondFactorBody = Type.Object(
  {
    code: Type.Optional(Code),
    recovery_code: Type.Optional(RecoveryCode),
    trust_device: Type.Optional(Type.Boolean({ description: 'skip this step in this browser for 30 days' })),
  },
  { additionalProperties: false },
);
export type SecondFactorBody = Static<typeof SecondFactorBody>;

export const TrustedDevice = Type.Object({
  id: Uuid,
  user_agent: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()]),
  expires_at: Timestamp,
  current: Type.Boolean({ description: 'this browser' }),
});

export const MySession = Type.Object({
  id: Uuid,
  user_agent: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  last_seen_at: Timestamp,
  expires_at: Timestamp,
  state: Type.Union([Type.Literal('active'), Type.Literal('awaiting_second_factor'), Type.Literal('awaiting_enrolment')]),
  current: Type.Boolean({ description: 'the session making this request' }),
});

export const RevokedCount = Type.Object({ revoked: Type.Integer() });

export const IdParams = Type.Object({ id: Uuid });
export const PartnerParams = Type.Object({ partnerId: Uuid });

export const SecurityPolicy = Type.Object({
  require_2fa: Type.Boolean({ description: 'every user of the partner must sign in with a second factor' }),
  users_total: Type.Integer(),
  users_without_2fa: Type.Integer(),
});
export const UpdateSecurityPolicy = Type.Object({ require_2fa: Type.Boolean() }, { additionalProperties: false });
