import { DEFAULT_OUTPUT_CAP_BYTES, type CommandPayload, type Interpreter, type RunAs } from '@cloudrmm/protocol';
import { AppError } from '../../platform/http/errors.js';
import type { CreateTask } from './commands.schemas.js';

/**
 * Turning a request into what agents run (AUT2, DEV9; security.md 27): the
 * shared payload, parameter checks, and per device the argv and environment.
 * User data only ever travels as argv and environment values: the script body
 * is never templated.
 */

/** A typed script parameter, as the script library stores it. */
export interface ScriptParameter {
  name: string;
  label?: string;
  type: 'string' | 'number' | 'boolean' | 'choice' | 'secret';
  required?: boolean;
  default?: unknown;
  choices?: string[];
  description?: string;
}

/** What a task needs of a script. */
export interface ScriptForRun {
  id: string;
  name: string;
  language: string;
  body: string;
  parameters: ScriptParameter[];
  default_timeout_seconds: number;
  run_as: string;
  version: number;
}

/** A target device with what variables are made of. */
export interface TargetDevice {
  id: string;
  hostname: string;
  organization_id: string;
  site_id: string;
  organization_name: string;
  site_name: string;
}

/** The task-wide part of the payload: a script without its per-device args and env. */
export type SharedPayload =
  | (Omit<Extract<CommandPayload, { kind: 'script' }>, 'args' | 'env'> & { kind: 'script' })
  | Exclude<CommandPayload, { kind: 'script' }>;

export interface DeviceInput {
  args: string[];
  env: Record<string, string>;
}

/** A parameter value after checking, before templates: a string, or absent. */
interface CheckedParameter {
  def: ScriptParameter;
  value: string | null;
}

export interface BuiltTask {
  title: string;
  summary: string;
  shared: SharedPayload;
  /** Per device args and env; null for kinds that take none. */
  inputFor: ((device: TargetDevice, custom: Record<string, string>) => DeviceInput) | null;
  /** The parameters as shown in the task: secrets null. */
  shownParameters: Record<string, unknown>;
  scriptId: string | null;
  scriptVersion: number | null;
}

const MAX_ENV_VALUE = 32_768;
const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KNOWN_VARIABLE = /^(device\.hostname|device\.id|organization\.name|site\.name|custom\.[a-z][a-z0-9_]{0,62})$/;

const invalid = (message: string, field: string) => new AppError('validation_failed', message, { field });

/** Checks the request for its kind and builds everything but the per-device parts. */
export function buildTask(input: CreateTask, script: ScriptForRun | null, partnerId: string): BuiltTask {
  switch (input.kind) {
    case 'script': {
      if (!script) throw invalid('script_id is required to run a script', 'script_id');
      const checked = checkParameters(script.parameters, input.parameters ?? {});
      const interpreter = script.language as Interpreter;
      return {
        title: script.name.slice(0, 300),
        summary: `${interpreter}: ${script.name}`,
        shared: {
          kind: 'script',
          interpreter,
          script: script.body,
          timeout_seconds: input.timeout_seconds ?? script.default_timeout_seconds,
          output_cap_bytes: DEFAULT_OUTPUT_CAP_BYTES,
          run_as: (input.run_as ?? script.run_as) as RunAs,
        },
        inputFor: (device, custom) => deviceInput(checked, partnerId, device, custom),
        shownParameters: Object.fromEntries(checked.map((p) => [p.def.name, p.def.type === 'secret' ? null : p.value])),
        scriptId: script.id,
        scriptVersion: script.version,
      };
    }
    case 'shell': {
      if (!input.command?.trim()) throw invalid('command is required for a shell command', 'command');
      if (input.parameters && Object.keys(input.parameters).length > 0) {
        throw invalid('a shell command takes no parameters; save it as a script to give it some', 'parameters');
      }
      const interpreter = input.interpreter ?? 'bash';
      const firstLine = input.command.trim().split('\n')[0]!.slice(0, 300);
      return {
        title: firstLine,
        summary: `${interpreter}: ${firstLine}`,
        shared: {
          kind: 'script',
          interpreter,
          script: input.command,
          timeout_seconds: input.timeout_seconds ?? 300,
          output_cap_bytes: DEFAULT_OUTPUT_CAP_BYTES,
          run_as: input.run_as ?? 'system',
        },
        inputFor: (device, custom) => deviceInput([], partnerId, device, custom),
        shownParameters: {},
        scriptId: null,
        scriptVersion: null,
      };
    }
    case 'reboot': {
      const delay = input.delay_seconds ?? 0;
      return {
        title: 'Reboot',
        summary: delay > 0 ? `reboot in ${delay} s` : 'reboot',
        shared: { kind: 'reboot', delay_seconds: delay },
        inputFor: null,
        shownParameters: {},
        scriptId: null,
        scriptVersion: null,
      };
    }
    case 'inventory_refresh':
      return {
        title: 'Refresh inventory',
        summary: 'refresh inventory',
        shared: { kind: 'inventory.refresh' },
        inputFor: null,
        shownParameters: {},
        scriptId: null,
        scriptVersion: null,
      };
    case 'process_kill': {
      if (input.pid === undefined) throw invalid('pid is required to kill a process', 'pid');
      return {
        title: `Kill process ${input.pid}`,
        summary: `kill process ${input.pid} and its children`,
        shared: { kind: 'process.kill', pid: input.pid, tree: true },
        inputFor: null,
        shownParameters: {},
        scriptId: null,
        scriptVersion: null,
      };
    }
  }
}

/** The full payload of one run: the shared part with the device's args and env. */
export function payloadOf(shared: SharedPayload, input: DeviceInput | null): CommandPayload {
  if (shared.kind !== 'script') return shared;
  return { ...shared, args: input?.args ?? [], env: input?.env ?? {} };
}

/** Checks values against the script's typed parameters (AUT2) and brings each to its string form. */
export function checkParameters(defs: ScriptParameter[], values: Record<string, unknown>): CheckedParameter[] {
  const known = new Set(defs.map((d) => d.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw invalid(`the script has no parameter "${name}"`, `parameters.${name}`);
  }
  return defs.map((def) => {
    const field = `parameters.${def.name}`;
    const label = def.label || def.name;
    let raw = values[def.name];
    if (raw === undefined || raw === null || raw === '') raw = def.default ?? null;
    if (raw === undefined || raw === null || raw === '') {
      if (def.required) throw invalid(`${label} is required`, field);
      return { def, value: null };
    }
    let value: string;
    switch (def.type) {
      case 'number': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(n)) throw invalid(`${label} must be a number`, field);
        value = String(n);
        break;
      }
      case 'boolean': {
        if (raw === true || raw === 'true') value = 'true';
        else if (raw === false || raw === 'false') value = 'false';
        else throw invalid(`${label} must be true or false`, field);
        break;
      }
      case 'choice': {
        value = String(raw);
        if (!(def.choices ?? []).includes(value)) {
          throw invalid(`${label} must be one of: ${(def.choices ?? []).join(', ')}`, field);
        }
        break;
      }
      default: {
        if (typeof raw !== 'string' && typeof raw !== 'number') throw invalid(`${label} must be text`, field);
        value = String(raw);
        checkTemplates(value, field, label);
      }
    }
    return { def, value };
  });
}

function checkTemplates(value: string, field: string, label: string): void {
  for (const m of value.matchAll(TEMPLATE)) {
    if (!KNOWN_VARIABLE.test(m[1]!)) {
      throw invalid(
        `${label}: {{${m[1]}}} is not a variable (use device.hostname, device.id, organization.name, site.name or custom.<name>)`,
        field,
      );
    }
  }
}

/** Fills `{{...}}` in a value for one device. The result only ever becomes an argv entry or an env value. */
export function substitute(value: string, device: TargetDevice, custom: Record<string, string>): string {
  return value.replace(TEMPLATE, (_all, name: string) => {
    switch (name) {
      case 'device.hostname':
        return device.hostname;
      case 'device.id':
        return device.id;
      case 'organization.name':
        return device.organization_name;
      case 'site.name':
        return device.site_name;
      default:
        return name.startsWith('custom.') ? (custom[name.slice('custom.'.length)] ?? '') : '';
    }
  });
}

const envValue = (v: string) => v.replace(/\0/g, '').slice(0, MAX_ENV_VALUE);

function deviceInput(
  params: CheckedParameter[],
  partnerId: string,
  device: TargetDevice,
  custom: Record<string, string>,
): DeviceInput {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(custom)) {
    if (/^[a-z][a-z0-9_]{0,62}$/.test(name)) env[`CLOUDRMM_CUSTOM_${name.toUpperCase()}`] = envValue(value);
  }
  env.CLOUDRMM_DEVICE_ID = device.id;
  env.CLOUDRMM_DEVICE_HOSTNAME = envValue(device.hostname);
  env.CLOUDRMM_ORGANIZATION_NAME = envValue(device.organization_name);
  env.CLOUDRMM_SITE_NAME = envValue(device.site_name);
  env.CLOUDRMM_PARTNER_ID = partnerId;
  const args: string[] = [];
  for (const p of params) {
    const value =
      p.value === null
        ? ''
        : envValue(p.def.type === 'string' || p.def.type === 'secret' ? substitute(p.value, device, custom) : p.value);
    args.push(value);
    if (p.value !== null) env[`CLOUDRMM_PARAM_${p.def.name.toUpperCase()}`] = value;
  }
  return { args, env };
}
