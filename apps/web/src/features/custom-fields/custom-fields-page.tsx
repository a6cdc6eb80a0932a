import { getRouteApi } from '@tanstack/react-router';
import { Plus, Tags } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { Dialog } from '../../ui/dialog';
import { EmptyState } from '../../ui/empty-state';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input, Textarea } from '../../ui/input';
import { PageHeader } from '../../ui/page-header';
import { RowActions } from '../../ui/row-actions';
import { Select } from '../../ui/select';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import {
  ENTITY_LABELS,
  FIELD_ENTITIES,
  FIELD_NAME,
  FIELD_TYPE_LABELS,
  FIELD_TYPES,
  fieldValueText,
  useCreateField,
  useDeleteField,
  useFieldDefinitions,
  useUpdateField,
} from './api';
import type { FieldDefinition, FieldEntity, FieldType } from './api';
import { FieldValueInput, fieldValueToText, parseFieldValue } from './custom-fields-card';

const route = getRouteApi('/_app/partners/$partnerId/custom-fields');

/** Where custom fields are defined (DEV9): per partner, for organizations, sites and devices. */
export function CustomFieldsPage() {
  const { partnerId } = route.useParams();
  const partner = usePartnerSummary(partnerId);
  const definitions = useFieldDefinitions(partnerId);
  const canManage = useCan('custom_fields.manage');
  const remove = useDeleteField(partnerId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<
    { kind: 'create'; entity: FieldEntity } | { kind: 'edit' | 'delete'; field: FieldDefinition } | null
  >(null);
  useDocumentTitle('Custom fields', partner.name);

  const fields = definitions.data ?? [];
  const selected = dialog && dialog.kind !== 'create' ? dialog.field : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Custom fields"
        description={
          <>
            Your own fields on organizations, sites and devices — a customer number, a backup server, a licence key. Edit the
            values on each page; scripts read them as <code className="font-mono text-xs">{'{{custom.<name>}}'}</code> and{' '}
            <code className="font-mono text-xs">CLOUDRMM_CUSTOM_&lt;NAME&gt;</code> (the device’s value wins over its site’s, then
            its organization’s).
          </>
        }
      />
      {definitions.isError ? <Alert title="Could not load the custom fields">{errorMessage(definitions.error)}</Alert> : null}
      {FIELD_ENTITIES.map((entity) => {
        const rows = fields.filter((f) => f.entity === entity);
        const headingId = `custom-fields-${entity}-heading`;
        return (
          <Card key={entity} aria-labelledby={headingId}>
            <CardHeader>
              <CardTitle id={headingId}>{ENTITY_LABELS[entity]} fields</CardTitle>
              {canManage ? (
                <Button size="sm" onClick={() => setDialog({ kind: 'create', entity })}>
                  <Plus aria-hidden="true" />
                  New {ENTITY_LABELS[entity].toLowerCase()} field
                </Button>
              ) : null}
            </CardHeader>
            {!definitions.data ? (
              <div className="p-4">
                <Skeleton className="h-8" />
              </div>
            ) : rows.length === 0 ? (
              <EmptyState icon={Tags} title={`No ${ENTITY_LABELS[entity].toLowerCase()} fields yet`} className="py-6" />
            ) : (
              <Table className="table-fixed">
                <TableCaption>{ENTITY_LABELS[entity]} fields</TableCaption>
                <TableHeader>
                  <tr>
                    <TableHead scope="col">Label</TableHead>
                    <TableHead scope="col" className="w-48">
                      Name
                    </TableHead>
                    <TableHead scope="col" className="w-28">
                      Type
                    </TableHead>
                    <TableHead scope="col" className="hidden w-48 md:table-cell">
                      Default
                    </TableHead>
                    {canManage ? (
                      <TableHead scope="col" className="w-44 text-right">
                        <span className="sr-only">Actions</span>
                      </TableHead>
                    ) : null}
                  </tr>
                </TableHeader>
                <TableBody>
                  {rows.map((f) => (
                    <TableRow key={f.id}>
                      <TableCell>
                        <span className="grid min-w-0" id={`field-${f.id}-name`}>
                          <Truncate text={f.label} className="font-medium" />
                          {f.description ? <Truncate text={f.description} className="text-xs text-muted-foreground" /> : null}
                        </span>
                      </TableCell>
                      <TableCell className="font-mono text-xs">
                        <Truncate text={f.name} />
                      </TableCell>
                      <TableCell>
                        {FIELD_TYPE_LABELS[f.type] ?? f.type}
                        {f.type === 'choice' ? (
                          <span className="text-xs text-muted-foreground"> ({f.choices.length})</span>
                        ) : null}
                      </TableCell>
                      <TableCell className="hidden text-muted-foreground md:table-cell">
                        <Truncate text={fieldValueText(f, f.default_value) || '—'} />
                      </TableCell>
                      {canManage ? (
                        <TableCell className="text-right">
                          <RowActions
                            describedBy={`field-${f.id}-name`}
                            onEdit={() => setDialog({ kind: 'edit', field: f })}
                            onDelete={() => setDialog({ kind: 'delete', field: f })}
                          />
                        </TableCell>
                      ) : null}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </Card>
        );
      })}

      <Dialog open={dialog?.kind === 'create' || dialog?.kind === 'edit'} onOpenChange={(open) => !open && setDialog(null)}>
        {dialog?.kind === 'create' || dialog?.kind === 'edit' ? (
          <FieldForm
            partnerId={partnerId}
            entity={dialog.kind === 'create' ? dialog.entity : dialog.field.entity}
            field={dialog.kind === 'edit' ? dialog.field : undefined}
            onDone={() => setDialog(null)}
          />
        ) : null}
      </Dialog>
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete custom field?"
        description={
          selected ? (
            <>
              <strong className="font-semibold text-foreground">“{selected.label}”</strong> ({selected.name}) and its value on
              every {selected.entity} are deleted. Scripts that use{' '}
              <code className="font-mono">{`{{custom.${selected.name}}}`}</code> get an empty value.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!selected) return;
          await remove.mutateAsync(selected);
          toast({ title: `Custom field “${selected.label}” deleted` });
        }}
      />
    </div>
  );
}

/** "Customer number" → customer_number. */
function nameFromLabel(label: string): string {
  const n = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 63);
  return n;
}

function FieldForm({
  partnerId,
  entity,
  field,
  onDone,
}: {
  partnerId: string;
  entity: FieldEntity;
  field?: FieldDefinition;
  onDone: () => void;
}) {
  const create = useCreateField(partnerId);
  const update = useUpdateField(partnerId);
  const mutation = field ? update : create;
  const { toast } = useToast();
  const [label, setLabel] = useState(field?.label ?? '');
  const [name, setName] = useState(field?.name ?? '');
  const [nameTouched, setNameTouched] = useState(Boolean(field));
  const [type, setType] = useState<FieldType>(field?.type ?? 'text');
  const [choices, setChoices] = useState((field?.choices ?? []).join('\n'));
  const [defaultText, setDefaultText] = useState(fieldValueToText(field?.default_value));
  const [description, setDescription] = useState(field?.description ?? '');
  const [checked, setChecked] = useState(false);
  const errors = formErrors(mutation.error, ['name', 'label', 'type', 'choices', 'default_value', 'description'], Boolean(field));

  const effectiveName = nameTouched ? name : nameFromLabel(label);
  const choiceList = [
    ...new Set(
      choices
        .split('\n')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  ];
  const parsedDefault = parseFieldValue({ type }, defaultText);
  const local: Record<string, string> = {};
  if (!label.trim()) local.label = 'Label must not be empty.';
  if (!FIELD_NAME.test(effectiveName)) local.name = 'Lower-case letters, digits and _, starting with a letter.';
  if (type === 'choice' && choiceList.length === 0) local.choices = 'Add at least one choice, one per line.';
  if (parsedDefault === undefined) local.default_value = 'The default must be a number.';
  if (type === 'choice' && typeof parsedDefault === 'string' && !choiceList.includes(parsedDefault))
    local.default_value = 'The default must be one of the choices.';
  const shown = (f: string) => errors.fieldErrors[f] ?? (checked ? local[f] : undefined);

  return (
    <FormDialogContent
      title={field ? `Edit ${ENTITY_LABELS[entity].toLowerCase()} field` : `New ${ENTITY_LABELS[entity].toLowerCase()} field`}
      submitLabel={field ? 'Save' : 'Create field'}
      pending={mutation.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'field', onReload: onDone, reloading: false } : null}
      onSubmit={() => {
        setChecked(true);
        if (Object.keys(local).length > 0) return;
        const body = {
          entity,
          label: label.trim(),
          name: effectiveName,
          type,
          choices: type === 'choice' ? choiceList : [],
          default_value: parsedDefault ?? null,
          description: description.trim(),
        };
        const done = (saved: FieldDefinition) => {
          toast({ title: `Custom field “${saved.label}” ${field ? 'saved' : 'created'}` });
          onDone();
        };
        if (field) update.mutate({ id: field.id, version: field.version, ...body }, { onSuccess: done });
        else create.mutate(body, { onSuccess: done });
      }}
      onCancel={onDone}
    >
      <Field id="field-label" label="Label" error={shown('label')}>
        {(control) => (
          <Input
            {...control}
            autoFocus
            maxLength={100}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="e.g. Customer number"
          />
        )}
      </Field>
      <Field
        id="field-name"
        label="Name in scripts"
        hint={`{{custom.${effectiveName || 'name'}}} and CLOUDRMM_CUSTOM_${(effectiveName || 'name').toUpperCase()}`}
        error={shown('name')}
      >
        {(control) => (
          <Input
            {...control}
            className="font-mono"
            maxLength={63}
            readOnly={Boolean(field)}
            value={effectiveName}
            onChange={(e) => {
              setNameTouched(true);
              setName(e.target.value.toLowerCase());
            }}
          />
        )}
      </Field>
      <Field id="field-type" label="Type" error={shown('type')}>
        {(control) => (
          <Select
            {...control}
            value={type}
            onChange={(e) => {
              setType(e.target.value as FieldType);
              setDefaultText('');
            }}
          >
            {FIELD_TYPES.map((t) => (
              <option key={t} value={t}>
                {FIELD_TYPE_LABELS[t]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {type === 'choice' ? (
        <Field id="field-choices" label="Choices" hint="One per line." error={shown('choices')}>
          {(control) => <Textarea {...control} rows={4} value={choices} onChange={(e) => setChoices(e.target.value)} />}
        </Field>
      ) : null}
      <Field id="field-default" label="Default" optional hint="Used where no value is set." error={shown('default_value')}>
        {(control) => (
          <FieldValueInput
            id={control.id}
            control={control}
            field={{ type, choices: choiceList, label }}
            value={defaultText}
            onChange={setDefaultText}
          />
        )}
      </Field>
      <Field id="field-description" label="Description" optional error={shown('description')}>
        {(control) => <Input {...control} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
    </FormDialogContent>
  );
}
