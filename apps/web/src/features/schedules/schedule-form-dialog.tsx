import { useId, useMemo, useState } from 'react';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input, Textarea } from '../../ui/input';
import { Select } from '../../ui/select';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { INTERPRETER_LABELS, KIND_LABELS } from '../commands/api';
import type { CommandKind, Interpreter, RunAs } from '../commands/api';
import { initialTarget, resolveTarget, TargetPicker } from '../commands/target-picker';
import type { TargetDraft } from '../commands/target-picker';
import { LANGUAGE_LABELS, useScript, useScriptChoices } from '../scripts/api';
import { checkParameterValues, initialParameterValues, ParameterInputs, parameterPayload } from '../scripts/parameter-inputs';
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
    // The schedule keeps ids only: shown by a short id until the devices list is opened.
    return {
      type: 'devices',
      devices: t.ids.map((id) => ({ id, hostname: `device ${id.slice(0, 8)}` })),
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
  const scripts = useScriptChoices(partnerId);

  const action = schedule?.action;
  const [name, setName] = useState(schedule?.name ?? '');
  const [description, setDescription] = useState(schedule?.description ?? '');
  const [cron, setCron] = useState(schedule?.cron ?? '0 2 * * *');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? browserZone());
  const [kind, setKind] = useState<CommandKind>(action?.kind ?? 'script');
  const [scriptId, setScriptId] = useState(action?.script_id ?? '');
  const [values, setValues] = useState<ParameterValues>(() => parameterValuesOf(action?.parameters));
  const [command, setCommand] = useState(action?.command ?? '');
  const [interpreter, setInterpreter] = useState<Interpreter>(action?.interpreter ?? 'bash');
  const [timeout, setTimeoutText] = useState(action?.timeout_seconds ? String(action.timeout_seconds) : '');
  const [runAs, setRunAs] = useState<RunAs>(action?.run_as ?? 'system');
  const [draft, setDraft] = useState<TargetDraft>(() => draftOf(schedule));
  const [checked, setChecked] = useState(false);
  const [filledFor, setFilledFor] = useState<string | null>(action?.script_id ?? null);

  const script = useScript(partnerId, scriptId, kind === 'script' && Boolean(scriptId));
  const loaded = script.data && script.data.id === scriptId ? script.data : undefined;
  // A newly picked script fills in its defaults (an edited schedule keeps its values).
  if (loaded && filledFor !== loaded.id) {
    setFilledFor(loaded.id);
    setValues(initialParameterValues(loaded.parameters));
    setTimeoutText(String(loaded.default_timeout_seconds));
    setRunAs(loaded.run_as);
  }

  const errors = formErrors(mutation.error, ['name', 'description', 'cron', 'timezone'], Boolean(schedule));
  const cronError = checkCron(cron);
  const zoneError = isValidTimezone(timezone.trim()) ? null : `“${timezone}” is not a known IANA time zone (e.g. Europe/London).`;
  const parameterErrors = loaded ? checkParameterValues(loaded.parameters, values) : {};
  const timeoutValue = timeout.trim() ? Number(timeout) : null;
  const timeoutError =
    timeoutValue !== null && !(Number.isInteger(timeoutValue) && timeoutValue >= 1 && timeoutValue <= 86_400)
      ? 'Between 1 and 86,400 seconds.'
      : null;
  const resolved = resolveTarget(draft);
  const presetId = `${id}-preset`;
  const preset = CRON_PRESETS.find((p) => p.cron === cron.trim())?.cron ?? '';

  function submit() {
    setChecked(true);
    if (!name.trim() || cronError || zoneError || timeoutError || !('target' in resolved)) return;
    if (kind === 'script' && (!loaded || Object.keys(parameterErrors).length > 0)) return;
    if (kind === 'shell' && !command.trim()) return;
    const body: ScheduleInput = {
      name: name.trim(),
      description: description.trim(),
      enabled: schedule?.enabled ?? true,
      cron: cron.trim(),
      timezone: timezone.trim(),
      target: resolved.target,
      action:
        kind === 'script' && loaded
          ? {
              kind,
              script_id: loaded.id,
              parameters: parameterPayload(loaded.parameters, values),
              ...(timeoutValue ? { timeout_seconds: timeoutValue } : {}),
              run_as: runAs,
            }
          : kind === 'shell'
            ? { kind, command, interpreter, ...(timeoutValue ? { timeout_seconds: timeoutValue } : {}), run_as: runAs }
            : { kind },
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
      <Field
        id="schedule-name"
        label="Name"
        error={errors.fieldErrors.name ?? (checked && !name.trim() ? 'Name must not be empty.' : null)}
      >
        {(control) => (
          <Input
            {...control}
            autoFocus
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Nightly cleanup"
          />
        )}
      </Field>
      <Field id="schedule-description" label="Description" optional error={errors.fieldErrors.description}>
        {(control) => (
          <Textarea {...control} rows={2} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
        )}
      </Field>
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

      {kind === 'script' ? (
        <>
          <Field id="schedule-script" label="Script" error={checked && !scriptId ? 'Choose a script.' : null}>
            {(control) => (
              <Select {...control} value={scriptId} onChange={(e) => setScriptId(e.target.value)}>
                <option value="">{scripts.isPending ? 'Loading scripts…' : 'Choose a script…'}</option>
                {scriptId && !(scripts.data ?? []).some((s) => s.id === scriptId) ? (
                  <option value={scriptId}>{loaded?.name ?? 'Current script'}</option>
                ) : null}
                {(scripts.data ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({LANGUAGE_LABELS[s.language] ?? s.language})
                  </option>
                ))}
              </Select>
            )}
          </Field>
          {loaded ? (
            <ParameterInputs
              idPrefix="schedule"
              parameters={loaded.parameters}
              values={values}
              onChange={setValues}
              errors={checked ? parameterErrors : {}}
            />
          ) : null}
        </>
      ) : null}
      {kind === 'shell' ? (
        <>
          <Field id="schedule-interpreter" label="Interpreter">
            {(control) => (
              <Select {...control} value={interpreter} onChange={(e) => setInterpreter(e.target.value as Interpreter)}>
                {(Object.keys(INTERPRETER_LABELS) as Interpreter[]).map((i) => (
                  <option key={i} value={i}>
                    {INTERPRETER_LABELS[i]}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field id="schedule-command" label="Command" error={checked && !command.trim() ? 'Enter a command.' : null}>
            {(control) => (
              <Textarea
                {...control}
                rows={4}
                spellCheck={false}
                className="font-mono text-xs"
                value={command}
                onChange={(e) => setCommand(e.target.value)}
              />
            )}
          </Field>
        </>
      ) : null}
      {kind === 'script' || kind === 'shell' ? (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field id="schedule-timeout" label="Timeout (seconds)" optional error={checked ? timeoutError : null}>
            {(control) => (
              <Input
                {...control}
                inputMode="numeric"
                value={timeout}
                placeholder="The script’s default"
                onChange={(e) => setTimeoutText(e.target.value)}
              />
            )}
          </Field>
          <Field id="schedule-run-as" label="Run as">
            {(control) => (
              <Select {...control} value={runAs} onChange={(e) => setRunAs(e.target.value as RunAs)}>
                <option value="system">System (root / SYSTEM)</option>
                <option value="user">Logged-in user</option>
              </Select>
            )}
          </Field>
        </div>
      ) : null}
      <TargetPicker
        partnerId={partnerId}
        value={draft}
        onChange={setDraft}
        error={checked && 'error' in resolved ? resolved.error : null}
      />
    </FormDialogContent>
  );
}
