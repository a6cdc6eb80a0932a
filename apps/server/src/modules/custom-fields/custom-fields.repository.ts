import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { Entity, FieldDefinition, FieldType, FieldValue } from './custom-fields.schemas.js';

/** All SQL of custom fields. RLS keeps every query inside the partner. */

const definitionColumns = [
  'id',
  'entity',
  'name',
  'label',
  'type',
  'choices',
  'default_value',
  'description',
  'position',
  'version',
  'created_at',
  'updated_at',
] as const;

export interface DefinitionValues {
  name: string;
  label: string;
  choices: string[];
  default_value: FieldValue;
  description: string;
  position: number;
}

const jsonOf = (v: FieldValue) => (v === null ? null : JSON.stringify(v));

/** Where an organization, site or device sits, for the permission check; undefined when it does not exist. */
export interface EntityPlace {
  organizationId: string;
  siteId?: string;
}

export const definitionsRepo = {
  list: (tx: Tx, entity?: Entity) => {
    let q = tx.selectFrom('custom_field_definitions').select(definitionColumns).where('deleted_at', 'is', null);
    if (entity) q = q.where('entity', '=', entity);
    return q
      .orderBy(sql`case entity when 'organization' then 0 when 'site' then 1 else 2 end`)
      .orderBy('position')
      .orderBy(sql`lower(label)`)
      .orderBy('id')
      .execute() as unknown as Promise<FieldDefinition[]>;
  },

  /** Every live definition of the partner (for variables). */
  all: (tx: Tx) => definitionsRepo.list(tx),

  get: (tx: Tx, id: string) =>
    tx
      .selectFrom('custom_field_definitions')
      .select(definitionColumns)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst() as unknown as Promise<FieldDefinition | undefined>,

  nameTaken: async (tx: Tx, entity: Entity, name: string, exceptId?: string) => {
    let q = tx
      .selectFrom('custom_field_definitions')
      .select('id')
      .where('entity', '=', entity)
      .where('name', '=', name)
      .where('deleted_at', 'is', null);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  },

  insert: async (tx: Tx, tenantId: string, entity: Entity, type: FieldType, values: DefinitionValues) => {
    const { id } = await tx
      .insertInto('custom_field_definitions')
      .values({ tenant_id: tenantId, entity, type, ...values, default_value: jsonOf(values.default_value) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await definitionsRepo.get(tx, id))!;
  },

  update: async (tx: Tx, id: string, version: number, values: DefinitionValues) => {
    const row = await tx
      .updateTable('custom_field_definitions')
      .set({ ...values, default_value: jsonOf(values.default_value), version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row ? definitionsRepo.get(tx, id) : undefined;
  },

  /** Soft-deletes the definition and drops its values: a field recreated with the same name starts empty. */
  delete: async (tx: Tx, id: string): Promise<number> => {
    await tx
      .updateTable('custom_field_definitions')
      .set({ deleted_at: sql`now()`, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const gone = await tx.deleteFrom('custom_field_values').where('definition_id', '=', id).executeTakeFirst();
    return Number(gone.numDeletedRows);
  },
};

export const valuesRepo = {
  /** The values set on one entity, by definition id. */
  async of(tx: Tx, entityId: string): Promise<Map<string, FieldValue>> {
    const rows = await tx
      .selectFrom('custom_field_values')
      .select(['definition_id', 'value'])
      .where('entity_id', '=', entityId)
      .execute();
    return new Map(rows.map((r) => [r.definition_id, r.value as FieldValue]));
  },

  /** Every value set on any of these entities: one query, one parameter. */
  ofMany: (tx: Tx, entityIds: string[]) =>
    tx
      .selectFrom('custom_field_values')
      .select(['definition_id', 'entity_id', 'value'])
      .where(sql<boolean>`entity_id = any(${entityIds}::uuid[])`)
      .execute() as Promise<{ definition_id: string; entity_id: string; value: FieldValue }[]>,

  set: (tx: Tx, tenantId: string, definitionId: string, entityId: string, value: Exclude<FieldValue, null>, by: string | null) =>
    tx
      .insertInto('custom_field_values')
      .values({
        tenant_id: tenantId,
        definition_id: definitionId,
        entity_id: entityId,
        value: JSON.stringify(value),
        updated_by: by,
      })
      .onConflict((oc) =>
        oc
          .columns(['definition_id', 'entity_id'])
          .doUpdateSet({ value: (eb) => eb.ref('excluded.value'), updated_by: by, updated_at: sql`now()` }),
      )
      .execute(),

  clear: (tx: Tx, definitionId: string, entityId: string) =>
    tx.deleteFrom('custom_field_values').where('definition_id', '=', definitionId).where('entity_id', '=', entityId).execute(),
};

/** Where the entity sits in the hierarchy (not deleted); undefined when the partner has none with that id. */
export async function placeOf(tx: Tx, entity: Entity, id: string): Promise<EntityPlace | undefined> {
  switch (entity) {
    case 'organization': {
      const o = await tx
        .selectFrom('organizations')
        .select('id')
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return o && { organizationId: o.id };
    }
    case 'site': {
      const s = await tx
        .selectFrom('sites')
        .select(['id', 'organization_id'])
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return s && { organizationId: s.organization_id, siteId: s.id };
    }
    case 'device': {
      const d = await tx
        .selectFrom('devices')
        .select(['organization_id', 'site_id'])
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return d && { organizationId: d.organization_id, siteId: d.site_id };
    }
  }
}
