import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const SiteParams = Type.Object({ partnerId: Uuid, organizationId: Uuid, siteId: Uuid });
export const TokenParams = Type.Object({ partnerId: Uuid, organizationId: Uuid, siteId: Uuid, tokenId: Uuid });

export const InstallCommands = Type.Object(
  {
    linux: Type.String({ description: 'a shell command, run as root' }),
    macos: Type.String({ description: 'a shell command, run as an administrator' }),
    windows: Type.String({ description: 'a PowerShell command, run as Administrator' }),
  },
  { description: 'one command per operating system that installs the agent and enrolls it' },
);
export type InstallCommands = Static<typeof InstallCommands>;

export const SiteEnrollment = Type.Object({
  site_code: Type.String({
    description: 'the public enrollment code of the site; anyone holding it can add devices to the site',
  }),
  enabled: Type.Boolean({ description: 'false: the install link and the code are refused until enabled again' }),
  rotated_at: OrNull(Timestamp),
  install_url: Type.String({ description: 'the public install page of the site' }),
  commands: InstallCommands,
});
export type SiteEnrollment = Static<typeof SiteEnrollment>;

export const UpdateSiteEnrollment = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export const TokenStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('expired'),
  Type.Literal('exhausted'),
  Type.Literal('revoked'),
]);

export const EnrollmentToken = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'the public start of the token (cret_ab12cd34); the rest is shown only once' }),
  max_uses: Type.Integer(),
  use_count: Type.Integer(),
  expires_at: Timestamp,
  created_at: Timestamp,
  created_by: OrNull(Uuid),
  last_used_at: OrNull(Timestamp),
  revoked_at: OrNull(Timestamp),
  status: TokenStatus,
});
export type EnrollmentTokenRow = Static<typeof EnrollmentToken>;

export const CreatedEnrollmentToken = Type.Object({
  ...EnrollmentToken.properties,
  token: Type.String({ description: 'the whole token (cret_...), shown this once' }),
  command: InstallCommands,
});

export const CreateEnrollmentToken = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 100 })),
    max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    expires_in_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 24 })),
  },
  { additionalProperties: false },
);
export type CreateEnrollmentToken = Static<typeof CreateEnrollmentToken>;

export const EnrollmentTokenQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    status: Type.Optional(TokenStatus),
  },
  { additionalProperties: false },
);
export type EnrollmentTokenQuery = Static<typeof EnrollmentTokenQuery>;
