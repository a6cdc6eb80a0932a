import { Type, type Static } from 'typebox';

/*
 * Bootstrap (GW3): the one endpoint every agent ever released can call.
 *
 * THE RULE: HelloRequest and HelloResponse only ever gain OPTIONAL fields.
 * No field is renamed, removed, retyped or made required, and unknown fields
 * are accepted on input, so an agent that has been switched off for a year
 * still gets an answer it understands (proceed, or upgrade_required).
 */

export const HelloRequest = Type.Object(
  {
    agent_version: Type.String({ minLength: 1, maxLength: 64 }),
    protocol_version: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    os: Type.String({ minLength: 1, maxLength: 64, description: 'linux, darwin, win32, ...' }),
    arch: Type.String({ minLength: 1, maxLength: 64, description: 'x64, arm64, ...' }),
  },
  { additionalProperties: true, $id: 'HelloRequest' },
);
export type HelloRequest = Static<typeof HelloRequest>;

export const HelloAction = Type.Union([Type.Literal('proceed'), Type.Literal('upgrade_required'), Type.Literal('rejected')]);
export type HelloAction = Static<typeof HelloAction>;

export const HelloResponse = Type.Object(
  {
    server_version: Type.String(),
    min_protocol: Type.Integer(),
    latest_protocol: Type.Integer(),
    action: HelloAction,
    /** Why, in words a technician can act on (set for upgrade_required and rejected). */
    message: Type.Optional(Type.String()),
    /** Where the agent connects once it may proceed. */
    socket_path: Type.Optional(Type.String()),
  },
  { $id: 'HelloResponse' },
);
export type HelloResponse = Static<typeof HelloResponse>;

/** Enrollment: a site code or a one-time token buys an agent identity (AGT1). */
export const EnrollRequest = Type.Object(
  {
    site_code: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    hostname: Type.String({ minLength: 1, maxLength: 255 }),
    agent_version: Type.String({ minLength: 1, maxLength: 64 }),
    protocol_version: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    os: Type.String({ minLength: 1, maxLength: 64 }),
    arch: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false, $id: 'EnrollRequest' },
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object(
  {
    agent_id: Type.String({ format: 'uuid' }),
    device_id: Type.String({ format: 'uuid' }),
    /**
     * The whole credential the agent presents as `Authorization: Bearer ...`
     * (`crma_<agent id>_<secret>`). Shown once; the server keeps only its hash.
     */
    credential: Type.String(),
    partner_id: Type.String({ format: 'uuid' }),
    organization_id: Type.String({ format: 'uuid' }),
    site_id: Type.String({ format: 'uuid' }),
    server_version: Type.String(),
    /**
     * The server's command-signing public key (Ed25519, SPKI DER, base64) and its id
     * (protocol 2). The agent keeps it and runs only commands it verifies (AGT18).
     */
    command_key: Type.Optional(
      Type.Object({ key_id: Type.String({ pattern: '^[0-9a-f]{16}$' }), public_key: Type.String({ maxLength: 512 }) }),
    ),
  },
  { $id: 'EnrollResponse' },
);
export type EnrollResponse = Static<typeof EnrollResponse>;

/** The agent credential's shape; never a user API key (`crmm_...`, security.md 15). */
export const AGENT_CREDENTIAL_PATTERN = /^crma_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
