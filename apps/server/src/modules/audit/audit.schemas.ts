import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  seq: Type.Integer({ description: 'position in the partner’s (or the platform’s) hash chain' }),
  occurred_at: Timestamp,
  actor_type: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('agent'), Type.Literal('system')]),
  actor_id: Type.Union([Uuid, Type.Null()]),
  actor_label: Type.String(),
  api_key_id: Type.Union([Uuid, Type.Null()]),
  action: Type.String(),
  target_type: Type.Union([Type.String(), Type.Null()]),
  target_id: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.Union([Type.String(), Type.Null()]),
  hash: Type.String({ description: 'SHA-256 of this event and the previous hash, hex' }),
});

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,18}$', description: 'the seq of the last event of the previous page' }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'actor, action or target contains this' })),
    actor: Type.Optional(Type.String({ maxLength: 320, description: 'actor email/label contains this' })),
    action: Type.Optional(
      Type.String({ maxLength: 100, description: 'action, or an action prefix ending in a dot (e.g. "site.")' }),
    ),
    target_type: Type.Optional(Type.String({ maxLength: 50 })),
    target_id: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const ChainVerification = Type.Object({
  valid: Type.Boolean(),
  events: Type.Integer({ description: 'events checked' }),
  first_invalid_seq: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
});
