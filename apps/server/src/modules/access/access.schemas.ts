import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

export const Permission = Type.Object({
  name: Type.String(),
  module: Type.String(),
  description: Type.String(),
  scope: Type.Union([Type.Literal('platform'), Type.Literal('partner')]),
});

export const Role = Type.Object({
  id: Uuid,
  partner_id: Type.Union([Uuid, Type.Null()]),
  key: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  description: Type.String(),
  is_system: Type.Boolean(),
  permissions: Type.Array(Type.String()),
  assignment_count: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer(),
});
export type RoleRow = Static<typeof Role>;

const PermissionList = Type.Array(Type.String({ pattern: '^[a-z_]+\\.[a-z_.]+$' }), { maxItems: 200, uniqueItems: true });
export const CreateRole = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: PermissionList,
  },
  { additionalProperties: false },
);
export type CreateRole = Static<typeof CreateRole>;
export const UpdateRole = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Optional(PermissionList),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type UpdateRole = Static<typeof UpdateRole>;

export const Assignment = Type.Object({
  id: Uuid,
  user_id: Uuid,
  user_email: Type.String(),
  role_id: Uuid,
  role_name: Type.String(),
  scope_type: Type.Union([Type.Literal('platform'), Type.Literal('partner'), Type.Literal('organization'), Type.Literal('site')]),
  organization_id: Type.Union([Uuid, Type.Null()]),
  organization_name: Type.Union([Type.String(), Type.Null()]),
  site_id: Type.Union([Uuid, Type.Null()]),
  site_name: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});
export type AssignmentRow = Static<typeof Assignment>;

export const CreateAssignment = Type.Object(
  {
    user_id: Uuid,
    role_id: Uuid,
    scope_type: Type.Union([Type.Literal('partner'), Type.Literal('organization'), Type.Literal('site')]),
    organization_id: Type.Optional(Uuid),
    site_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type CreateAssignment = Static<typeof CreateAssignment>;
export const CreatePlatformAssignment = Type.Object({ user_id: Uuid, role_id: Uuid }, { additionalProperties: false });

export const AssignmentQuery = Type.Object(
  { user_id: Type.Optional(Uuid), role_id: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export type AssignmentQuery = Static<typeof AssignmentQuery>;
