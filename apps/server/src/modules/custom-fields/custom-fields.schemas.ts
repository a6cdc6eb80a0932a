import { Type, type Static } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

export const ENTITIES = ['organization', 'site', 'device'] as const;
export type Entity = (typeof ENTITIES)[number];
export const FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const Entity = Type.Union(
  ENTITIES.map((e) => Type.Literal(e)),
  { description: 'what the field is set on' },
);
export const FieldType = Type.Union(
  FIELD_TYPES.map((t) => Type.Literal(t)),
  { description: 'date: YYYY-MM-DD; choice: one of `choices`' },
);

const Name = Type.String({
  minLength: 1,
  maxLength: 63,
  description: 'lower case, digits and _, starting with a letter: scripts use {{custom.<name>}} and CLOUDRMM_CUSTOM_<NAME>',
});
const Label = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Choices = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 });
const DefaultValue = Type.Unknown({
  description: 'of the field’s type, or null for none; used where no organization, site or device sets a value',
});
const Description = Type.String({ maxLength: 500 });
const Position = Type.Integer({ minimum: 0, maximum: 10000, description: 'order on the page, smallest first' });

/** A custom field (DEV9), defined per partner on organizations, sites or devices. */
export const FieldDefinition = Type.Object({
  id: Uuid,
  entity: Type.String(),
  name: Type.String(),
  label: Type.String(),
  type: Type.String(),
  choices: Type.Array(Type.String()),
  default_value: Type.Unknown(),
  description: Type.String(),
  position: Type.Integer(),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export interface FieldDefinition {
  id: string;
  entity: Entity;
  name: string;
  label: string;
  type: FieldType;
  choices: string[];
  default_value: FieldValue;
  description: string;
  position: number;
  version: number;
  created_at: string;
  updated_at: string;
}
export type FieldValue = string | number | boolean | null;

export const CreateField = Type.Object(
  {
    entity: Entity,
    name: Name,
    label: Label,
    type: FieldType,
    choices: Type.Optional(Choices),
    default_value: Type.Optional(DefaultValue),
    description: Type.Optional(Description),
    position: Type.Optional(Position),
  },
  { additionalProperties: false },
);
export type CreateField = Static<typeof CreateField>;

export const UpdateField = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the version you last read; a stale one is 409' }),
    name: Type.Optional(Name),
    label: Type.Optional(Label),
    choices: Type.Optional(Choices),
    default_value: Type.Optional(DefaultValue),
    description: Type.Optional(Description),
    position: Type.Optional(Position),
    entity: Type.Optional(Type.String({ description: 'cannot change; accepted when unchanged' })),
    type: Type.Optional(Type.String({ description: 'cannot change; accepted when unchanged' })),
  },
  { additionalProperties: false },
);
export type UpdateField = Static<typeof UpdateField>;

export const FieldQuery = Type.Object({ entity: Type.Optional(Entity) }, { additionalProperties: false });
export type FieldQuery = Static<typeof FieldQuery>;

export const FieldList = Type.Object({
  items: Type.Array(FieldDefinition),
  next_cursor: Type.Null({ description: 'always null: every field in one page' }),
});

export const ValuesQuery = Type.Object({ entity: Entity, entity_id: Uuid }, { additionalProperties: false });
export type ValuesQuery = Static<typeof ValuesQuery>;

export const PutValues = Type.Object(
  {
    entity: Entity,
    entity_id: Uuid,
    values: Type.Record(Type.String(), Type.Unknown(), {
      maxProperties: 200,
      description: 'field name → value of its type; null clears it; fields left out keep their value',
    }),
  },
  { additionalProperties: false },
);
export type PutValues = Static<typeof PutValues>;

export const FieldWithValue = Type.Object({
  field: FieldDefinition,
  value: Type.Unknown({ description: 'set on this entity; null when not set (the default applies)' }),
});

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const FieldParams = Type.Object({ partnerId: Uuid, fieldId: Uuid });
