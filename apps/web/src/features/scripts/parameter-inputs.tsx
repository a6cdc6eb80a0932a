import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { Select } from '../../ui/select';
import type { ScriptParameter } from './api';

/*
 * The form a script's parameters make when it is run (AUT2): one input per
 * parameter, typed; secrets are masked and never pre-filled.
 */

export type ParameterValues = Record<string, string | boolean>;

/** The values a run starts with: each parameter's default (never a secret's). */
export function initialParameterValues(parameters: ScriptParameter[]): ParameterValues {
  const values: ParameterValues = {};
  for (const p of parameters) {
    if (p.type === 'boolean') values[p.name] = p.default === true || p.default === 'true';
    else if (p.type === 'secret') values[p.name] = '';
    else values[p.name] = p.default === null || p.default === undefined ? '' : String(p.default);
  }
  return values;
}

/** Problems with the entered values, by parameter name. */
export function checkParameterValues(parameters: ScriptParameter[], values: ParameterValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of parameters) {
    const value = values[p.name];
    if (p.type === 'boolean') continue;
    const text = typeof value === 'string' ? value : '';
    if (!text.trim()) {
      if (p.required) errors[p.name] = `${p.label || p.name} is required.`;
      continue;
    }
    // A number may also be a variable such as {{custom.port}}, filled in per device.
    if (p.type === 'number' && !/\{\{.+\}\}/.test(text) && !Number.isFinite(Number(text))) {
      errors[p.name] = `${p.label || p.name} must be a number.`;
    }
    if (p.type === 'choice' && !p.choices.includes(text)) errors[p.name] = `Choose one of the listed values.`;
  }
  return errors;
}

/** The values as the API takes them: numbers as numbers, blanks left out. */
export function parameterPayload(parameters: ScriptParameter[], values: ParameterValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of parameters) {
    const value = values[p.name];
    if (p.type === 'boolean') {
      out[p.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (!text.trim()) continue;
    out[p.name] = p.type === 'number' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return out;
}

export function ParameterInputs({
  idPrefix,
  parameters,
  values,
  onChange,
  errors,
}: {
  idPrefix: string;
  parameters: ScriptParameter[];
  values: ParameterValues;
  onChange: (values: ParameterValues) => void;
  errors: Record<string, string>;
}) {
  if (parameters.length === 0) return null;
  const set = (name: string, value: string | boolean) => onChange({ ...values, [name]: value });
  return (
    <fieldset className="grid gap-3 rounded-md border border-border p-3">
      <legend className="px-1 text-xs font-semibold text-foreground">Parameters</legend>
      {parameters.map((p) => {
        const id = `${idPrefix}-param-${p.name}`;
        const label = p.label || p.name;
        const value = values[p.name];
        if (p.type === 'boolean') {
          return (
            <div key={p.name} className="grid gap-0.5">
              <div className="flex items-center gap-2">
                <input
                  id={id}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => set(p.name, e.target.checked)}
                  className="size-4 cursor-pointer rounded border-input accent-primary"
                />
                <label htmlFor={id} className="cursor-pointer text-[13px] font-medium select-none">
                  {label}
                </label>
              </div>
              {p.description ? <p className="pl-6 text-xs text-muted-foreground">{p.description}</p> : null}
            </div>
          );
        }
        const hint = [p.description, p.type === 'secret' ? 'Stored encrypted; never shown again or logged.' : null]
          .filter(Boolean)
          .join(' ');
        return (
          <Field key={p.name} id={id} label={label} optional={!p.required} hint={hint || undefined} error={errors[p.name]}>
            {(control) =>
              p.type === 'choice' ? (
                <Select {...control} value={typeof value === 'string' ? value : ''} onChange={(e) => set(p.name, e.target.value)}>
                  <option value="">{p.required ? 'Choose…' : 'None'}</option>
                  {p.choices.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </Select>
              ) : (
                <Input
                  {...control}
                  type={p.type === 'secret' ? 'password' : 'text'}
                  inputMode={p.type === 'number' ? 'decimal' : undefined}
                  autoComplete={p.type === 'secret' ? 'new-password' : 'off'}
                  spellCheck={false}
                  value={typeof value === 'string' ? value : ''}
                  onChange={(e) => set(p.name, e.target.value)}
                  placeholder={p.type === 'string' ? 'Text, or a variable such as {{device.hostname}}' : undefined}
                />
              )
            }
          </Field>
        );
      })}
    </fieldset>
  );
}
