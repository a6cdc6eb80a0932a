import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Field } from '../../ui/field';
import { Input, Textarea } from '../../ui/input';
import { Select } from '../../ui/select';
import { LANGUAGE_LABELS, useScript, useScriptChoices } from '../scripts/api';
import { checkParameterValues, initialParameterValues, ParameterInputs, parameterPayload } from '../scripts/parameter-inputs';
import type { ParameterValues } from '../scripts/parameter-inputs';
import { INTERPRETER_LABELS } from './api';
import type { CreateTaskInput, Interpreter, RunAs } from './api';

/*
 * What a task runs, as a form: a script with its parameters, or a one-off
 * command; then its timeout and who it runs as. The run dialogs and the
 * schedule form share it.
 */

export type ActionKind = 'script' | 'shell';

export interface ActionValues {
  scriptId: string;
  values: ParameterValues;
  command: string;
  interpreter: Interpreter;
  /** As typed; blank means the script's default where the timeout is optional. */
  timeout: string;
  runAs: RunAs;
}

export const DEFAULT_ACTION: ActionValues = {
  scriptId: '',
  values: {},
  command: '',
  interpreter: 'bash',
  timeout: '300',
  runAs: 'system',
};

const TIMEOUT_ERROR = 'Between 1 and 86,400 seconds.';

/**
 * The action being edited. A newly chosen script fills in its defaults;
 * `filledFor` names a script whose values are already set (an edited schedule keeps them).
 */
export function useActionForm(
  partnerId: string,
  kind: string,
  initial: Partial<ActionValues>,
  options: { filledFor?: string | null; timeoutOptional?: boolean } = {},
) {
  const [state, setState] = useState<ActionValues>(() => ({ ...DEFAULT_ACTION, ...initial }));
  const [filledFor, setFilledFor] = useState<string | null>(options.filledFor ?? null);
  const script = useScript(partnerId, state.scriptId, kind === 'script' && Boolean(state.scriptId));
  const loaded = script.data && script.data.id === state.scriptId ? script.data : undefined;
  if (loaded && filledFor !== loaded.id) {
    setFilledFor(loaded.id);
    setState((s) => ({
      ...s,
      values: initialParameterValues(loaded.parameters),
      timeout: String(loaded.default_timeout_seconds),
      runAs: loaded.run_as,
    }));
  }

  const parameters = loaded?.parameters ?? [];
  const parameterErrors = checkParameterValues(parameters, state.values);
  const timeoutText = state.timeout.trim();
  const timeoutNumber = Number(timeoutText);
  const timeoutValid = Number.isInteger(timeoutNumber) && timeoutNumber >= 1 && timeoutNumber <= 86_400;
  const timeoutValue = timeoutText && timeoutValid ? timeoutNumber : null;
  const timeoutError = (timeoutText ? !timeoutValid : !options.timeoutOptional) ? TIMEOUT_ERROR : null;

  /** Whether the action can be sent: a loaded script with valid parameters, or a command. */
  function isValid(): boolean {
    if (kind !== 'script' && kind !== 'shell') return true;
    if (timeoutError) return false;
    if (kind === 'script') return Boolean(loaded) && filledFor === loaded?.id && Object.keys(parameterErrors).length === 0;
    if (kind === 'shell') return Boolean(state.command.trim());
    return true;
  }

  /** The action as the API takes it (kinds other than script and shell carry nothing more). */
  function payload(): Omit<CreateTaskInput, 'target'> {
    const timeout = timeoutValue ? { timeout_seconds: timeoutValue } : {};
    if (kind === 'script' && loaded) {
      return {
        kind: 'script',
        script_id: loaded.id,
        parameters: parameterPayload(parameters, state.values),
        ...timeout,
        run_as: state.runAs,
      };
    }
    if (kind === 'shell') {
      return { kind: 'shell', command: state.command, interpreter: state.interpreter, ...timeout, run_as: state.runAs };
    }
    return { kind: kind as CreateTaskInput['kind'] };
  }

  return {
    ...state,
    set: (patch: Partial<ActionValues>) => setState((s) => ({ ...s, ...patch })),
    script,
    loaded,
    parameterErrors,
    timeoutError,
    timeoutOptional: Boolean(options.timeoutOptional),
    isValid,
    payload,
  };
}

export type ActionForm = ReturnType<typeof useActionForm>;

/**
 * The fields of a script or command action. Ids are `${idPrefix}-script`,
 * `-interpreter`, `-command`, `-timeout` and `-run-as`.
 */
export function ActionFields({
  kind,
  idPrefix,
  partnerId,
  form,
  checked,
  commandAutoFocus,
  commandRows = 5,
  commandPlaceholder,
}: {
  kind: ActionKind;
  idPrefix: string;
  partnerId: string;
  form: ActionForm;
  /** Submit was tried: show what is missing. */
  checked: boolean;
  commandAutoFocus?: boolean;
  commandRows?: number;
  commandPlaceholder?: boolean;
}) {
  return (
    <>
      {kind === 'script' ? (
        <ScriptFields idPrefix={idPrefix} partnerId={partnerId} form={form} checked={checked} />
      ) : (
        <CommandFields
          idPrefix={idPrefix}
          form={form}
          checked={checked}
          autoFocus={commandAutoFocus}
          rows={commandRows}
          placeholder={commandPlaceholder}
        />
      )}
      {/* A script's timeout and run-as start from the script's own: shown once it is loaded. */}
      {kind === 'shell' || form.loaded ? <TimeoutRunAsFields idPrefix={idPrefix} form={form} checked={checked} /> : null}
    </>
  );
}

function ScriptFields({
  idPrefix,
  partnerId,
  form,
  checked,
}: {
  idPrefix: string;
  partnerId: string;
  form: ActionForm;
  checked: boolean;
}) {
  const scripts = useScriptChoices(partnerId);
  const { scriptId, loaded, script } = form;
  const choices = scripts.data ?? [];
  return (
    <>
      <Field
        id={`${idPrefix}-script`}
        label="Script"
        hint={loaded?.description || undefined}
        error={checked && !scriptId ? 'Choose a script.' : null}
      >
        {(control) => (
          <Select {...control} value={scriptId} onChange={(e) => form.set({ scriptId: e.target.value })}>
            <option value="">{scripts.isPending ? 'Loading scripts…' : 'Choose a script…'}</option>
            {scriptId && !choices.some((s) => s.id === scriptId) ? (
              <option value={scriptId}>{loaded?.name ?? 'Current script'}</option>
            ) : null}
            {choices.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({LANGUAGE_LABELS[s.language] ?? s.language}){s.owner === 'platform' ? ' · Platform' : ''}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {scriptId && !loaded ? (
        script.isError ? (
          <Alert>Could not load the script: {errorMessage(script.error)}</Alert>
        ) : (
          <p className="text-[13px] text-muted-foreground" role="status">
            Loading the script…
          </p>
        )
      ) : null}
      {loaded ? (
        <ParameterInputs
          idPrefix={idPrefix}
          parameters={loaded.parameters}
          values={form.values}
          onChange={(values) => form.set({ values })}
          errors={checked ? form.parameterErrors : {}}
        />
      ) : null}
    </>
  );
}

function CommandFields({
  idPrefix,
  form,
  checked,
  autoFocus,
  rows,
  placeholder,
}: {
  idPrefix: string;
  form: ActionForm;
  checked: boolean;
  autoFocus?: boolean;
  rows: number;
  placeholder?: boolean;
}) {
  return (
    <>
      <Field id={`${idPrefix}-interpreter`} label="Interpreter">
        {(control) => (
          <Select
            {...control}
            value={form.interpreter}
            onChange={(e) => form.set({ interpreter: e.target.value as Interpreter })}
          >
            {(Object.keys(INTERPRETER_LABELS) as Interpreter[]).map((i) => (
              <option key={i} value={i}>
                {INTERPRETER_LABELS[i]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field id={`${idPrefix}-command`} label="Command" error={checked && !form.command.trim() ? 'Enter a command.' : null}>
        {(control) => (
          <Textarea
            {...control}
            autoFocus={autoFocus}
            rows={rows}
            spellCheck={false}
            className="font-mono text-xs"
            value={form.command}
            onChange={(e) => form.set({ command: e.target.value })}
            placeholder={
              placeholder
                ? form.interpreter === 'powershell'
                  ? 'Get-Service | Where-Object Status -eq Running'
                  : 'df -h && uptime'
                : undefined
            }
          />
        )}
      </Field>
    </>
  );
}

function TimeoutRunAsFields({ idPrefix, form, checked }: { idPrefix: string; form: ActionForm; checked: boolean }) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field
        id={`${idPrefix}-timeout`}
        label="Timeout (seconds)"
        optional={form.timeoutOptional}
        error={checked ? form.timeoutError : null}
      >
        {(control) => (
          <Input
            {...control}
            inputMode="numeric"
            value={form.timeout}
            placeholder={form.timeoutOptional ? 'The script’s default' : undefined}
            onChange={(e) => form.set({ timeout: e.target.value })}
          />
        )}
      </Field>
      <Field id={`${idPrefix}-run-as`} label="Run as">
        {(control) => (
          <Select {...control} value={form.runAs} onChange={(e) => form.set({ runAs: e.target.value as RunAs })}>
            <option value="system">System (root / SYSTEM)</option>
            <option value="user">Logged-in user</option>
          </Select>
        )}
      </Field>
    </div>
  );
}
