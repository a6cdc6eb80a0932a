import { useId, useMemo, useState } from 'react';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { NameDescriptionFields } from '../../ui/name-description-fields';
import { Select } from '../../ui/select';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { ActionFields, useActionForm } from '../commands/action-fields';
import { KIND_LABELS } from '../commands/api';
import type { CommandKind } from '../commands/api';
import { initialTarget, resolveTarget, TargetPicker, useDeviceNames } from '../commands/target-picker';
import type { TargetDraft } from '../commands/target-picker';
import type { ParameterValues } from '../scripts/parameter-inputs';
import { isValidTimezone, timezoneNames } from '../sites/timezones';
import { checkCron, CRON_PRESETS, useCreateSchedule, useUpdateSchedule } from './api';
import type { Schedule, ScheduleInput } from './api';

const KINDS: CommandKind[] = ['script', 'shell', 'reboot', 'inventory_refresh'];

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function draftOf(schedule: Schedule | undefined): TargetDraft {
  if (!schedule) return initialTarget(undefined);
  const t = schedule.target;
  if (t.type === 'devices') {
    // The schedule keeps ids only: useDeviceNames fills in the hostnames.
    return {
      type: 'devices',
      devices: t.ids.map((id) => ({ id, hostname: '' })),
      organizationId: '',
      siteId: '',
      filterId: '',
    };
  }
  if (t.type === 'partner') return { ...initialTarget(undefined), type: 'partner' };
  return initialTarget(undefined, t);
}

function parameterValuesOf(values: Record<string, unknown> | undefined): ParameterValues {
  const out: ParameterValues = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    if (typeof v === 'boolean') out[k] = v;
    else if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

export function ScheduleFormDialog({
  partnerId,
  open,
  onOpenChange,
  schedule,
}: {
  partnerId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  schedule?: Schedule;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <ScheduleForm partnerId={partnerId} schedule={schedule} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function ScheduleForm({ partnerId, schedule, onDone }: { partnerId: string; schedule?: Schedule; onDone: () => void }) {
  const id = useId();
  const { toast } = useToast();
  const create = useCreateSchedule(partnerId);
  const update = useUpdateSchedule(partnerId);
  const mutation = schedule ? update : create;
  const zones = useMemo(() => timezoneNames(), []);

  const action = schedule?.action;
  const [name, setName] = useState(schedule?.name ?? '');
  const [description, setDescription] = useState(schedule?.description ?? '');
  const [cron, setCron] = useState(schedule?.cron ?? '0 2 * * *');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? browserZone());
  const [kind, setKind] = useState<CommandKind>(action?.kind ?? 'script');
  const form = useActionForm(
    partnerId,
    kind,
    {
      scriptId: action?.script_id ?? '',
      values: parameterValuesOf(action?.parameters),
      command: action?.command ?? '',
      interpreter: action?.interpreter ?? 'bash',
      timeout: action?.timeout_seconds ? String(action.timeout_seconds) : '',
      runAs: action?.run_as ?? 'system',
    },
    // An edited schedule keeps its values; a newly picked script fills in its defaults.
    { filledFor: action?.script_id ?? null, timeoutOptional: true },
  );
  const [draft, setDraft] = useState<TargetDraft>(() => draftOf(schedule));
  const [checked, setChecked] = useState(false);
  const shownDraft = useDeviceNames(partnerId, draft);

  const errors = formErrors(mutation.error, ['name', 'description', 'cron', 'timezone'], Boolean(schedule));
  const cronError = checkCron(cron);
  const zoneError = isValidTimezone(timezone.trim()) ? null : `“${timezone}” is not a known IANA time zone (e.g. Europe/London).`;
  const resolved = resolveTarget(draft);
  const presetId = `${id}-preset`;
  const preset = CRON_PRESETS.find((p) => p.cron === cron.trim())?.cron ?? '';

  function submit() {
    setChecked(true);
    if (!name.trim() || cronError || zoneError || !form.isValid() || !('target' in resolved)) return;
    const body: ScheduleInput = {
      name: name.trim(),
      description: description.trim(),
      enabled: schedule?.enabled ?? true,
      cron: cron.trim(),
      timezone: timezone.trim(),
      target: resolved.target,
      action: form.payload(),
    };
    const done = (saved: Schedule, verb: string) => {
      toast({
        title: `Schedule “${saved.name}” ${verb}`,
        description: saved.next_run_at
          ? `Next run ${new Date(saved.next_run_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}.`
          : saved.enabled
            ? undefined
            : 'It is disabled: nothing runs until you enable it.',
      });
      onDone();
    };
    if (schedule) update.mutate({ id: schedule.id, version: schedule.version, ...body }, { onSuccess: (s) => done(s, 'saved') });
    else create.mutate(body, { onSuccess: (s) => done(s, 'created') });
  }

  return (
    <FormDialogContent
      title={schedule ? 'Edit schedule' : 'New schedule'}
      description="Runs a script, a command, a reboot or an inventory refresh on a cron schedule. A firing missed while the server was down runs once when it is back."
      submitLabel={schedule ? 'Save' : 'Create schedule'}
      pending={mutation.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'schedule', onReload: onDone, reloading: false } : null}
      className="max-w-2xl"
      onSubmit={submit}
      onCancel={onDone}
    >
      <NameDescriptionFields
        idPrefix="schedule"
        name={name}
        onNameChange={setName}
        nameError={errors.fieldErrors.name ?? (checked && !name.trim() ? 'Name must not be empty.' : null)}
        namePlaceholder="e.g. Nightly cleanup"
        description={description}
        onDescriptionChange={setDescription}
        descriptionError={errors.fieldErrors.description}
        descriptionPlaceholder="What it is for, e.g. frees disk space on the file servers"
      />
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <label htmlFor={presetId} className="text-xs font-medium">
            When
          </label>
          <Select id={presetId} value={preset} onChange={(e) => e.target.value && setCron(e.target.value)}>
            <option value="">Custom cron expression</option>
            {CRON_PRESETS.map((p) => (
              <option key={p.cron} value={p.cron}>
                {p.label}
              </option>
            ))}
          </Select>
        </div>
        <Field
          id="schedule-cron"
          label="Cron expression"
          hint={
            schedule?.next_run_at && cron.trim() === schedule.cron ? (
              <>
                Next run <Time value={schedule.next_run_at} mode="datetime" /> (shown after saving for a new expression).
              </>
            ) : (
              'minute hour day-of-month month day-of-week. The next run is shown after saving.'
            )
          }
          error={errors.fieldErrors.cron ?? (checked ? cronError : null)}
        >
          {(control) => (
            <Input
              {...control}
              className="font-mono"
              spellCheck={false}
              autoComplete="off"
              value={cron}
              onChange={(e) => setCron(e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field
        id="schedule-timezone"
        label="Time zone"
        hint="The cron times are read in this zone (daylight saving included)."
        error={errors.fieldErrors.timezone ?? (checked ? zoneError : null)}
      >
        {(control) => (
          <>
            <Input
              {...control}
              list={`${id}-zones`}
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              value={timezone}
              onChange={(e) => setTimezone(e.target.value)}
            />
            <datalist id={`${id}-zones`}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>

      <Field id="schedule-kind" label="Action">
        {(control) => (
          <Select {...control} value={kind} onChange={(e) => setKind(e.target.value as CommandKind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k === 'shell' ? 'Run a command' : k === 'script' ? 'Run a script' : KIND_LABELS[k]}
              </option>
            ))}
          </Select>
        )}
      </Field>

      {kind === 'script' || kind === 'shell' ? (
        <ActionFields kind={kind} idPrefix="schedule" partnerId={partnerId} form={form} checked={checked} commandRows={4} />
      ) : null}
      <TargetPicker
        partnerId={partnerId}
        value={shownDraft}
        // The picker never changes the devices: keep them by id, not by the names shown.
        onChange={(next) => setDraft({ ...next, devices: draft.devices })}
        error={checked && 'error' in resolved ? resolved.error : null}
      />
    </FormDialogContent>
  );
}
