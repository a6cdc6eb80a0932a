import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import { Button } from '../../ui/button';
import { Field } from '../../ui/field';
import { Input, Textarea } from '../../ui/input';
import { Select } from '../../ui/select';
import { blankParameter, PARAMETER_NAME, PARAMETER_TYPE_LABELS, PARAMETER_TYPES } from './api';
import type { ParameterType, ScriptParameter } from './api';

/*
 * The parameter form builder (AUT2): each parameter reaches the script as an
 * argument (in this order) and as CLOUDRMM_PARAM_<NAME>, never as shell text.
 */

/** Problems with the parameter definitions, by "index.field". */
export function checkParameters(parameters: ScriptParameter[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const seen = new Set<string>();
  parameters.forEach((p, i) => {
    if (!PARAMETER_NAME.test(p.name)) {
      errors[`${i}.name`] = 'Lower-case letters, digits and _, starting with a letter (e.g. service_name).';
    } else if (seen.has(p.name)) {
      errors[`${i}.name`] = `Another parameter is already called “${p.name}”.`;
    }
    seen.add(p.name);
    if (!p.label.trim()) errors[`${i}.label`] = 'Label must not be empty.';
    const choices = cleanChoices(p.choices);
    if (p.type === 'choice' && choices.length === 0) errors[`${i}.choices`] = 'Add at least one choice, one per line.';
    const d = p.default;
    if (p.type === 'number' && typeof d === 'string' && d.trim() && !Number.isFinite(Number(d))) {
      errors[`${i}.default`] = 'The default must be a number.';
    }
    if (p.type === 'choice' && typeof d === 'string' && d && !choices.includes(d)) {
      errors[`${i}.default`] = 'The default must be one of the choices.';
    }
  });
  return errors;
}

function cleanChoices(choices: string[]): string[] {
  return [...new Set(choices.map((c) => c.trim()).filter(Boolean))];
}

/** The parameters as the API takes them: trimmed, typed defaults, no stray choices. */
export function normaliseParameters(parameters: ScriptParameter[]): ScriptParameter[] {
  return parameters.map((p) => {
    let d: ScriptParameter['default'] = p.default;
    if (p.type === 'secret') d = null;
    else if (p.type === 'boolean') d = d === true || d === 'true';
    else if (typeof d === 'string') {
      const t = d.trim();
      d = t === '' ? null : p.type === 'number' ? Number(t) : t;
    }
    return {
      name: p.name.trim(),
      label: p.label.trim(),
      type: p.type,
      required: p.required,
      default: d,
      choices: p.type === 'choice' ? cleanChoices(p.choices) : [],
      description: p.description.trim(),
    };
  });
}

export function ParameterBuilder({
  parameters,
  onChange,
  errors,
  readOnly,
}: {
  parameters: ScriptParameter[];
  onChange: (parameters: ScriptParameter[]) => void;
  errors: Record<string, string>;
  readOnly: boolean;
}) {
  const update = (index: number, patch: Partial<ScriptParameter>) =>
    onChange(parameters.map((p, i) => (i === index ? { ...p, ...patch } : p)));
  const move = (index: number, by: -1 | 1) => {
    const next = [...parameters];
    const [item] = next.splice(index, 1);
    if (item) next.splice(index + by, 0, item);
    onChange(next);
  };

  return (
    <div className="grid gap-3">
      {parameters.length === 0 ? (
        <p className="text-[13px] text-muted-foreground">
          No parameters. Add one to ask for a value at each run; the script reads it as an argument and as the environment
          variable <code className="font-mono text-xs">CLOUDRMM_PARAM_&lt;NAME&gt;</code>.
        </p>
      ) : null}
      <ol className="grid gap-3">
        {parameters.map((p, i) => {
          const id = `script-param-${i}`;
          const title = p.label.trim() || p.name || `Parameter ${i + 1}`;
          return (
            <li
              key={i}
              aria-label={`Parameter ${i + 1}: ${title}`}
              className="grid gap-3 rounded-md border border-border bg-muted/30 p-3"
            >
              <div className="flex items-center justify-between gap-2">
                <p className="text-xs font-semibold text-foreground">
                  {i + 1}. {title}{' '}
                  <span className="font-mono font-normal text-muted-foreground">
                    CLOUDRMM_PARAM_{(p.name || 'name').toUpperCase()}
                  </span>
                </p>
                {readOnly ? null : (
                  <div className="flex items-center gap-0.5">
                    <Button
                      size="icon-sm"
                      variant="subtle"
                      aria-label={`Move ${title} up`}
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      <ArrowUp aria-hidden="true" />
                    </Button>
                    <Button
                      size="icon-sm"
                      variant="subtle"
                      aria-label={`Move ${title} down`}
                      disabled={i === parameters.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      <ArrowDown aria-hidden="true" />
                    </Button>
                    <Button
                      size="sm"
                      variant="destructive-subtle"
                      aria-label={`Remove ${title}`}
                      onClick={() => onChange(parameters.filter((_, j) => j !== i))}
                    >
                      <Trash2 aria-hidden="true" />
                      Remove
                    </Button>
                  </div>
                )}
              </div>
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                <Field id={`${id}-name`} label="Name" error={errors[`${i}.name`]}>
                  {(control) => (
                    <Input
                      {...control}
                      className="font-mono"
                      readOnly={readOnly}
                      autoComplete="off"
                      spellCheck={false}
                      maxLength={63}
                      value={p.name}
                      onChange={(e) => update(i, { name: e.target.value.toLowerCase() })}
                    />
                  )}
                </Field>
                <Field id={`${id}-label`} label="Label" error={errors[`${i}.label`]}>
                  {(control) => (
                    <Input
                      {...control}
                      readOnly={readOnly}
                      maxLength={100}
                      value={p.label}
                      onChange={(e) => update(i, { label: e.target.value })}
                    />
                  )}
                </Field>
                <Field id={`${id}-type`} label="Type">
                  {(control) => (
                    <Select
                      {...control}
                      disabled={readOnly}
                      value={p.type}
                      onChange={(e) => {
                        const type = e.target.value as ParameterType;
                        update(i, { type, default: type === 'boolean' ? false : null });
                      }}
                    >
                      {PARAMETER_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {PARAMETER_TYPE_LABELS[t]}
                        </option>
                      ))}
                    </Select>
                  )}
                </Field>
                <DefaultField
                  id={`${id}-default`}
                  parameter={p}
                  readOnly={readOnly}
                  error={errors[`${i}.default`]}
                  onChange={(d) => update(i, { default: d })}
                />
              </div>
              <div className="grid gap-3 sm:grid-cols-2">
                {p.type === 'choice' ? (
                  <Field id={`${id}-choices`} label="Choices" hint="One per line." error={errors[`${i}.choices`]}>
                    {(control) => (
                      <Textarea
                        {...control}
                        readOnly={readOnly}
                        rows={3}
                        value={p.choices.join('\n')}
                        onChange={(e) => update(i, { choices: e.target.value.split('\n') })}
                      />
                    )}
                  </Field>
                ) : null}
                <Field id={`${id}-description`} label="Help text" optional>
                  {(control) => (
                    <Input
                      {...control}
                      readOnly={readOnly}
                      maxLength={500}
                      value={p.description}
                      onChange={(e) => update(i, { description: e.target.value })}
                      placeholder="Shown under the input when the script is run"
                    />
                  )}
                </Field>
              </div>
              <div className="flex items-center gap-2">
                <input
                  id={`${id}-required`}
                  type="checkbox"
                  disabled={readOnly}
                  checked={p.required}
                  onChange={(e) => update(i, { required: e.target.checked })}
                  className="size-4 cursor-pointer rounded border-input accent-primary"
                />
                <label htmlFor={`${id}-required`} className="cursor-pointer text-[13px] select-none">
                  Required
                </label>
              </div>
            </li>
          );
        })}
      </ol>
      {readOnly ? null : (
        <div>
          <Button onClick={() => onChange([...parameters, blankParameter(parameters)])}>
            <Plus aria-hidden="true" />
            Add parameter
          </Button>
        </div>
      )}
    </div>
  );
}

function DefaultField({
  id,
  parameter: p,
  readOnly,
  error,
  onChange,
}: {
  id: string;
  parameter: ScriptParameter;
  readOnly: boolean;
  error?: string;
  onChange: (value: ScriptParameter['default']) => void;
}) {
  if (p.type === 'secret') {
    return (
      <Field id={id} label="Default" hint="Secrets are entered at each run.">
        {(control) => <Input {...control} disabled value="" placeholder="None" />}
      </Field>
    );
  }
  const text = p.default === null || p.default === undefined ? '' : String(p.default);
  return (
    <Field id={id} label="Default" optional error={error}>
      {(control) =>
        p.type === 'boolean' ? (
          <Select
            {...control}
            disabled={readOnly}
            value={text === 'true' ? 'true' : 'false'}
            onChange={(e) => onChange(e.target.value === 'true')}
          >
            <option value="false">No</option>
            <option value="true">Yes</option>
          </Select>
        ) : p.type === 'choice' ? (
          <Select {...control} disabled={readOnly} value={text} onChange={(e) => onChange(e.target.value || null)}>
            <option value="">None</option>
            {cleanChoices(p.choices).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </Select>
        ) : (
          <Input
            {...control}
            readOnly={readOnly}
            inputMode={p.type === 'number' ? 'decimal' : undefined}
            value={text}
            onChange={(e) => onChange(e.target.value)}
            placeholder={p.type === 'string' ? 'e.g. {{device.hostname}}' : undefined}
          />
        )
      }
    </Field>
  );
}
