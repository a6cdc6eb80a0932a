import { Type, type Static } from 'typebox';
import { MIN_PASSWORD_LENGTH } from '../../platform/auth/passwords.js';
import { ListQuery, Timestamp, Uuid } from '../../platform/http/schemas.js';

export const UserStatus = Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('suspended')]);
export type UserStatus = Static<typeof UserStatus>;

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Email = Type.String({ format: 'email', minLength: 3, maxLength: 320 });
const NewPassword = Type.String({
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: 1024,
  description: `at least ${MIN_PASSWORD_LENGTH} characters`,
});
const Version = Type.Integer({ minimum: 1, description: 'the version you last read; a stale one is 409' });

/** One role a user holds, and where (FEATURES IAM8: the multi-role display). */
export const UserRole = Type.Object({
  assignment_id: Uuid,
  role_id: Uuid,
  role_name: Type.String(),
  scope_type: Type.Union([Type.Literal('partner'), Type.Literal('organization'), Type.Literal('site')]),
  organization_id: Type.Union([Uuid, Type.Null()]),
  organization_name: Type.Union([Type.String(), Type.Null()]),
  site_id: Type.Union([Uuid, Type.Null()]),
  site_name: Type.Union([Type.String(), Type.Null()]),
});
export type UserRole = Static<typeof UserRole>;

export const User = Type.Object({
  id: Uuid,
  partner_id: Uuid,
  email: Type.String(),
  name: Type.String(),
  status: UserStatus,
  last_seen_at: Type.Union([Timestamp, Type.Null()]),
  invitation_expires_at: Type.Union([Timestamp, Type.Null()], {
    description: 'when the invitation link sent last expires (invited users)',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
  deleted_at: Type.Union([Timestamp, Type.Null()]),
  version: Type.Integer(),
  roles: Type.Array(UserRole),
});
export type UserRow = Static<typeof User>;

export const InvitedUser = Type.Object({
  ...User.properties,
  invitation_sent: Type.Boolean({
    description: 'false when the mail server refused the message; send it again with resend-invitation',
  }),
});

export const UsersQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(UserStatus),
    role_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type UsersQuery = Static<typeof UsersQuery>;

export const InviteUser = Type.Object(
  {
    email: Email,
    name: Name,
    role_id: Uuid,
    scope_type: Type.Union([Type.Literal('partner'), Type.Literal('organization'), Type.Literal('site')]),
    organization_id: Type.Optional(Uuid),
    site_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type InviteUser = Static<typeof InviteUser>;

export const UpdateUser = Type.Object({ name: Name, version: Version }, { additionalProperties: false });
export type UpdateUser = Static<typeof UpdateUser>;

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const UserParams = Type.Object({ partnerId: Uuid, userId: Uuid });
export const TokenParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) });

// Accepting an invitation, resetting a password ------------------------------

export const Invitation = Type.Object({
  email: Type.String(),
  name: Type.String(),
  partner_name: Type.Union([Type.String(), Type.Null()]),
  expires_at: Timestamp,
});

export const AcceptInvitation = Type.Object(
  { password: NewPassword, name: Type.Optional(Name) },
  { additionalProperties: false },
);
export type AcceptInvitation = Static<typeof AcceptInvitation>;

export const PasswordResetRequest = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }) },
  { additionalProperties: false },
);
export const PasswordResetAccepted = Type.Object({
  status: Type.Literal('accepted', { description: 'the same answer whether or not the email belongs to a user' }),
});
export const PasswordReset = Type.Object({ new_password: NewPassword }, { additionalProperties: false });

// The signed-in user's own account ---------------------------------------------

export const Me = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  status: UserStatus,
  partner_id: Type.Union([Uuid, Type.Null()]),
  partner_name: Type.Union([Type.String(), Type.Null()]),
  last_seen_at: Type.Union([Timestamp, Type.Null()]),
  created_at: Timestamp,
  version: Type.Integer(),
});
export const UpdateMe = Type.Object({ name: Name, version: Version }, { additionalProperties: false });
export type UpdateMe = Static<typeof UpdateMe>;
export const ChangePassword = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: NewPassword },
  { additionalProperties: false },
);
export type ChangePassword = Static<typeof ChangePassword>;
