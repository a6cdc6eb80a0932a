import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp, Uuid } from '../../platform/http/schemas.js';

const OrNull = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const LANGUAGES = ['bash', 'sh', 'python', 'powershell', 'cmd'] as const;
export type Language = (typeof LANGUAGES)[number];
export const OPERATING_SYSTEMS = ['linux', 'darwin', 'win32'] as const;
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];
export const PARAMETER_TYPES = ['string', 'number', 'boolean', 'choice', 'secret'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export const Language = Type.Union(
  LANGUAGES.map((l) => Type.Literal(l)),
  { description: 'bash, sh, python, powershell (Windows PowerShell or pwsh), cmd (Windows only)' },
);
export const OperatingSystem = Type.Union(
  OPERATING_SYSTEMS.map((o) => Type.Literal(o)),
  { description: 'linux, darwin (macOS) or win32 (Windows)' },
);
export const RunAs = Type.Union([Type.Literal('system'), Type.Literal('user')], {
  description: 'system: root / SYSTEM; user: the logged-in user, where the OS allows',
});

/**
 * A typed parameter (AUT1). It reaches the script as the environment variable
 * CLOUDRMM_PARAM_<NAME> and, in parameter order, as an argv entry: never as
 * text pasted into the body (security.md 27).
 */
export const ScriptParameter = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      description: 'lower case, digits and _, starting with a letter: becomes CLOUDRMM_PARAM_<NAME>',
    }),
    label: Type.Optional(Type.String({ maxLength: 100, description: 'shown in the run form; the name when empty' })),
    type: Type.Union(
      PARAMETER_TYPES.map((t) => Type.Literal(t)),
      { description: 'secret: entered at run time, never stored in clear, never shown again' },
    ),
    required: Type.Optional(Type.Boolean({ default: false })),
    default: Type.Optional(
      Type.Unknown({
        description:
          'of the parameter’s type (choice: one of the choices); may use {{device.hostname}}, {{custom.<name>}} ...; secrets have none',
      }),
    ),
    choices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type ScriptParameterInput = Static<typeof ScriptParameter>;

/** A parameter as stored and returned: every field present. */
export const StoredParameter = Type.Object({
  name: Type.String(),
  label: Type.String(),
  type: Type.String(),
  required: Type.Boolean(),
  default: Type.Unknown({ description: 'string, number, boolean or null (none)' }),
  choices: Type.Array(Type.String()),
  description: Type.String(),
});
export interface StoredParameter {
  name: string;
  label: string;
  type: ParameterType;
  required: boolean;
  default: string | number | boolean | null;
  choices: string[];
  description: string;
}

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const fields = {
  name: Name,
  description: Type.String({ maxLength: 4000 }),
  category: Type.String({ maxLength: 100, description: 'free text, e.g. Maintenance; empty for none' }),
  language: Language,
  target_os: Type.Array(OperatingSystem, { minItems: 1, maxItems: 3, uniqueItems: true }),
  body: Type.String({ minLength: 1, maxLength: 262144, description: 'the script itself; never templated' }),
  parameters: Type.Array(ScriptParameter, { maxItems: 50 }),
  default_timeout_seconds: Type.Integer({ minimum: 1, maximum: 86400 }),
  run_as: RunAs,
};

export const CreateScript = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    category: Type.Optional(fields.category),
    language: fields.language,
    target_os: fields.target_os,
    body: fields.body,
    parameters: Type.Optional(fields.parameters),
    default_timeout_seconds: Type.Optional(fields.default_timeout_seconds),
    run_as: Type.Optional(fields.run_as),
  },
  { additionalProperties: false },
);
export type CreateScript = Static<typeof CreateScript>;

export const UpdateScript = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the version you last read; a stale one is 409' }),
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    category: Type.Optional(fields.category),
    language: Type.Optional(fields.language),
    target_os: Type.Optional(fields.target_os),
    body: Type.Optional(fields.body),
    parameters: Type.Optional(fields.parameters),
    default_timeout_seconds: Type.Optional(fields.default_timeout_seconds),
    run_as: Type.Optional(fields.run_as),
  },
  { additionalProperties: false },
);
export type UpdateScript = Static<typeof UpdateScript>;

export const CopyScript = Type.Object(
  { name: Type.Optional(Name) },
  { additionalProperties: false, description: 'name: the copy’s name; “<name> (copy)” when left out' },
);
export type CopyScript = Static<typeof CopyScript>;

export const Script = Type.Object({
  id: Uuid,
  owner: Type.Union([Type.Literal('partner'), Type.Literal('platform')], {
    description: 'platform: published by CloudRMM, read-only, copyable',
  }),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  language: Type.String(),
  target_os: Type.Array(Type.String()),
  body: Type.String(),
  parameters: Type.Array(StoredParameter),
  default_timeout_seconds: Type.Integer(),
  run_as: Type.String(),
  version: Type.Integer(),
  copied_from: OrNull(Uuid),
  created_at: Timestamp,
  updated_at: Timestamp,
  updated_by_name: OrNull(Type.String()),
});
export interface Script {
  id: string;
  owner: 'partner' | 'platform';
  name: string;
  description: string;
  category: string;
  language: Language;
  target_os: OperatingSystem[];
  body: string;
  parameters: StoredParameter[];
  default_timeout_seconds: number;
  run_as: 'system' | 'user';
  version: number;
  copied_from: string | null;
  created_at: string;
  updated_at: string;
  updated_by_name: string | null;
}

export const ScriptVersion = Type.Object({
  version: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  language: Type.String(),
  target_os: Type.Array(Type.String()),
  body: Type.String(),
  parameters: Type.Array(StoredParameter),
  default_timeout_seconds: Type.Integer(),
  run_as: Type.String(),
  edited_by_name: OrNull(Type.String()),
  edited_at: Timestamp,
});

export const ScriptQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive search in name, description and category' })),
    category: Type.Optional(Type.String({ maxLength: 100, description: 'exact category (case-insensitive)' })),
    language: Type.Optional(Language),
    os: Type.Optional(OperatingSystem),
    include_platform: Type.Optional(
      Type.Boolean({ default: true, description: 'false: only the partner’s own scripts, not platform-published ones' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type ScriptQuery = Static<typeof ScriptQuery>;

export const PartnerParams = Type.Object({ partnerId: Uuid });
export const ScriptParams = Type.Object({ partnerId: Uuid, scriptId: Uuid });

/** What the commands module needs to run a script (see scriptForRun). */
export interface ScriptForRun {
  id: string;
  name: string;
  language: Language;
  body: string;
  parameters: StoredParameter[];
  default_timeout_seconds: number;
  run_as: 'system' | 'user';
  version: number;
  target_os: OperatingSystem[];
}
