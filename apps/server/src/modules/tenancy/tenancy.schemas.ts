import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Description = Type.String({ maxLength: 2000 });
const Version = Type.Integer({ minimum: 1, description: 'the version you last read; a stale one is 409' });

const common = {
  id: Uuid,
  name: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  deleted_at: Type.Union([Timestamp, Type.Null()]),
  version: Type.Integer(),
};

export const Partner = Type.Object({
  ...common,
  slug: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  organization_count: Type.Integer({ description: 'organizations of this partner that are not deleted' }),
});
export const Organization = Type.Object({
  ...common,
  partner_id: Uuid,
  description: Type.String(),
  site_count: Type.Integer({ description: 'sites of this organization that are not deleted' }),
});
export const Site = Type.Object({
  ...common,
  partner_id: Uuid,
  organization_id: Uuid,
  description: Type.String(),
  timezone: Type.String(),
});

export const CreatePartner = Type.Object({ name: Name }, { additionalProperties: false });
export const UpdatePartner = Type.Object({ name: Type.Optional(Name), version: Version }, { additionalProperties: false });
export const CreateOrganization = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export const UpdateOrganization = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), version: Version },
  { additionalProperties: false },
);
const Timezone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' });
export const CreateSite = Type.Object(
  { name: Name, description: Type.Optional(Description), timezone: Type.Optional(Timezone) },
  { additionalProperties: false },
);
export const UpdateSite = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), timezone: Type.Optional(Timezone), version: Version },
  { additionalProperties: false },
);

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const OrganizationParams = Type.Object({ partnerId: Uuid, organizationId: Uuid });
export const SiteParams = Type.Object({ partnerId: Uuid, organizationId: Uuid, siteId: Uuid });

export type PartnerRow = Static<typeof Partner>;
export type OrganizationRow = Static<typeof Organization>;
export type SiteRow = Static<typeof Site>;
export type CreateOrganization = Static<typeof CreateOrganization>;
export type UpdateOrganization = Static<typeof UpdateOrganization>;
export type CreateSite = Static<typeof CreateSite>;
export type UpdateSite = Static<typeof UpdateSite>;
export type UpdatePartner = Static<typeof UpdatePartner>;
