import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ScopeType = Type.Union([
  Type.Literal('platform'),
  Type.Literal('partner'),
  Type.Literal('organization'),
  Type.Literal('site'),
]);
export const KeyStatus = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]);

export const ApiKey = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({
    description: 'the public start of the key (crmm_ab12cd34); the rest is shown only once, when it is made',
  }),
  user_id: Uuid,
  user_email: Type.String(),
  permissions: Type.Array(Type.String(), {
    description: 'what the key may do, never more than its owner holds at the time of each request',
  }),
  scope_type: ScopeType,
  partner_id: OrNull(Uuid),
  partner_name: OrNull(Type.String()),
  organization_id: OrNull(Uuid),
  organization_name: OrNull(Type.String()),
  site_id: OrNull(Uuid),
  site_name: OrNull(Type.String()),
  created_at: Timestamp,
  expires_at: OrNull(Timestamp),
  last_used_at: OrNull(Timestamp),
  last_used_ip: OrNull(Type.String()),
  revoked_at: OrNull(Timestamp),
  status: KeyStatus,
});
export type ApiKeyRow = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  secret: Type.String({
    description: 'the whole key (crmm_<id>_<secret>), shown this once: send it as `Authorization: Bearer <key>`',
  }),
});

export const CreateApiKey = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    permissions: Type.Array(Type.String({ pattern: '^[a-z_]+\\.[a-z_.]+$' }), { minItems: 1, maxItems: 200, uniqueItems: true }),
    scope_type: ScopeType,
    partner_id: Type.Optional(Uuid),
    organization_id: Type.Optional(Uuid),
    site_id: Type.Optional(Uuid),
    expires_at: Type.Optional(
      Type.Union([Timestamp, Type.Null()], { description: 'at most a year away; null or absent: the key never expires' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApiKey = Static<typeof CreateApiKey>;

const listFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  status: Type.Optional(KeyStatus),
};
export const MyApiKeyQuery = Type.Object(listFields, { additionalProperties: false });
export const ApiKeyQuery = Type.Object({ ...listFields, user_id: Type.Optional(Uuid) }, { additionalProperties: false });
export type ApiKeyQuery = Static<typeof ApiKeyQuery>;
