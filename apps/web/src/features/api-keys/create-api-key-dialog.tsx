import { useId, useMemo, useState } from 'react';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { CopyIcon, useCopy } from '../../ui/copy-button';
import { Field } from '../../ui/field';
import { formatDate } from '../../ui/format';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { SecretOnceContent, SecretOnceDialog } from '../../ui/secret-once-dialog';
import { Select } from '../../ui/select';
import { Skeleton } from '../../ui/skeleton';
import { useNow } from '../../ui/use-now';
import { useSession } from '../auth/session-context';
import { usePermissionCatalog, moduleLabel } from '../roles/api';
import type { PermissionGroup } from '../roles/api';
import { PermissionPicker } from '../roles/permission-picker';
import { useCreateApiKey, useScopeOrganizations, useScopePartners, useScopeSites } from './api';
import type { ApiKeyScopeType, CreatedApiKey } from './api';

const DAY_MS = 86_400_000;
type Expiry = '30' | '90' | '365' | 'custom' | 'never';

export function CreateApiKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <SecretOnceDialog<CreatedApiKey>
      open={open}
      onOpenChange={onOpenChange}
      form={(onCreated, onCancel) => <CreateApiKeyForm onCreated={onCreated} onCancel={onCancel} />}
      reveal={(apiKey, onDone) => <ShowKeyOnce apiKey={apiKey} onDone={onDone} />}
    />
  );
}

function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function CreateApiKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void }) {
  const session = useSession();
  const isStaff = session.user.is_platform_admin && !session.user.partner_id;
  const ownPartnerId = session.user.partner_id ?? session.partner?.id ?? '';
  const create = useCreateApiKey();
  const catalog = usePermissionCatalog();

  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [customDate, setCustomDate] = useState('');
  const [scopeType, setScopeType] = useState<ApiKeyScopeType>(isStaff ? 'platform' : 'partner');
  const [partnerId, setPartnerId] = useState(isStaff ? '' : ownPartnerId);
  const [organizationId, setOrganizationId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [permissions, setPermissions] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Record<string, string>>({});

  const needsPartner = scopeType !== 'platform';
  const partners = useScopePartners(isStaff && needsPartner);
  const organizations = useScopeOrganizations(partnerId, scopeType === 'organization' || scopeType === 'site');
  const sites = useScopeSites(partnerId, organizationId, scopeType === 'site');

  // Only what the user holds can go into a key; platform permissions only into a platform-wide one.
  const held = useMemo(() => new Set(session.permissions), [session.permissions]);
  const groups = useMemo(() => {
    const byModule = new Map<string, PermissionGroup>();
    for (const p of catalog.data ?? []) {
      if (!held.has(p.name) || (p.scope === 'platform' && scopeType !== 'platform')) continue;
      let group = byModule.get(p.module);
      if (!group) byModule.set(p.module, (group = { module: p.module, label: moduleLabel(p.module), permissions: [] }));
      group.permissions.push(p);
    }
    return [...byModule.values()];
  }, [catalog.data, held, scopeType]);
  const offered = useMemo(() => new Set(groups.flatMap((g) => g.permissions.map((p) => p.name))), [groups]);

  const errors = formErrors(
    create.error,
    ['name', 'permissions', 'expires_at', 'partner_id', 'organization_id', 'site_id'],
    false,
  );
  const today = useNow(60_000).getTime();

  function chooseScope(next: ApiKeyScopeType) {
    setScopeType(next);
    setProblems({});
  }

  function submit() {
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Give the key a name, e.g. the script that will use it.';
    const chosen = [...permissions].filter((p) => offered.has(p));
    if (chosen.length === 0) found.permissions = 'Choose at least one permission.';
    if (needsPartner && !partnerId) found.partner_id = 'Choose a partner.';
    if ((scopeType === 'organization' || scopeType === 'site') && !organizationId)
      found.organization_id = 'Choose an organization.';
    if (scopeType === 'site' && !siteId) found.site_id = 'Choose a site.';
    if (expiry === 'custom' && !customDate) found.expires_at = 'Choose the last day the key works.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;

    const expiresAt =
      expiry === 'never'
        ? null
        : expiry === 'custom'
          ? new Date(`${customDate}T23:59:59`).toISOString()
          : new Date(Date.now() + Number(expiry) * DAY_MS).toISOString();
    create.mutate(
      {
        name: name.trim(),
        permissions: chosen,
        scope_type: scopeType,
        ...(needsPartner && isStaff ? { partner_id: partnerId } : {}),
        ...(scopeType === 'organization' || scopeType === 'site' ? { organization_id: organizationId } : {}),
        ...(scopeType === 'site' ? { site_id: siteId } : {}),
        expires_at: expiresAt,
      },
      { onSuccess: onCreated },
    );
  }

  const fieldError = (field: string) => problems[field] ?? errors.fieldErrors[field];

  return (
    <FormDialogContent
      title="New API key"
      description="For scripts and integrations. A key can do only what you can, and only where you choose."
      submitLabel="Create key"
      pending={create.isPending}
      formError={errors.formError}
      onSubmit={submit}
      onCancel={onCancel}
      className="max-w-2xl"
    >
      <Field id="api-key-name" label="Name" error={fieldError('name')}>
        {(control) => (
          <Input
            {...control}
            autoFocus
            autoComplete="off"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Nightly backup report"
          />
        )}
      </Field>

      <Field
        id="api-key-expiry"
        label="Expires"
        error={fieldError('expires_at')}
        hint={expiry === 'never' ? undefined : 'At most a year. You can revoke a key at any time.'}
      >
        {(control) => (
          <div className="grid gap-2 sm:grid-cols-2">
            <Select {...control} value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)}>
              <option value="30">In 30 days ({formatDate(new Date(today + 30 * DAY_MS).toISOString())})</option>
              <option value="90">In 90 days ({formatDate(new Date(today + 90 * DAY_MS).toISOString())})</option>
              <option value="365">In a year ({formatDate(new Date(today + 365 * DAY_MS).toISOString())})</option>
              <option value="custom">On a date…</option>
              <option value="never">Never</option>
            </Select>
            {expiry === 'custom' ? (
              <Input
                type="date"
                aria-label="Last day the key works"
                value={customDate}
                min={localDate(today + DAY_MS)}
                max={localDate(today + 365 * DAY_MS)}
                onChange={(e) => setCustomDate(e.target.value)}
              />
            ) : null}
          </div>
        )}
      </Field>
      {expiry === 'never' ? (
        <Alert tone="warning" title="This key never expires">
          It works until you revoke it. Prefer an expiry date for anything that is not permanent.
        </Alert>
      ) : null}

      <fieldset className="grid gap-2">
        <legend className="mb-1.5 text-xs font-medium text-foreground">Where the key works</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1.5">
          {isStaff ? <ScopeRadio value="platform" current={scopeType} onChange={chooseScope} label="Platform-wide" /> : null}
          <ScopeRadio
            value="partner"
            current={scopeType}
            onChange={chooseScope}
            label={isStaff ? 'One partner' : 'Whole partner'}
          />
          <ScopeRadio value="organization" current={scopeType} onChange={chooseScope} label="One organization" />
          <ScopeRadio value="site" current={scopeType} onChange={chooseScope} label="One site" />
        </div>
        {isStaff && needsPartner ? (
          <ScopeSelect
            id="api-key-partner"
            label="Partner"
            error={fieldError('partner_id')}
            loading={partners.isPending}
            value={partnerId}
            onChange={(v) => {
              setPartnerId(v);
              setOrganizationId('');
              setSiteId('');
            }}
            options={partners.data}
            placeholder="Choose a partner…"
          />
        ) : null}
        {scopeType === 'organization' || scopeType === 'site' ? (
          <ScopeSelect
            id="api-key-organization"
            label="Organization"
            error={fieldError('organization_id')}
            loading={Boolean(partnerId) && organizations.isPending}
            value={organizationId}
            onChange={(v) => {
              setOrganizationId(v);
              setSiteId('');
            }}
            options={organizations.data}
            placeholder={partnerId ? 'Choose an organization…' : 'Choose a partner first'}
          />
        ) : null}
        {scopeType === 'site' ? (
          <ScopeSelect
            id="api-key-site"
            label="Site"
            error={fieldError('site_id')}
            loading={Boolean(organizationId) && sites.isPending}
            value={siteId}
            onChange={setSiteId}
            options={sites.data}
            placeholder={organizationId ? 'Choose a site…' : 'Choose an organization first'}
          />
        ) : null}
      </fieldset>

      <div className="grid gap-1.5">
        <div className="flex items-baseline justify-between gap-2">
          <p className="text-xs font-medium text-foreground">Permissions</p>
          <span className="text-xs text-muted-foreground">Only permissions you hold are offered</span>
        </div>
        <div
          className="max-h-72 overflow-y-auto rounded-md border border-border"
          aria-invalid={fieldError('permissions') ? true : undefined}
        >
          {catalog.isPending ? (
            <div className="grid gap-2 p-4">
              <Skeleton className="h-3.5 w-40" />
              <Skeleton className="h-3.5 w-64" />
              <Skeleton className="h-3.5 w-56" />
            </div>
          ) : catalog.isError ? (
            <p className="p-4 text-[13px] text-destructive-text">Could not load the permission list. Close and try again.</p>
          ) : groups.length === 0 ? (
            <p className="p-4 text-[13px] text-muted-foreground">You hold no permissions that a key could carry.</p>
          ) : (
            <PermissionPicker groups={groups} selected={permissions} held={offered} onChange={setPermissions} />
          )}
        </div>
        {fieldError('permissions') ? <p className="text-xs text-destructive-text">{fieldError('permissions')}</p> : null}
      </div>
    </FormDialogContent>
  );
}

function ScopeRadio({
  value,
  current,
  onChange,
  label,
}: {
  value: ApiKeyScopeType;
  current: ApiKeyScopeType;
  onChange: (value: ApiKeyScopeType) => void;
  label: string;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <input
        id={id}
        type="radio"
        name="api-key-scope"
        value={value}
        checked={current === value}
        onChange={() => onChange(value)}
        className="size-4 cursor-pointer accent-primary"
      />
      <label htmlFor={id} className="cursor-pointer text-[13px] text-foreground select-none">
        {label}
      </label>
    </div>
  );
}

function ScopeSelect({
  id,
  label,
  error,
  loading,
  value,
  onChange,
  options,
  placeholder,
}: {
  id: string;
  label: string;
  error: string | undefined;
  loading: boolean;
  value: string;
  onChange: (value: string) => void;
  options: { id: string; name: string }[] | undefined;
  placeholder: string;
}) {
  return (
    <Field id={id} label={label} error={error}>
      {(control) =>
        loading ? (
          <Skeleton className="h-8 w-full" />
        ) : (
          <Select {...control} value={value} onChange={(e) => onChange(e.target.value)} disabled={!options}>
            <option value="">{placeholder}</option>
            {(options ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </Select>
        )
      }
    </Field>
  );
}

/** The one time the whole key is on screen. */
function ShowKeyOnce({ apiKey, onDone }: { apiKey: CreatedApiKey; onDone: () => void }) {
  const [copied, copy] = useCopy(2000);

  return (
    <SecretOnceContent
      title={`API key “${apiKey.name}” created`}
      description="Copy the key now and keep it somewhere safe, such as a password manager or your script’s secret store."
      className="max-w-xl"
      warning={{
        title: 'You will not see this key again',
        text: 'CloudRMM keeps only a fingerprint of it. If you lose it, revoke it and create a new one.',
      }}
      onDone={onDone}
    >
      <div className="grid gap-1.5">
        <p id="api-key-secret-label" className="text-xs font-medium text-foreground">
          Your new API key
        </p>
        <div className="flex items-start gap-2">
          <code
            aria-labelledby="api-key-secret-label"
            data-testid="api-key-secret"
            className="min-w-0 flex-1 rounded-md border border-border bg-muted px-2.5 py-2 font-mono text-xs break-all text-foreground select-all"
          >
            {apiKey.secret}
          </code>
          <Button onClick={() => copy(apiKey.secret)}>
            <CopyIcon copied={copied} />
            {copied ? 'Copied' : 'Copy'}
          </Button>
        </div>
        <p className="sr-only" role="status">
          {copied ? 'Key copied to the clipboard' : ''}
        </p>
      </div>
      <Usage apiKey={apiKey} />
    </SecretOnceContent>
  );
}

/** How to use the key, with a request its scope allows. */
function Usage({ apiKey }: { apiKey: CreatedApiKey }) {
  const path = apiKey.partner_id ? `/api/v1/partners/${apiKey.partner_id}/organizations` : '/api/v1/partners';
  return (
    <div className="grid gap-1 text-[13px] text-muted-foreground">
      <p>Send it in the Authorization header; no cookie or CSRF token is needed:</p>
      <code className="rounded-md bg-muted px-2.5 py-1.5 font-mono text-xs break-all text-foreground">
        curl -H &quot;Authorization: Bearer {apiKey.prefix}_…&quot; {window.location.origin}
        {path}
      </code>
    </div>
  );
}
