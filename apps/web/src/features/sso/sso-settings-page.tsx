import { getRouteApi } from '@tanstack/react-router';
import { CheckCircle2, KeyRound, PlugZap, RotateCw, Save, ShieldCheck, XCircle } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { cn } from '../../ui/cn';
import { CopyValue } from '../../ui/copy-button';
import { Field } from '../../ui/field';
import { formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useRoleList } from '../roles/api';
import { useSsoSettings, useTestSsoConnection, useUpdateSsoSettings } from './api';
import type { SsoSettings, SsoSettingsInput, SsoTestResult } from './api';

const route = getRouteApi('/_app/partners/$partnerId/sso');

const FIELDS = [
  'issuer_url',
  'client_id',
  'client_secret',
  'allowed_domains',
  'default_role_id',
  'enabled',
  'require_sso',
] as const;

const selectClass =
  'h-8 w-full cursor-pointer rounded-md border border-input bg-background px-2 text-[13px] text-foreground shadow-xs focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 aria-invalid:border-destructive-text';

/** A partner's single sign-on through its own identity provider (OpenID Connect). */
export function SsoSettingsPage() {
  const { partnerId } = route.useParams();
  const query = useSsoSettings(partnerId);
  const partner = usePartnerSummary(partnerId);
  useDocumentTitle('Single sign-on', partner.name);

  if (query.isError) {
    return (
      <LoadErrorState error={query.error} thing="single sign-on settings" onRetry={() => void query.refetch()} back={null} />
    );
  }
  const settings = query.data;
  return (
    <div className="grid max-w-3xl gap-5">
      <PageHeader
        title="Single sign-on"
        badge={settings ? <StatusBadge settings={settings} /> : null}
        description={
          <>
            Let {partner.name ? <span className="font-medium text-foreground">{partner.name}</span> : 'this partner'}’s people
            sign in with your identity provider (OpenID Connect): Microsoft Entra ID, Google, Okta, Keycloak and others.
          </>
        }
      />
      {settings ? (
        // A save gives a new version: the form starts again from what was saved.
        <SsoSettingsForm
          key={settings.version}
          partnerId={partnerId}
          settings={settings}
          onReload={() => void query.refetch()}
          reloading={query.isFetching}
        />
      ) : (
        <Card aria-busy="true">
          <CardContent className="grid gap-3 py-4">
            <Skeleton className="h-8 w-full" />
            <Skeleton className="h-8 w-2/3" />
            <Skeleton className="h-8 w-1/2" />
            <span className="sr-only" role="status">
              Loading single sign-on settings…
            </span>
          </CardContent>
        </Card>
      )}
    </div>
  );
}

function StatusBadge({ settings }: { settings: SsoSettings }) {
  if (!settings.enabled) return <Badge tone="neutral">Off</Badge>;
  return settings.require_sso ? (
    <Badge tone="accent">
      <ShieldCheck aria-hidden="true" />
      Required
    </Badge>
  ) : (
    <Badge tone="success">
      <CheckCircle2 aria-hidden="true" />
      On
    </Badge>
  );
}

function SsoSettingsForm({
  partnerId,
  settings,
  onReload,
  reloading,
}: {
  partnerId: string;
  settings: SsoSettings;
  onReload: () => void;
  reloading: boolean;
}) {
  const update = useUpdateSsoSettings(partnerId);
  const test = useTestSsoConnection(partnerId);
  const roles = useRoleList(partnerId);
  const { toast } = useToast();

  const [issuerUrl, setIssuerUrl] = useState(settings.issuer_url);
  const [clientId, setClientId] = useState(settings.client_id);
  // Null: keep the stored secret. A string: the new one being typed.
  const [newSecret, setNewSecret] = useState<string | null>(settings.client_secret_set ? null : '');
  const [domains, setDomains] = useState(settings.allowed_domains.join(', '));
  const [defaultRoleId, setDefaultRoleId] = useState(settings.default_role_id ?? '');
  const [enabled, setEnabled] = useState(settings.enabled);
  const [requireSso, setRequireSso] = useState(settings.require_sso);

  const { fieldErrors, formError, conflict } = formErrors(update.error, FIELDS, true);
  const selectedRole = roles.data?.find((r) => r.id === defaultRoleId);

  function input(): SsoSettingsInput {
    return {
      issuer_url: issuerUrl.trim(),
      client_id: clientId.trim(),
      ...(newSecret ? { client_secret: newSecret } : {}),
      allowed_domains: domains.split(/[\s,;]+/).filter(Boolean),
      default_role_id: defaultRoleId || null,
      enabled,
      require_sso: enabled && requireSso,
      version: settings.version,
    };
  }

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (update.isPending) return;
    update.mutate(input(), { onSuccess: () => toast({ title: 'Single sign-on settings saved' }) });
  }

  function runTest() {
    const { issuer_url, client_id, client_secret } = input();
    test.mutate({ issuer_url, client_id, ...(client_secret ? { client_secret } : {}) });
  }

  return (
    <form noValidate onSubmit={save} className="grid gap-5">
      <Card aria-labelledby="sso-idp-heading">
        <CardHeader>
          <CardTitle id="sso-idp-heading">Identity provider</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 py-4">
          <div className="grid gap-1.5">
            <span className="text-[13px] font-medium text-foreground">Redirect URI</span>
            <CopyValue value={settings.redirect_uri} label="redirect URI" />
            <p className="text-xs text-muted-foreground">
              Register this redirect URI for CloudRMM’s application at your identity provider.
            </p>
          </div>
          <Field
            id="sso-issuer"
            label="Issuer URL"
            error={fieldErrors.issuer_url}
            hint="Where the provider publishes /.well-known/openid-configuration."
          >
            {(control) => (
              <Input
                {...control}
                type="url"
                value={issuerUrl}
                placeholder="https://login.microsoftonline.com/<tenant id>/v2.0"
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setIssuerUrl(e.target.value)}
              />
            )}
          </Field>
          <Field id="sso-client-id" label="Client ID" error={fieldErrors.client_id}>
            {(control) => (
              <Input
                {...control}
                value={clientId}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setClientId(e.target.value)}
              />
            )}
          </Field>
          <SecretField
            set={settings.client_secret_set}
            value={newSecret}
            onChange={setNewSecret}
            error={fieldErrors.client_secret}
          />

          <div className="grid gap-3 border-t border-border pt-4">
            <div className="flex flex-wrap items-center gap-3">
              <Button onClick={runTest} loading={test.isPending}>
                {test.isPending ? null : <PlugZap aria-hidden="true" />}
                Test connection
              </Button>
              <span className="text-xs text-muted-foreground">
                Runs discovery against the issuer with the values above, before or after saving.
              </span>
            </div>
            {test.data ? <TestResult result={test.data} /> : null}
            {test.isError ? <Alert>{test.error.message}</Alert> : null}
          </div>
        </CardContent>
      </Card>

      <Card aria-labelledby="sso-who-heading">
        <CardHeader>
          <CardTitle id="sso-who-heading">Who signs in</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 py-4">
          <Field
            id="sso-domains"
            label="Allowed email domains"
            error={fieldErrors.allowed_domains}
            hint="People with these email domains sign in through the provider; separate several with commas."
          >
            {(control) => (
              <Input
                {...control}
                value={domains}
                placeholder="example.com, example.co.uk"
                spellCheck={false}
                onChange={(e) => setDomains(e.target.value)}
              />
            )}
          </Field>
          <Field
            id="sso-default-role"
            label="Role for new people"
            error={fieldErrors.default_role_id ?? (roles.isError ? 'The roles could not be loaded.' : undefined)}
            hint={
              selectedRole?.description
                ? `Given over the whole partner at their first sign-in. ${selectedRole.name}: ${selectedRole.description}`
                : 'Given over the whole partner to someone signing in for the first time.'
            }
          >
            {(control) => (
              <select
                {...control}
                value={defaultRoleId}
                onChange={(e) => setDefaultRoleId(e.target.value)}
                className={selectClass}
              >
                <option value="">Choose a role…</option>
                {defaultRoleId && roles.data && !selectedRole ? <option value={defaultRoleId}>Current role</option> : null}
                {(roles.data ?? []).map((role) => (
                  <option key={role.id} value={role.id}>
                    {role.name}
                    {role.is_system ? '' : ' (custom)'}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Toggle
            checked={enabled}
            onChange={(on) => {
              setEnabled(on);
              if (!on) setRequireSso(false);
            }}
            label="Allow single sign-on"
            hint="People of the allowed domains see “Continue with single sign-on” on the sign-in page."
            error={fieldErrors.enabled}
          />
          <Toggle
            checked={enabled && requireSso}
            disabled={!enabled}
            onChange={setRequireSso}
            label="Require single sign-on"
            hint="This partner’s people can no longer sign in with a password. Platform staff always can."
            error={fieldErrors.require_sso}
          />
          <div className="grid gap-1.5">
            <span className="text-[13px] font-medium text-foreground">Direct sign-in link</span>
            <CopyValue value={settings.start_url} label="sign-in link" />
          </div>
        </CardContent>
      </Card>

      {conflict ? (
        <Alert
          tone="warning"
          title="Changed by someone else"
          action={
            <Button size="sm" onClick={onReload} loading={reloading}>
              {reloading ? null : <RotateCw aria-hidden="true" />}
              Reload
            </Button>
          }
        >
          These settings were changed by someone else after you opened them. Reload to get the latest, then make your change
          again.
        </Alert>
      ) : formError ? (
        <Alert>{formError}</Alert>
      ) : null}
      <div className="flex justify-end">
        <Button type="submit" variant="primary" loading={update.isPending}>
          {update.isPending ? null : <Save aria-hidden="true" />}
          Save
        </Button>
      </div>
    </form>
  );
}

/** The stored secret is never shown: it reads "Set" until it is replaced. */
function SecretField({
  set,
  value,
  onChange,
  error,
}: {
  set: boolean;
  value: string | null;
  onChange: (v: string | null) => void;
  error?: string | undefined;
}) {
  if (value === null) {
    return (
      <div className="grid gap-1.5">
        <span className="text-[13px] font-medium text-foreground">Client secret</span>
        <div className="flex items-center gap-2">
          <Badge tone="success">
            <KeyRound aria-hidden="true" />
            Set
          </Badge>
          <Button size="sm" onClick={() => onChange('')}>
            Replace
          </Button>
        </div>
        {error ? <p className="text-xs text-destructive-text">{error}</p> : null}
      </div>
    );
  }
  return (
    <Field
      id="sso-client-secret"
      label="Client secret"
      error={error}
      hint={set ? 'The new secret replaces the stored one when you save.' : 'Stored encrypted; it is never shown again.'}
    >
      {(control) => (
        <div className="flex items-center gap-2">
          <Input
            {...control}
            type="password"
            value={value}
            autoComplete="new-password"
            onChange={(e) => onChange(e.target.value)}
          />
          {set ? (
            <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
              Keep current
            </Button>
          ) : null}
        </div>
      )}
    </Field>
  );
}

function Toggle({
  checked,
  disabled,
  onChange,
  label,
  hint,
  error,
}: {
  checked: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  hint: ReactNode;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="grid gap-0.5">
      <div className="flex items-center gap-2">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onChange(e.target.checked)}
          className="size-4 cursor-pointer accent-primary disabled:cursor-not-allowed disabled:opacity-50"
        />
        <label htmlFor={id} className={cn('text-[13px] font-medium text-foreground', disabled ? 'opacity-60' : 'cursor-pointer')}>
          {label}
        </label>
      </div>
      <p id={`${id}-hint`} className="pl-6 text-xs text-muted-foreground">
        {hint}
      </p>
      {error ? <p className="pl-6 text-xs text-destructive-text">{error}</p> : null}
    </div>
  );
}

function TestResult({ result }: { result: SsoTestResult }) {
  const found: [string, string | undefined][] = [
    ['Issuer', result.issuer],
    ['Authorization endpoint', result.authorization_endpoint],
    ['Token endpoint', result.token_endpoint],
    ['UserInfo endpoint', result.userinfo_endpoint],
    ['Keys (JWKS)', result.jwks_uri],
  ];
  return (
    <div
      role="status"
      className={cn(
        'grid gap-2 rounded-md border px-3 py-2.5 text-[13px]',
        result.ok ? 'border-success-text/35 bg-success-text/10' : 'border-destructive-text/35 bg-destructive-text/10',
      )}
    >
      <p className="flex items-start gap-2 font-medium text-foreground">
        {result.ok ? (
          <CheckCircle2 className="mt-px size-4 shrink-0 text-success-text" aria-hidden="true" />
        ) : (
          <XCircle className="mt-px size-4 shrink-0 text-destructive-text" aria-hidden="true" />
        )}
        <span>
          <span className="sr-only">{result.ok ? 'Connection works: ' : 'Connection failed: '}</span>
          {result.message}
        </span>
      </p>
      {found.some(([, v]) => v) ? (
        <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-3 gap-y-1 pl-6 text-xs">
          {found
            .filter(([, v]) => v)
            .map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-muted-foreground">{label}</dt>
                <dd className="truncate font-mono text-foreground" title={value}>
                  {value}
                </dd>
              </div>
            ))}
        </dl>
      ) : null}
      {result.warnings.length > 0 ? (
        <ul className="grid gap-0.5 pl-6 text-xs text-warning-text">
          {result.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
