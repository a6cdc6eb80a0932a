import { keepPreviousData, queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page, Query } from '../../api/client';
import { PAGE_SIZE } from '../../api/list';

/* The script library (AUT1, AUT2, AUT6): the partner's scripts and the platform's, read-only. */

export const LANGUAGES = ['bash', 'sh', 'python', 'powershell', 'cmd'] as const;
export type ScriptLanguage = (typeof LANGUAGES)[number];

export const LANGUAGE_LABELS: Record<ScriptLanguage, string> = {
  bash: 'Bash',
  sh: 'sh',
  python: 'Python',
  powershell: 'PowerShell',
  cmd: 'Batch (cmd)',
};

export const TARGET_OSES = ['linux', 'darwin', 'win32'] as const;
export type TargetOs = (typeof TARGET_OSES)[number];

export const OS_LABELS: Record<TargetOs, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

export const PARAMETER_TYPES = ['string', 'number', 'boolean', 'choice', 'secret'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export const PARAMETER_TYPE_LABELS: Record<ParameterType, string> = {
  string: 'Text',
  number: 'Number',
  boolean: 'Yes / no',
  choice: 'Choice',
  secret: 'Secret',
};

export const PARAMETER_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export interface ScriptParameter {
  name: string;
  label: string;
  type: ParameterType;
  required: boolean;
  default: string | number | boolean | null;
  choices: string[];
  description: string;
}

export interface Script {
  id: string;
  owner: 'partner' | 'platform';
  name: string;
  description: string;
  category: string;
  language: ScriptLanguage;
  target_os: TargetOs[];
  body: string;
  parameters: ScriptParameter[];
  default_timeout_seconds: number;
  run_as: 'system' | 'user';
  version: number;
  copied_from: string | null;
  created_at: string;
  updated_at: string;
  updated_by_name: string | null;
}

export interface ScriptVersion {
  version: number;
  edited_by_name: string | null;
  edited_at: string;
  name: string;
  description?: string;
  category?: string;
  language: ScriptLanguage;
  target_os?: TargetOs[];
  body: string;
  parameters: ScriptParameter[];
  default_timeout_seconds?: number;
  run_as?: 'system' | 'user';
}

export type ScriptInput = Pick<
  Script,
  'name' | 'description' | 'category' | 'language' | 'target_os' | 'body' | 'parameters' | 'default_timeout_seconds' | 'run_as'
>;

/* ---------- Filters, as they live in the URL ---------- */

export interface ScriptsSearch {
  q?: string;
  category?: string;
  language?: ScriptLanguage;
  os?: TargetOs;
  /** 1: only the partner's own scripts. */
  mine?: 1;
}

export function validateScriptsSearch(search: Record<string, unknown>): ScriptsSearch {
  const out: ScriptsSearch = {};
  if ((typeof search.q === 'string' || typeof search.q === 'number') && String(search.q).trim()) out.q = String(search.q);
  if (typeof search.category === 'string' && search.category.trim() && search.category.length <= 100) {
    out.category = search.category;
  }
  const language = LANGUAGES.find((l) => l === search.language);
  if (language) out.language = language;
  const os = TARGET_OSES.find((o) => o === search.os);
  if (os) out.os = os;
  if (search.mine === 1 || search.mine === '1' || search.mine === true) out.mine = 1;
  return out;
}

export function scriptsQuery(search: ScriptsSearch): Query {
  return {
    q: search.q?.trim() || undefined,
    category: search.category,
    language: search.language,
    os: search.os,
    // Platform scripts come by default; `false` must be sent as text (the client drops boolean false).
    include_platform: search.mine === 1 ? 'false' : undefined,
  };
}

/* ---------- Keys and paths ---------- */

export const scriptKeys = {
  all: ['scripts'] as const,
  partner: (partnerId: string) => [...scriptKeys.all, partnerId] as const,
  lists: (partnerId: string) => [...scriptKeys.partner(partnerId), 'list'] as const,
  detail: (partnerId: string, scriptId: string) => [...scriptKeys.partner(partnerId), 'detail', scriptId] as const,
  versions: (partnerId: string, scriptId: string) => [...scriptKeys.partner(partnerId), 'versions', scriptId] as const,
  categories: (partnerId: string) => [...scriptKeys.partner(partnerId), 'categories'] as const,
};

const scriptsPath = (partnerId: string) => `/partners/${encodeURIComponent(partnerId)}/scripts`;
const scriptPath = (partnerId: string, scriptId: string) => `${scriptsPath(partnerId)}/${encodeURIComponent(scriptId)}`;

/* ---------- Queries ---------- */

export function useScriptList(partnerId: string, search: ScriptsSearch, enabled = true) {
  const query = scriptsQuery(search);
  return useInfiniteQuery({
    queryKey: [...scriptKeys.lists(partnerId), query],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Script>>(scriptsPath(partnerId), { ...query, limit: PAGE_SIZE, cursor: pageParam ?? undefined }, signal),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** Every script a picker can offer (the run and schedule dialogs): up to 500, by name. */
export function useScriptChoices(partnerId: string, enabled = true) {
  return useQuery({
    queryKey: [...scriptKeys.lists(partnerId), 'choices'],
    enabled,
    queryFn: async ({ signal }) => (await api.get<Page<Script>>(scriptsPath(partnerId), { limit: 500 }, signal)).items,
  });
}

export function scriptQueryOptions(partnerId: string, scriptId: string) {
  return queryOptions({
    queryKey: scriptKeys.detail(partnerId, scriptId),
    queryFn: ({ signal }) => api.get<Script>(scriptPath(partnerId, scriptId), undefined, signal),
  });
}

export function useScript(partnerId: string, scriptId: string, enabled = true) {
  return useQuery({ ...scriptQueryOptions(partnerId, scriptId), enabled: enabled && Boolean(scriptId) });
}

export function useScriptVersions(partnerId: string, scriptId: string, enabled = true) {
  return useQuery({
    queryKey: scriptKeys.versions(partnerId, scriptId),
    enabled,
    queryFn: async ({ signal }) => {
      const answer = await api.get<ScriptVersion[] | Page<ScriptVersion>>(
        `${scriptPath(partnerId, scriptId)}/versions`,
        undefined,
        signal,
      );
      const items = Array.isArray(answer) ? answer : answer.items;
      return [...items].sort((a, b) => b.version - a.version);
    },
  });
}

export function useScriptCategories(partnerId: string) {
  return useQuery({
    queryKey: scriptKeys.categories(partnerId),
    queryFn: async ({ signal }) => {
      const answer = await api.get<string[] | { items: string[] }>(`${scriptsPath(partnerId)}/categories`, undefined, signal);
      return Array.isArray(answer) ? answer : answer.items;
    },
  });
}

/* ---------- Changes ---------- */

function useInvalidateScripts(partnerId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: scriptKeys.lists(partnerId) }),
      queryClient.invalidateQueries({ queryKey: scriptKeys.categories(partnerId) }),
    ]);
}

export function useCreateScript(partnerId: string) {
  const invalidate = useInvalidateScripts(partnerId);
  return useMutation({
    mutationFn: (input: ScriptInput) => api.post<Script>(scriptsPath(partnerId), input),
    onSuccess: () => invalidate(),
  });
}

export function useUpdateScript(partnerId: string) {
  const queryClient = useQueryClient();
  const invalidate = useInvalidateScripts(partnerId);
  return useMutation({
    mutationFn: ({ id, ...body }: ScriptInput & { id: string; version: number }) =>
      api.patch<Script>(scriptPath(partnerId, id), body),
    onSuccess: (script) => {
      queryClient.setQueryData(scriptKeys.detail(partnerId, script.id), script);
      void queryClient.invalidateQueries({ queryKey: scriptKeys.versions(partnerId, script.id) });
      return invalidate();
    },
  });
}

export function useDeleteScript(partnerId: string) {
  const queryClient = useQueryClient();
  const invalidate = useInvalidateScripts(partnerId);
  return useMutation({
    mutationFn: (script: Pick<Script, 'id'>) => api.delete(scriptPath(partnerId, script.id)),
    onSuccess: (_data, script) => {
      queryClient.removeQueries({ queryKey: scriptKeys.detail(partnerId, script.id) });
      return invalidate();
    },
  });
}

export function useCopyScript(partnerId: string) {
  const invalidate = useInvalidateScripts(partnerId);
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name?: string }) =>
      api.post<Script>(`${scriptPath(partnerId, id)}/copy`, name ? { name } : {}),
    onSuccess: () => invalidate(),
  });
}

/** A new, empty parameter for the builder. */
export function blankParameter(existing: ScriptParameter[]): ScriptParameter {
  let n = existing.length + 1;
  while (existing.some((p) => p.name === `param_${n}`)) n++;
  return {
    name: `param_${n}`,
    label: `Parameter ${n}`,
    type: 'string',
    required: false,
    default: null,
    choices: [],
    description: '',
  };
}
