import { Pencil, Settings2 } from 'lucide-react';
import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { DescriptionList } from '../../ui/description-list';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { Select } from '../../ui/select';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { errorMessage } from '../../api/client';
import { useCan } from '../auth/session-context';
import { ENTITY_LABELS, fieldValueText, useFieldValues, useSaveFieldValues } from './api';
import type { FieldDefinition, FieldEntity, FieldValue, FieldValueRow } from './api';

/** One input for a custom field value, by type; `value` is kept as text while typed. */
export function FieldValueInput({
  id,
  field,
  value,
  onChange,
  control,
}: {
  id: string;
  field: Pick<FieldDefinition, 'type' | 'choices' | 'label'>;
  value: string;
  onChange: (value: string) => void;
  control?: { 'aria-invalid': true | undefined; 'aria-describedby': string | undefined };
}) {
  if (field.type === 'boolean' || field.type === 'choice') {
    const options = field.type === 'boolean' ? ['true', 'false'] : field.choices;
    return (
      <Select id={id} {...control} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Not set</option>
        {options.map((c) => (
          <option key={c} value={c}>
            {field.type === 'boolean' ? (c === 'true' ? 'Yes' : 'No') : c}
          </option>
        ))}
      </Select>
    );
  }
  return (
    <Input
      id={id}
      {...control}
      type={field.type === 'date' ? 'date' : 'text'}
      inputMode={field.type === 'number' ? 'decimal' : undefined}
      autoComplete="off"
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** Text from the form to the API's value; undefined when it is not valid for the type. */
export function parseFieldValue(field: Pick<FieldDefinition, 'type'>, text: string): FieldValue | undefined {
  const t = text.trim();
  if (t === '') return null;
  if (field.type === 'number') return Number.isFinite(Number(t)) ? Number(t) : undefined;
  if (field.type === 'boolean') return t === 'true';
  return t;
}

export function fieldValueToText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return value.slice(0, 10);
  return String(value);
}

const ENTITY_PERMISSION = { organization: 'organizations.manage', site: 'sites.manage', device: 'devices.manage' } as const;

/** The "Custom fields" card of a device, site or organization page: values, and Edit for those who may change the entity. */
export function CustomFieldsCard({
  partnerId,
  entity,
  entityId,
  entityName,
}: {
  partnerId: string;
  entity: FieldEntity;
  entityId: string;
  entityName: string;
}) {
  const values = useFieldValues(partnerId, entity, entityId);
  const canEdit = useCan(ENTITY_PERMISSION[entity]);
  const canDefine = useCan('custom_fields.manage');
  const [editing, setEditing] = useState(false);
  const rows = values.data ?? [];
  const headingId = `${entity}-custom-fields-heading`;

  // Nothing defined and nobody here to define any: no empty card in the way.
  if (values.isSuccess && rows.length === 0 && !canDefine) return null;

  return (
    <Card aria-labelledby={headingId}>
      <CardHeader>
        <CardTitle id={headingId}>Custom fields</CardTitle>
        {canEdit && rows.length > 0 ? (
          <Button size="sm" onClick={() => setEditing(true)}>
            <Pencil aria-hidden="true" />
            Edit
          </Button>
        ) : null}
      </CardHeader>
      <CardContent className="py-4">
        {values.isError ? (
          <Alert title="Could not load the custom fields">{errorMessage(values.error)}</Alert>
        ) : !values.data ? (
          <Skeleton className="h-10" />
        ) : rows.length === 0 ? (
          <p className="text-[13px] text-muted-foreground">
            No custom fields are defined for {ENTITY_LABELS[entity].toLowerCase()}s yet.{' '}
            <Link
              to="/partners/$partnerId/custom-fields"
              params={{ partnerId }}
              className="inline-flex items-center gap-1 text-link hover:underline"
            >
              <Settings2 className="size-3.5" aria-hidden="true" />
              Define one
            </Link>
          </p>
        ) : (
          <DescriptionList
            items={rows.map((row) => {
              const own = fieldValueText(row.field, row.value);
              const fallback = fieldValueText(row.field, row.field.default_value);
              return {
                label: row.field.label,
                value: own ? (
                  <span className="whitespace-pre-wrap">{own}</span>
                ) : fallback ? (
                  <span className="text-muted-foreground">
                    {fallback} <span className="text-xs">(default)</span>
                  </span>
                ) : (
                  <span className="text-muted-foreground">Not set</span>
                ),
              };
            })}
          />
        )}
      </CardContent>
      <Dialog open={editing} onOpenChange={setEditing}>
        {editing ? (
          <EditValuesForm
            partnerId={partnerId}
            entity={entity}
            entityId={entityId}
            entityName={entityName}
            rows={rows}
            onDone={() => setEditing(false)}
          />
        ) : null}
      </Dialog>
    </Card>
  );
}

function EditValuesForm({
  partnerId,
  entity,
  entityId,
  entityName,
  rows,
  onDone,
}: {
  partnerId: string;
  entity: FieldEntity;
  entityId: string;
  entityName: string;
  rows: FieldValueRow[];
  onDone: () => void;
}) {
  const save = useSaveFieldValues(partnerId, entity, entityId);
  const { toast } = useToast();
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(rows.map((r) => [r.field.name, fieldValueToText(r.value)])),
  );
  const [checked, setChecked] = useState(false);
  const errors = formErrors(save.error, [], false);
  const invalid = rows.filter((r) => parseFieldValue(r.field, texts[r.field.name] ?? '') === undefined).map((r) => r.field.name);

  return (
    <FormDialogContent
      title={`Custom fields of ${entityName}`}
      description="Blank means not set: the field’s default applies. Scripts read these as {{custom.<name>}} and CLOUDRMM_CUSTOM_<NAME>."
      submitLabel="Save"
      pending={save.isPending}
      formError={errors.formError}
      className="max-w-lg"
      onSubmit={() => {
        setChecked(true);
        if (invalid.length > 0) return;
        const values: Record<string, FieldValue> = {};
        for (const r of rows) values[r.field.name] = parseFieldValue(r.field, texts[r.field.name] ?? '') ?? null;
        save.mutate(values, {
          onSuccess: () => {
            toast({ title: 'Custom fields saved' });
            onDone();
          },
        });
      }}
      onCancel={onDone}
    >
      {rows.map((r) => (
        <Field
          key={r.field.id}
          id={`cf-${r.field.name}`}
          label={r.field.label}
          optional
          hint={r.field.description || `{{custom.${r.field.name}}}`}
          error={checked && invalid.includes(r.field.name) ? 'Must be a number.' : null}
        >
          {(control) => (
            <FieldValueInput
              id={control.id}
              control={control}
              field={r.field}
              value={texts[r.field.name] ?? ''}
              onChange={(v) => setTexts((t) => ({ ...t, [r.field.name]: v }))}
            />
          )}
        </Field>
      ))}
    </FormDialogContent>
  );
}
