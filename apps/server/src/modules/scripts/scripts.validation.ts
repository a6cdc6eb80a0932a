import { AppError } from '../../platform/http/errors.js';
import type { Language, OperatingSystem, ScriptParameterInput, StoredParameter } from './scripts.schemas.js';

/** A parameter name: it becomes CLOUDRMM_PARAM_<NAME> on the device and {{...}} nowhere else. */
export const PARAMETER_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const MAX_STRING_DEFAULT = 4000;

const invalid = (field: string, message: string) => new AppError('validation_failed', message, { field });

/**
 * Checks a script's parameters and returns them as stored: every field present,
 * choices only on choice parameters, no default on secrets. Each error names
 * the parameter and the field (`parameters.2.default`).
 */
export function normalizeParameters(input: ScriptParameterInput[]): StoredParameter[] {
  const seen = new Set<string>();
  return input.map((p, i) => {
    const at = (f: string) => `parameters.${i}.${f}`;
    const name = p.name.trim();
    if (!PARAMETER_NAME.test(name)) {
      throw invalid(
        at('name'),
        `parameter name "${p.name}" must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)`,
      );
    }
    if (seen.has(name)) throw invalid(at('name'), `parameter name "${name}" is used twice; names must be unique`);
    seen.add(name);

    const choices = (p.choices ?? []).map((c) => c.trim());
    if (p.type === 'choice') {
      if (choices.length === 0) throw invalid(at('choices'), `choice parameter "${name}" needs at least one choice`);
      if (choices.some((c) => c === '')) throw invalid(at('choices'), `choice parameter "${name}" has an empty choice`);
      if (new Set(choices).size !== choices.length) {
        throw invalid(at('choices'), `choice parameter "${name}" lists a choice twice`);
      }
    } else if (choices.length > 0) {
      throw invalid(at('choices'), `only choice parameters have choices ("${name}" is a ${p.type} parameter)`);
    }

    const value = p.default ?? null;
    let stored: StoredParameter['default'] = null;
    if (p.type === 'secret') {
      if (value !== null && value !== '') {
        throw invalid(
          at('default'),
          `secret parameter "${name}" may not have a default: it would be stored in clear; the value is entered at each run`,
        );
      }
    } else if (p.type === 'choice') {
      if (typeof value !== 'string' || !choices.includes(value)) {
        throw invalid(
          at('default'),
          `choice parameter "${name}" needs a default that is one of its choices (${choices.join(', ')})`,
        );
      }
      stored = value;
    } else if (value !== null) {
      stored = defaultOf(p.type, value, name, at('default'));
    }

    return {
      name,
      label: p.label?.trim() || name,
      type: p.type,
      required: p.required ?? false,
      default: stored,
      choices: p.type === 'choice' ? choices : [],
      description: p.description?.trim() ?? '',
    };
  });
}

function defaultOf(
  type: 'string' | 'number' | 'boolean',
  value: unknown,
  name: string,
  field: string,
): string | number | boolean {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw invalid(field, `the default of "${name}" must be text`);
      if (value.length > MAX_STRING_DEFAULT) {
        throw invalid(field, `the default of "${name}" is longer than ${MAX_STRING_DEFAULT} characters`);
      }
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalid(field, `the default of number parameter "${name}" must be a number`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(field, `the default of boolean parameter "${name}" must be true or false`);
      return value;
  }
}

/**
 * Where a language can run: cmd only on Windows; bash and sh not on Windows
 * (the agent has no POSIX shell there); PowerShell (pwsh on Linux and macOS)
 * and Python everywhere.
 */
export function checkLanguageOs(language: Language, targetOs: OperatingSystem[]): void {
  if (language === 'cmd' && targetOs.some((os) => os !== 'win32')) {
    throw invalid('target_os', 'cmd scripts run only on Windows: target win32 alone, or use PowerShell, bash or sh');
  }
  if ((language === 'bash' || language === 'sh') && targetOs.includes('win32')) {
    throw invalid('target_os', `${language} scripts do not run on Windows: target linux and darwin, or use PowerShell`);
  }
}
