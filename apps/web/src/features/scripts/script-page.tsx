import { useQueryClient } from '@tanstack/react-query';
import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, Copy, History, Play, RotateCw, Save, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { cn } from '../../ui/cn';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { Field } from '../../ui/field';
import { formErrors } from '../../ui/form-dialog';
import { Input, Textarea } from '../../ui/input';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Select } from '../../ui/select';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useCan } from '../auth/session-context';
import { RunScriptDialog } from '../commands/run-dialogs';
import {
  LANGUAGE_LABELS,
  LANGUAGES,
  OS_LABELS,
  scriptQueryOptions,
  TARGET_OSES,
  useCopyScript,
  useCreateScript,
  useDeleteScript,
  useScript,
  useScriptCategories,
  useScriptVersions,
  useUpdateScript,
} from './api';
import type { Script, ScriptInput, ScriptLanguage, ScriptVersion, TargetOs } from './api';
import { CodeEditor } from './code-editor';
import { checkParameters, normaliseParameters, ParameterBuilder } from './parameter-builder';
import { PlatformBadge } from './scripts-page';

const scriptRoute = getRouteApi('/_app/partners/$partnerId/scripts/$scriptId');
const newRoute = getRouteApi('/_app/partners/$partnerId/scripts/new');

export interface ScriptTabSearch {
  tab?: 'history';
}

export function validateScriptTabSearch(search: Record<string, unknown>): ScriptTabSearch {
  return search.tab === 'history' ? { tab: 'history' } : {};
}

/** The form's state: the timeout stays text while it is typed. */
type ScriptForm = Omit<ScriptInput, 'default_timeout_seconds'> & { default_timeout_seconds: string };

const EMPTY: ScriptForm = {
  name: '',
  description: '',
  category: '',
  language: 'bash',
  target_os: ['linux'],
  body: '#!/usr/bin/env bash\nset -euo pipefail\n\necho "Hello from $(hostname)"\n',
  parameters: [],
  default_timeout_seconds: '300',
  run_as: 'system',
};

function inputOf(script: Script | ScriptVersion): ScriptForm {
  return {
    name: script.name,
    description: script.description ?? '',
    category: script.category ?? '',
    language: script.language,
    target_os: script.target_os ?? [],
    body: script.body,
    parameters: script.parameters ?? [],
    default_timeout_seconds: String(script.default_timeout_seconds ?? 300),
    run_as: script.run_as ?? 'system',
  };
}

/** /partners/:partnerId/scripts/new */
export function NewScriptPage() {
  const { partnerId } = newRoute.useParams();
  useDocumentTitle('New script');
  return <ScriptEditor partnerId={partnerId} script={null} tab={undefined} onTab={() => undefined} />;
}

/** /partners/:partnerId/scripts/:scriptId */
export function ScriptPage() {
  const { partnerId, scriptId } = scriptRoute.useParams();
  const { tab } = scriptRoute.useSearch();
  const navigate = scriptRoute.useNavigate();
  const query = useScript(partnerId, scriptId);
  useDocumentTitle(query.data?.name ?? 'Script');

  if (query.isError) {
    return (
      <LoadErrorState
        error={query.error}
        thing="script"
        onRetry={() => void query.refetch()}
        back={
          <Button asChild>
            <Link to="/partners/$partnerId/scripts" params={{ partnerId }}>
              <ArrowLeft aria-hidden="true" />
              All scripts
            </Link>
          </Button>
        }
      />
    );
  }
  if (!query.data) {
    return (
      <div className="grid gap-5" aria-busy="true">
        <Skeleton className="h-7 w-64" />
        <Skeleton className="h-40" />
        <Skeleton className="h-80" />
        <span className="sr-only" role="status">
          Loading script…
        </span>
      </div>
    );
  }
  return (
    <ScriptEditor
      // A different script (after a copy) starts a fresh form.
      key={query.data.id}
      partnerId={partnerId}
      script={query.data}
      tab={tab}
      onTab={(next) => void navigate({ search: next ? { tab: next } : {}, replace: true })}
    />
  );
}

function ScriptEditor({
  partnerId,
  script,
  tab,
  onTab,
}: {
  partnerId: string;
  script: Script | null;
  tab: 'history' | undefined;
  onTab: (tab: 'history' | undefined) => void;
}) {
  const id = useId();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const canManage = useCan('scripts.manage');
  const canRun = useCan('commands.run');
  const categories = useScriptCategories(partnerId);
  const create = useCreateScript(partnerId);
  const update = useUpdateScript(partnerId);
  const remove = useDeleteScript(partnerId);
  const copy = useCopyScript(partnerId);
  const mutation = script ? update : create;
  const platform = script?.owner === 'platform';
  const readOnly = platform || !canManage;

  const [form, setForm] = useState<ScriptForm>(() => (script ? inputOf(script) : EMPTY));
  const [baseline, setBaseline] = useState<ScriptForm>(() => (script ? inputOf(script) : EMPTY));
  const [version, setVersion] = useState(script?.version ?? 0);
  const [checked, setChecked] = useState(false);
  const [dialog, setDialog] = useState<'delete' | 'run' | null>(null);
  const [reloading, setReloading] = useState(false);

  const dirty = JSON.stringify(form) !== JSON.stringify(baseline);
  const parameterErrors = checkParameters(form.parameters);
  const localErrors: Record<string, string> = {};
  if (!form.name.trim()) localErrors.name = 'Name must not be empty.';
  if (!form.body.trim()) localErrors.body = 'The script has no body.';
  if (form.target_os.length === 0) localErrors.target_os = 'Choose at least one operating system.';
  const timeout = Number(form.default_timeout_seconds);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
    localErrors.default_timeout_seconds = 'Between 1 and 86,400 seconds (24 hours).';
  }
  const errors = formErrors(
    mutation.error,
    ['name', 'description', 'category', 'language', 'target_os', 'body', 'default_timeout_seconds', 'run_as'],
    Boolean(script),
  );
  const shown = (field: string) => errors.fieldErrors[field] ?? (checked ? localErrors[field] : undefined);

  const set = <K extends keyof ScriptForm>(key: K, value: ScriptForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (readOnly || mutation.isPending) return;
    if (Object.keys(localErrors).length > 0 || Object.keys(parameterErrors).length > 0) return;
    const body: ScriptInput = {
      ...form,
      name: form.name.trim(),
      description: form.description.trim(),
      category: form.category.trim(),
      default_timeout_seconds: timeout,
      parameters: normaliseParameters(form.parameters),
    };
    if (script) {
      update.mutate(
        { id: script.id, version, ...body },
        {
          onSuccess: (saved) => {
            setVersion(saved.version);
            setForm(inputOf(saved));
            setBaseline(inputOf(saved));
            setChecked(false);
            toast({ title: `Script “${saved.name}” saved`, description: `Version ${saved.version}.` });
          },
        },
      );
    } else {
      create.mutate(body, {
        onSuccess: (created) => {
          toast({ title: `Script “${created.name}” created` });
          void navigate({ to: '/partners/$partnerId/scripts/$scriptId', params: { partnerId, scriptId: created.id } });
        },
      });
    }
  }

  /** After a stale save: load the latest version (the changes made here are dropped). */
  async function reload() {
    if (!script) return;
    setReloading(true);
    try {
      const latest = await queryClient.fetchQuery({ ...scriptQueryOptions(partnerId, script.id), staleTime: 0 });
      setForm(inputOf(latest));
      setBaseline(inputOf(latest));
      setVersion(latest.version);
      update.reset();
    } catch (error) {
      toast({ tone: 'error', title: 'Could not reload the script', description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  }

  function copyToLibrary() {
    if (!script) return;
    copy.mutate(
      { id: script.id },
      {
        onSuccess: (created) => {
          toast({ title: `“${created.name}” added to your library`, description: 'You can edit this copy.' });
          void navigate({ to: '/partners/$partnerId/scripts/$scriptId', params: { partnerId, scriptId: created.id } });
        },
        onError: (error) => toast({ tone: 'error', title: 'Could not copy the script', description: errorMessage(error) }),
      },
    );
  }

  const categoryList = `${id}-categories`;
  const history = tab === 'history' && script !== null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={script ? script.name : 'New script'}
        badge={platform ? <PlatformBadge /> : null}
        description={
          script ? (
            <>
              {LANGUAGE_LABELS[script.language]} · version {version}
              {script.updated_by_name ? ` · last edited by ${script.updated_by_name}` : ''} ·{' '}
              <Time value={script.updated_at} mode="relative" />
            </>
          ) : (
            'Write the body, describe its parameters, then save it to your library.'
          )
        }
        actions={
          script ? (
            <>
              {canRun ? (
                <Button
                  variant="primary"
                  onClick={() => setDialog('run')}
                  disabled={dirty && !readOnly}
                  title={dirty && !readOnly ? 'Save your changes first' : undefined}
                >
                  <Play aria-hidden="true" />
                  Run script
                </Button>
              ) : null}
              {platform && canManage ? (
                <Button onClick={copyToLibrary} loading={copy.isPending}>
                  {copy.isPending ? null : <Copy aria-hidden="true" />}
                  Copy to my library
                </Button>
              ) : null}
              {!platform && canManage ? (
                <Button variant="destructive-ghost" onClick={() => setDialog('delete')}>
                  <Trash2 aria-hidden="true" />
                  Delete
                </Button>
              ) : null}
            </>
          ) : null
        }
      />

      {platform ? (
        <Alert tone="info" title="Published by CloudRMM">
          Platform scripts are shared read-only with every partner and kept up to date for you.
          {canManage ? ' To change one, copy it to your library and edit the copy.' : ''}
        </Alert>
      ) : null}

      {script ? (
        <div role="tablist" aria-label="Script views" className="flex gap-1 border-b border-border">
          <TabButton selected={!history} controls={`${id}-script`} onClick={() => onTab(undefined)}>
            Script
          </TabButton>
          <TabButton selected={history} controls={`${id}-history`} onClick={() => onTab('history')}>
            <History className="size-3.5" aria-hidden="true" />
            Edit history
          </TabButton>
        </div>
      ) : null}

      {history && script ? (
        <div id={`${id}-history`} role="tabpanel">
          <VersionHistory
            partnerId={partnerId}
            script={script}
            canRestore={!readOnly}
            onRestore={(v) => {
              setForm(inputOf(v));
              onTab(undefined);
              toast({
                title: `Version ${v.version} loaded into the editor`,
                description: 'Save to make it the current version.',
                tone: 'info',
              });
            }}
          />
        </div>
      ) : null}

      <form
        id={`${id}-script`}
        role={script ? 'tabpanel' : undefined}
        hidden={history}
        noValidate
        onSubmit={submit}
        className="grid gap-5"
      >
        <Card aria-labelledby={`${id}-details`}>
          <CardHeader>
            <CardTitle id={`${id}-details`}>Details</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-4 py-4 md:grid-cols-2 xl:grid-cols-3">
            <Field id="script-name" label="Name" error={shown('name')}>
              {(control) => (
                <Input
                  {...control}
                  readOnly={readOnly}
                  autoFocus={!script}
                  maxLength={200}
                  value={form.name}
                  onChange={(e) => set('name', e.target.value)}
                  placeholder="e.g. Clear the print spooler"
                />
              )}
            </Field>
            <Field id="script-category" label="Category" optional error={shown('category')}>
              {(control) => (
                <>
                  <Input
                    {...control}
                    readOnly={readOnly}
                    list={categoryList}
                    maxLength={100}
                    value={form.category}
                    onChange={(e) => set('category', e.target.value)}
                    placeholder="e.g. Maintenance"
                  />
                  <datalist id={categoryList}>
                    {(categories.data ?? []).map((c) => (
                      <option key={c} value={c} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <Field id="script-language" label="Language" error={shown('language')}>
              {(control) => (
                <Select
                  {...control}
                  disabled={readOnly}
                  value={form.language}
                  onChange={(e) => set('language', e.target.value as ScriptLanguage)}
                >
                  {LANGUAGES.map((l) => (
                    <option key={l} value={l}>
                      {LANGUAGE_LABELS[l]}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field
              id="script-description"
              label="Description"
              optional
              className="md:col-span-2 xl:col-span-3"
              error={shown('description')}
            >
              {(control) => (
                <Textarea
                  {...control}
                  readOnly={readOnly}
                  rows={2}
                  maxLength={4000}
                  value={form.description}
                  onChange={(e) => set('description', e.target.value)}
                  placeholder="What it does, and what a technician should know before running it"
                />
              )}
            </Field>
            <fieldset className="grid gap-1.5">
              <legend className="mb-1.5 text-xs font-medium">Target OS</legend>
              <div className="flex flex-wrap gap-x-4 gap-y-1">
                {TARGET_OSES.map((os) => (
                  <label key={os} className="flex cursor-pointer items-center gap-2 text-[13px]">
                    <input
                      type="checkbox"
                      disabled={readOnly}
                      checked={form.target_os.includes(os)}
                      onChange={(e) =>
                        set(
                          'target_os',
                          e.target.checked ? [...form.target_os, os] : form.target_os.filter((o): o is TargetOs => o !== os),
                        )
                      }
                      className="size-4 cursor-pointer rounded border-input accent-primary"
                    />
                    {OS_LABELS[os]}
                  </label>
                ))}
              </div>
              {shown('target_os') ? <p className="text-xs text-destructive-text">{shown('target_os')}</p> : null}
            </fieldset>
            <Field
              id="script-timeout"
              label="Default timeout (seconds)"
              hint="The process tree is killed after this."
              error={shown('default_timeout_seconds')}
            >
              {(control) => (
                <Input
                  {...control}
                  readOnly={readOnly}
                  inputMode="numeric"
                  value={String(form.default_timeout_seconds)}
                  onChange={(e) => set('default_timeout_seconds', e.target.value.replace(/[^\d]/g, ''))}
                />
              )}
            </Field>
            <Field
              id="script-run-as"
              label="Run as"
              hint="The logged-in user only where the OS allows it."
              error={shown('run_as')}
            >
              {(control) => (
                <Select
                  {...control}
                  disabled={readOnly}
                  value={form.run_as}
                  onChange={(e) => set('run_as', e.target.value as 'system' | 'user')}
                >
                  <option value="system">System (root / SYSTEM)</option>
                  <option value="user">Logged-in user</option>
                </Select>
              )}
            </Field>
          </CardContent>
        </Card>

        <Card aria-labelledby={`${id}-body`}>
          <CardHeader>
            <CardTitle id={`${id}-body`}>Body</CardTitle>
            <span className="text-xs text-muted-foreground">
              Variables: <code className="font-mono">CLOUDRMM_DEVICE_HOSTNAME</code>,{' '}
              <code className="font-mono">CLOUDRMM_PARAM_…</code>, <code className="font-mono">CLOUDRMM_CUSTOM_…</code>
            </span>
          </CardHeader>
          <CardContent className="grid gap-1.5 py-4">
            <CodeEditor
              label="Script body"
              language={form.language}
              value={form.body}
              readOnly={readOnly}
              onChange={(body) => set('body', body)}
              minHeight={340}
            />
            {shown('body') ? <p className="text-xs text-destructive-text">{shown('body')}</p> : null}
          </CardContent>
        </Card>

        <Card aria-labelledby={`${id}-parameters`}>
          <CardHeader>
            <CardTitle id={`${id}-parameters`}>Parameters</CardTitle>
            <span className="text-xs text-muted-foreground">
              Passed as arguments, in this order, and as environment variables
            </span>
          </CardHeader>
          <CardContent className="py-4">
            <ParameterBuilder
              parameters={form.parameters}
              onChange={(parameters) => set('parameters', parameters)}
              errors={checked ? parameterErrors : {}}
              readOnly={readOnly}
            />
          </CardContent>
        </Card>

        {readOnly ? null : (
          <div className="sticky bottom-0 z-10 -mx-1 grid gap-3 rounded-lg border border-border bg-background/95 px-4 py-3 shadow-lg backdrop-blur">
            {errors.conflict ? (
              <Alert
                tone="warning"
                title="Someone else saved this script after you opened it"
                action={
                  <Button size="sm" onClick={() => void reload()} loading={reloading}>
                    {reloading ? null : <RotateCw aria-hidden="true" />}
                    Load their version
                  </Button>
                }
              >
                Your changes were not saved. Copy anything you want to keep, load the latest version, then make your change again.
              </Alert>
            ) : errors.formError ? (
              <Alert>{errors.formError}</Alert>
            ) : checked && (Object.keys(localErrors).length > 0 || Object.keys(parameterErrors).length > 0) ? (
              <Alert>Fix the fields marked above, then save again.</Alert>
            ) : null}
            <div className="flex flex-wrap items-center justify-end gap-2">
              <span className="mr-auto text-xs text-muted-foreground" role="status">
                {dirty ? 'Unsaved changes' : script ? `Saved · version ${version}` : ''}
              </span>
              {script && dirty ? (
                <Button variant="subtle" onClick={() => setForm(baseline)}>
                  Discard changes
                </Button>
              ) : null}
              <Button type="submit" variant="primary" loading={mutation.isPending} disabled={Boolean(script) && !dirty}>
                {mutation.isPending ? null : <Save aria-hidden="true" />}
                {script ? 'Save' : 'Create script'}
              </Button>
            </div>
          </div>
        )}
      </form>

      {script ? (
        <>
          <ConfirmDialog
            open={dialog === 'delete'}
            onOpenChange={(open) => !open && setDialog(null)}
            title="Delete script?"
            description={
              <>
                <strong className="font-semibold text-foreground">“{script.name}”</strong> is removed from your library. Runs
                already made keep their output; schedules that use it stop working.
              </>
            }
            onConfirm={async () => {
              await remove.mutateAsync(script);
              toast({ title: `Script “${script.name}” deleted` });
              void navigate({ to: '/partners/$partnerId/scripts', params: { partnerId } });
            }}
          />
          <RunScriptDialog
            partnerId={partnerId}
            open={dialog === 'run'}
            onOpenChange={(open) => !open && setDialog(null)}
            scriptId={script.id}
          />
        </>
      ) : null}
    </div>
  );
}

function TabButton({
  selected,
  controls,
  onClick,
  children,
}: {
  selected: boolean;
  controls: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={selected}
      aria-controls={controls}
      onClick={onClick}
      className={cn(
        '-mb-px inline-flex cursor-pointer items-center gap-1.5 border-b-2 px-3 py-2 text-[13px] font-medium focus-visible:outline-2 focus-visible:outline-ring',
        selected ? 'border-primary text-foreground' : 'border-transparent text-muted-foreground hover:text-foreground',
      )}
    >
      {children}
    </button>
  );
}

function VersionHistory({
  partnerId,
  script,
  canRestore,
  onRestore,
}: {
  partnerId: string;
  script: Script;
  canRestore: boolean;
  onRestore: (version: ScriptVersion) => void;
}) {
  const versions = useScriptVersions(partnerId, script.id);
  const [selected, setSelected] = useState<number | null>(null);
  const items = versions.data ?? [];
  const current = items.find((v) => v.version === selected) ?? items[0];

  if (versions.isError) {
    return (
      <Alert
        title="Could not load the edit history"
        action={
          <Button size="sm" onClick={() => void versions.refetch()}>
            Retry
          </Button>
        }
      >
        {isApiError(versions.error) ? versions.error.message : errorMessage(versions.error)}
      </Alert>
    );
  }
  if (!versions.data) return <Skeleton className="h-64" />;

  return (
    <div className="grid gap-4 lg:grid-cols-[18rem_1fr]">
      <Card aria-label="Versions">
        <ol className="grid max-h-[32rem] overflow-y-auto p-1">
          {items.map((v) => {
            const active = current?.version === v.version;
            return (
              <li key={v.version}>
                <button
                  type="button"
                  aria-current={active ? 'true' : undefined}
                  onClick={() => setSelected(v.version)}
                  className={cn(
                    'grid w-full cursor-pointer gap-0.5 rounded-md px-3 py-2 text-left text-[13px] hover:bg-hover focus-visible:outline-2 focus-visible:outline-ring',
                    active && 'bg-hover',
                  )}
                >
                  <span className="font-medium">
                    Version {v.version}
                    {v.version === script.version ? <span className="font-normal text-muted-foreground"> (current)</span> : null}
                  </span>
                  <span className="text-xs text-muted-foreground">
                    {v.edited_by_name ?? 'Unknown'} · <Time value={v.edited_at} mode="datetime" />
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      </Card>
      {current ? (
        <Card aria-labelledby="script-version-heading">
          <CardHeader>
            <CardTitle id="script-version-heading">
              Version {current.version}: {current.name}
            </CardTitle>
            {canRestore && current.version !== script.version ? (
              <Button size="sm" onClick={() => onRestore(current)}>
                <RotateCw aria-hidden="true" />
                Load into the editor
              </Button>
            ) : null}
          </CardHeader>
          <CardContent className="grid gap-3 py-4">
            <p className="text-xs text-muted-foreground">
              {LANGUAGE_LABELS[current.language] ?? current.language} ·{' '}
              {current.parameters.length === 0
                ? 'no parameters'
                : `parameters: ${current.parameters.map((p) => `${p.name} (${p.type}${p.required ? ', required' : ''})`).join(', ')}`}
            </p>
            <CodeEditor
              key={current.version}
              label={`Body of version ${current.version}`}
              language={current.language}
              value={current.body}
              readOnly
              minHeight={240}
            />
          </CardContent>
        </Card>
      ) : (
        <p className="text-[13px] text-muted-foreground">No saved versions yet.</p>
      )}
    </div>
  );
}
