import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

export const SsoSettings = Type.Object({
  partner_id: Uuid,
  enabled: Type.Boolean(),
  require_sso: Type.Boolean({ description: "the partner's users cannot sign in with a password" }),
  issuer_url: Type.String({ description: "the identity provider's issuer, e.g. https://login.example.com" }),
  client_id: Type.String(),
  client_secret_set: Type.Boolean({ description: 'a client secret is stored; it is never returned' }),
  allowed_domains: Type.Array(Type.String(), { description: 'email domains whose people this identity provider signs in' }),
  default_role_id: Type.Union([Uuid, Type.Null()], {
    description: 'the role a user provisioned at first sign-in gets over the partner',
  }),
  redirect_uri: Type.String({ description: 'register this redirect URI with the identity provider' }),
  start_url: Type.String({ description: "a link that starts single sign-on for the partner's users" }),
  version: Type.Integer({ description: '0 until the settings are first saved' }),
  updated_at: Type.Union([Timestamp, Type.Null()]),
});
export type SsoSettingsView = Static<typeof SsoSettings>;

const IssuerUrl = Type.String({ maxLength: 500 });
const ClientId = Type.String({ maxLength: 500 });
const ClientSecret = Type.String({ minLength: 1, maxLength: 2000 });

export const UpdateSsoSettings = Type.Object(
  {
    issuer_url: Type.Optional(IssuerUrl),
    client_id: Type.Optional(ClientId),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'omit to keep the stored secret' })),
    allowed_domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 50 })),
    default_role_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    require_sso: Type.Optional(Type.Boolean()),
    version: Type.Integer({ minimum: 0, description: 'the version you last read (0 before the first save); a stale one is 409' }),
  },
  { additionalProperties: false },
);
export type UpdateSsoSettings = Static<typeof UpdateSsoSettings>;

export const TestSsoConnection = Type.Object(
  {
    issuer_url: Type.Optional(IssuerUrl),
    client_id: Type.Optional(ClientId),
    client_secret: Type.Optional(ClientSecret),
  },
  { additionalProperties: false, description: 'values not given are taken from the saved settings' },
);
export type TestSsoConnection = Static<typeof TestSsoConnection>;

export const SsoTestResult = Type.Object({
  ok: Type.Boolean(),
  message: Type.String(),
  issuer: Type.Optional(Type.String()),
  authorization_endpoint: Type.Optional(Type.String()),
  token_endpoint: Type.Optional(Type.String()),
  userinfo_endpoint: Type.Optional(Type.String()),
  jwks_uri: Type.Optional(Type.String()),
  scopes_supported: Type.Optional(Type.Array(Type.String())),
  warnings: Type.Array(Type.String()),
});
export type SsoTestResult = Static<typeof SsoTestResult>;

export const DiscoverBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }) },
  { additionalProperties: false },
);

export const DiscoverResult = Type.Object({
  sso: Type.Boolean(),
  start_url: Type.Optional(Type.String()),
  required: Type.Optional(Type.Boolean({ description: 'password sign-in is refused for this email' })),
});
export type DiscoverResult = Static<typeof DiscoverResult>;

export const StartParams = Type.Object({ partnerSlug: Type.String({ minLength: 1, maxLength: 63 }) });
export const StartQuery = Type.Object(
  {
    redirect: Type.Optional(Type.String({ maxLength: 2000, description: 'a dashboard path to open after sign-in' })),
    login_hint: Type.Optional(Type.String({ maxLength: 320 })),
  },
  { additionalProperties: false },
);

export const PartnerParams = Type.Object({ partnerId: Uuid });
