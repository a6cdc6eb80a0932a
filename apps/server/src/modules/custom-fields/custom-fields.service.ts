import { sql } from 'kysely';
import { audit, type Actor } from '../../platform/audit/audit.js';
import { hasPermission, type Principal, type Target } from '../../platform/auth/principal.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import { definitionsRepo, placeOf, valuesRepo, type DefinitionValues } from './custom-fields.repository.js';
import type {
  CreateField,
  Entity,
  FieldDefinition,
  FieldQuery,
  FieldType,
  FieldValue,
  PutValues,
  UpdateField,
  ValuesQuery,
} from './custom-fields.schemas.js';

/** A field name: {{custom.<name>}} in script parameters, CLOUDRMM_CUSTOM_<NAME> on the device. */
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_TEXT = 2000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const VIEW: Record<Entity, string> = { organization: 'organizations.view', site: 'sites.view', device: 'devices.view' };
const MANAGE: Record<Entity, string> = {
  organization: 'organizations.manage',
  site: 'sites.manage',
  device: 'devices.manage',
};

const invalid = (field: string, message: string) => new AppError('validation_failed', message, { field });

/**
 * Custom fields (DEV9): a partner defines them on organizations, sites and
 * devices; whoever manages an entity sets its values; scripts read them as
 * variables (variablesFor).
 */
export class CustomFieldsService {
  constructor(private readonly db: Database) {}

  async list(partnerId: string, query: FieldQuery) {
    const items = await this.db.withTenant(partnerId, (tx) => definitionsRepo.list(tx, query.entity));
    return { items, next_cursor: null };
  }

  create(partnerId: string, input: CreateField, actor: Actor): Promise<FieldDefinition> {
    const values = definitionValues(input.type, {
      name: input.name,
      label: input.label,
      choices: input.choices ?? [],
      default_value: input.default_value,
      description: input.description ?? '',
      position: input.position ?? 0,
    });
    return this.db.withTenant(partnerId, async (tx) => {
      await assertNameFree(tx, input.entity, values.name);
      const created = await uniqueName(
        () => definitionsRepo.insert(tx, partnerId, input.entity, input.type, values),
        input.entity,
        values.name,
      );
      await audit(tx, partnerId, actor, {
        action: 'custom_field.create',
        targetType: 'custom_field',
        targetId: created.id,
        after: created,
      });
      return created;
    });
  }

  update(partnerId: string, fieldId: string, input: UpdateField, actor: Actor): Promise<FieldDefinition> {
    return this.db.withTenant(partnerId, async (tx) => {
      const before = (await definitionsRepo.get(tx, fieldId)) ?? throwNotFound();
      if (input.entity !== undefined && input.entity !== before.entity) {
        throw invalid('entity', 'a field cannot move to another kind of entity: create a new field instead');
      }
      if (input.type !== undefined && input.type !== before.type) {
        throw invalid('type', 'the type of a field cannot change (its values would no longer fit): create a new field instead');
      }
      const values = definitionValues(before.type, {
        name: input.name ?? before.name,
        label: input.label ?? before.label,
        choices: input.choices ?? before.choices,
        default_value: input.default_value === undefined ? before.default_value : input.default_value,
        description: input.description ?? before.description,
        position: input.position ?? before.position,
      });
      if (values.name !== before.name) await assertNameFree(tx, before.entity, values.name, fieldId);
      if (before.type === 'choice') await assertChoicesStillCover(tx, before, values.choices);
      const after =
        (await uniqueName(() => definitionsRepo.update(tx, fieldId, input.version, values), before.entity, values.name)) ??
        throwStale();
      await audit(tx, partnerId, actor, {
        action: 'custom_field.update',
        targetType: 'custom_field',
        targetId: fieldId,
        before,
        after,
      });
      return after;
    });
  }

  delete(partnerId: string, fieldId: string, actor: Actor): Promise<void> {
    return this.db.withTenant(partnerId, async (tx) => {
      const before = (await definitionsRepo.get(tx, fieldId)) ?? throwNotFound();
      const values = await definitionsRepo.delete(tx, fieldId);
      await audit(tx, partnerId, actor, {
        action: 'custom_field.delete',
        targetType: 'custom_field',
        targetId: fieldId,
        before: { ...before, values_deleted: values },
      });
    });
  }

  /** The entity's fields with the values set on it (null: not set). */
  values(partnerId: string, principal: Principal, query: ValuesQuery) {
    return this.db.withTenant(partnerId, async (tx) => {
      await this.reach(tx, partnerId, principal, query.entity, query.entity_id, false);
      return this.read(tx, query.entity, query.entity_id);
    });
  }

  /** Sets (or, with null, clears) values of the entity; fields left out keep theirs. Needs the entity's manage permission. */
  putValues(partnerId: string, principal: Principal, input: PutValues, actor: Actor) {
    return this.db.withTenant(partnerId, async (tx) => {
      await this.reach(tx, partnerId, principal, input.entity, input.entity_id, true);
      const fields = new Map((await definitionsRepo.list(tx, input.entity)).map((f) => [f.name, f]));
      const current = await valuesRepo.of(tx, input.entity_id);
      const changes: [FieldDefinition, FieldValue][] = Object.entries(input.values).map(([name, raw]) => {
        const field = fields.get(name);
        if (!field) throw invalid(`values.${name}`, `there is no ${input.entity} field named "${name}"`);
        return [field, raw === null ? null : checkValue(field.type, field.choices, raw, `values.${name}`, field.name)];
      });
      const before: Record<string, FieldValue> = {};
      const after: Record<string, FieldValue> = {};
      for (const [field, value] of changes) {
        const old = current.get(field.id) ?? null;
        if (old === value) continue;
        before[field.name] = old;
        after[field.name] = value;
        if (value === null) await valuesRepo.clear(tx, field.id, input.entity_id);
        else await valuesRepo.set(tx, partnerId, field.id, input.entity_id, value, userOf(actor));
      }
      if (Object.keys(after).length > 0) {
        await audit(tx, partnerId, actor, {
          action: 'custom_field_values.update',
          targetType: input.entity,
          targetId: input.entity_id,
          before,
          after,
        });
      }
      return this.read(tx, input.entity, input.entity_id);
    });
  }

  // ------------------------------------------------------------------------

  private async read(tx: Tx, entity: Entity, entityId: string) {
    const fields = await definitionsRepo.list(tx, entity);
    const values = await valuesRepo.of(tx, entityId);
    return fields.map((field) => ({ field, value: values.get(field.id) ?? null }));
  }

  /**
   * The entity, if the caller sees it (else 404, never confirming it exists)
   * and, to change it, holds its manage permission where it is (else 403).
   */
  private async reach(tx: Tx, partnerId: string, principal: Principal, entity: Entity, id: string, manage: boolean) {
    const place = await placeOf(tx, entity, id);
    const target: Target | undefined = place && {
      partnerId,
      organizationId: place.organizationId,
      ...(place.siteId ? { siteId: place.siteId } : {}),
    };
    if (!target || !hasPermission(principal, VIEW[entity], target, false)) throw notFound(entity);
    if (manage && !hasPermission(principal, MANAGE[entity], target, true)) {
      throw new AppError('forbidden', `you need the ${MANAGE[entity]} permission for this ${entity}`);
    }
  }
}

interface DeviceRef {
  id: string;
  organization_id: string;
  site_id: string;
}

/**
 * The custom-field variables of each device, by field name, as text: the value
 * set on the device wins, then the one on its site, then its organization's;
 * where none is set, the field's default (device field, then site, then
 * organization). Two queries, whatever the number of devices.
 * Called as variablesFor(tx, devices) or variablesFor(tx, partnerId, devices)
 * inside the partner's transaction.
 */
export async function variablesFor(tx: Tx, devices: DeviceRef[]): Promise<Map<string, Record<string, string>>>;
export async function variablesFor(tx: Tx, partnerId: string, devices: DeviceRef[]): Promise<Map<string, Record<string, string>>>;
export async function variablesFor(
  tx: Tx,
  a: string | DeviceRef[],
  b?: DeviceRef[],
): Promise<Map<string, Record<string, string>>> {
  const devices = typeof a === 'string' ? (b ?? []) : a;
  const result = new Map<string, Record<string, string>>();
  if (devices.length === 0) return result;
  const definitions = await definitionsRepo.all(tx);
  if (definitions.length === 0) {
    for (const d of devices) result.set(d.id, {});
    return result;
  }

  const byName = new Map<string, Partial<Record<Entity, FieldDefinition>>>();
  for (const def of definitions) byName.set(def.name, { ...byName.get(def.name), [def.entity]: def });

  const ids = new Set<string>();
  for (const d of devices) ids.add(d.id).add(d.site_id).add(d.organization_id);
  const rows = await valuesRepo.ofMany(tx, [...ids]);
  const set = new Map<string, FieldValue>(rows.map((r) => [`${r.definition_id}/${r.entity_id}`, r.value]));
  const on = (def: FieldDefinition | undefined, entityId: string) => (def ? (set.get(`${def.id}/${entityId}`) ?? null) : null);

  for (const d of devices) {
    const vars: Record<string, string> = {};
    for (const [name, defs] of byName) {
      const value =
        on(defs.device, d.id) ??
        on(defs.site, d.site_id) ??
        on(defs.organization, d.organization_id) ??
        defs.device?.default_value ??
        defs.site?.default_value ??
        defs.organization?.default_value ??
        null;
      if (value !== null) vars[name] = String(value);
    }
    result.set(d.id, vars);
  }
  return result;
}

// ---------------------------------------------------------------------------

function definitionValues(
  type: FieldType,
  input: Omit<DefinitionValues, 'default_value'> & { default_value: unknown },
): DefinitionValues {
  const name = input.name.trim();
  if (!FIELD_NAME.test(name)) {
    throw invalid(
      'name',
      `field name "${input.name}" must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)`,
    );
  }
  const choices = input.choices.map((c) => c.trim());
  if (type === 'choice') {
    if (choices.length === 0) throw invalid('choices', 'a choice field needs at least one choice');
    if (choices.some((c) => c === '')) throw invalid('choices', 'a choice may not be empty');
    if (new Set(choices).size !== choices.length) throw invalid('choices', 'a choice is listed twice');
  } else if (choices.length > 0) {
    throw invalid('choices', `only choice fields have choices (this is a ${type} field)`);
  }
  const raw = input.default_value ?? null;
  return {
    name,
    label: input.label.trim(),
    choices,
    default_value: raw === null ? null : checkValue(type, choices, raw, 'default_value', name),
    description: input.description.trim(),
    position: input.position,
  };
}

/** A value of the field's type, or a 400 naming the field. */
function checkValue(type: FieldType, choices: string[], value: unknown, field: string, name: string): Exclude<FieldValue, null> {
  switch (type) {
    case 'text':
      if (typeof value !== 'string') throw invalid(field, `"${name}" is a text field: give a string`);
      if (value.length > MAX_TEXT) throw invalid(field, `"${name}" is longer than ${MAX_TEXT} characters`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw invalid(field, `"${name}" is a number field: give a number`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(field, `"${name}" is a yes/no field: give true or false`);
      return value;
    case 'date': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      const valid =
        m !== null && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).toISOString().slice(0, 10) === value && +m[1]! >= 1;
      if (!valid) throw invalid(field, `"${name}" is a date field: give a date as YYYY-MM-DD`);
      return value as string;
    }
    case 'choice':
      if (typeof value !== 'string' || !choices.includes(value)) {
        throw invalid(field, `"${name}" must be one of: ${choices.join(', ')}`);
      }
      return value;
  }
}

async function assertNameFree(tx: Tx, entity: Entity, name: string, exceptId?: string) {
  if (await definitionsRepo.nameTaken(tx, entity, name, exceptId)) throw nameTaken(entity, name);
}

const nameTaken = (entity: Entity, name: string) =>
  new AppError('conflict', `there already is a ${entity} field named "${name}"`, { field: 'name' });

/** The unique index has the last word when two people add the same name at once. */
async function uniqueName<T>(write: () => Promise<T>, entity: Entity, name: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw nameTaken(entity, name);
    throw error;
  }
}

/** A choice may only go when nothing is set to it any more. */
async function assertChoicesStillCover(tx: Tx, field: FieldDefinition, choices: string[]) {
  const orphan = await tx
    .selectFrom('custom_field_values')
    .select([sql<string>`value #>> '{}'`.as('value'), sql<number>`count(*)::int`.as('n')])
    .where('definition_id', '=', field.id)
    .where(sql<boolean>`not (value #>> '{}' = any(${choices}::text[]))`)
    .groupBy(sql`value #>> '{}'`)
    .executeTakeFirst();
  if (orphan) {
    throw new AppError(
      'conflict',
      `"${orphan.value}" is still set on ${orphan.n} ${field.entity}(s): change those values before removing the choice`,
      { field: 'choices' },
    );
  }
}

function throwNotFound(): never {
  throw notFound('custom field');
}

function throwStale(): never {
  throw staleVersion('the custom field');
}

function userOf(actor: Actor): string | null {
  return actor.type === 'user' || actor.type === 'api_key' ? actor.id : null;
}
