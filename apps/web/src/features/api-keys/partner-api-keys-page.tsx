import { getRouteApi } from '@tanstack/react-router';
import { Ban, KeyRound, SearchX } from 'lucide-react';
import { useId, useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { ListToolbar } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Select } from '../../ui/select';
import { useToast } from '../../ui/toast';
import { Tooltip } from '../../ui/tooltip';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { API_KEY_STATUSES, scopeText, usePartnerApiKeys, useRevokePartnerApiKey, validatePartnerApiKeysSearch } from './api';
import type { ApiKey, ApiKeyStatus, PartnerApiKeysSearch } from './api';
import { lifecycleColumns } from './api-keys-page';

const route = getRouteApi('/_app/partners/$partnerId/api-keys');

const STATUS_LABELS: Record<ApiKeyStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

function PermissionsCount({ apiKey }: { apiKey: ApiKey }) {
  const count = apiKey.permissions.length;
  const label = `${count} ${count === 1 ? 'permission' : 'permissions'}`;
  return (
    <Tooltip
      content={
        <ul className="grid gap-0.5 font-mono">
          {apiKey.permissions.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      }
    >
      <button
        type="button"
        aria-label={`${label}: ${apiKey.permissions.join(', ')}`}
        className="cursor-default rounded text-left whitespace-nowrap underline decoration-dotted underline-offset-2 focus-visible:outline-2 focus-visible:outline-ring"
      >
        {label}
      </button>
    </Tooltip>
  );
}

/** Every API key of the partner's users, for the partner's administrators. */
export function PartnerApiKeysPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const status = search.status ?? null;
  const list = usePartnerApiKeys(partnerId, status);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const partner = usePartnerSummary(partnerId);
  const canManage = useCan('api_keys.manage');
  const revoke = useRevokePartnerApiKey(partnerId);
  const { toast } = useToast();
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const filterId = useId();
  useDocumentTitle('API keys', partner.name);

  function setSearch(patch: PartnerApiKeysSearch) {
    void navigate({ search: (prev) => validatePartnerApiKeysSearch({ ...prev, ...patch }), replace: true });
  }

  const columns: Column<ApiKey>[] = [
    {
      id: 'name',
      header: 'Name',
      skeletonClassName: 'w-32',
      cell: (k) => (
        <div id={`partner-api-key-${k.id}-name`} className="grid min-w-0">
          <Truncate text={k.name} className={k.status === 'revoked' ? 'text-muted-foreground' : 'font-medium text-foreground'} />
          <span className="truncate font-mono text-xs text-muted-foreground">{k.prefix}_…</span>
        </div>
      ),
    },
    {
      id: 'owner',
      header: 'Owner',
      className: 'w-48',
      skeletonClassName: 'w-36',
      cell: (k) => <Truncate text={k.user_email} />,
    },
    {
      id: 'permissions',
      header: 'Permissions',
      className: 'hidden w-28 xl:table-cell',
      skeletonClassName: 'w-20',
      cell: (k) => <PermissionsCount apiKey={k} />,
    },
    {
      id: 'scope',
      header: 'Scope',
      className: 'hidden w-40 lg:table-cell',
      skeletonClassName: 'w-24',
      cell: (k) => <Truncate text={scopeText(k)} />,
    },
    ...lifecycleColumns(),
  ];
  if (canManage) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-24 text-right',
      skeletonClassName: 'ml-auto w-16',
      cell: (k) =>
        k.status === 'revoked' ? null : (
          <Button
            size="sm"
            variant="destructive-subtle"
            aria-describedby={`partner-api-key-${k.id}-name`}
            onClick={() => setRevoking(k)}
          >
            <Ban aria-hidden="true" />
            Revoke
          </Button>
        ),
    });
  }

  return (
    <div className="grid gap-5">
      <PageHeader
        title="API keys"
        description={
          <>
            Keys the users of {partner.name ?? 'this partner'} have made for scripts and integrations. A key acts as its owner,
            never with more than they hold. Revoke a key to stop it at once.
          </>
        }
      />
      <Card>
        <ListToolbar>
          <div className="flex items-center gap-2">
            <label htmlFor={`${filterId}-status`} className="text-[13px] text-muted-foreground">
              Status
            </label>
            <Select
              id={`${filterId}-status`}
              className="w-32"
              value={status ?? ''}
              onChange={(e) => setSearch({ status: (e.target.value || undefined) as ApiKeyStatus | undefined })}
            >
              <option value="">Any</option>
              {API_KEY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </Select>
          </div>
        </ListToolbar>
        <DataTable
          label={`API keys of ${partner.name ?? 'this partner'}’s users`}
          noun={['API key', 'API keys']}
          columns={columns}
          rows={items}
          rowKey={(k) => k.id}
          rowClassName={(k) => (k.status === 'revoked' ? 'bg-muted/40' : undefined)}
          sort="-created_at"
          onSortChange={() => undefined}
          {...cursorListProps(list)}
          total={null}
          empty={
            status ? (
              <EmptyState
                icon={SearchX}
                title={`No ${STATUS_LABELS[status].toLowerCase()} API keys`}
                description="Try another status, or show keys of any status."
                action={<Button onClick={() => setSearch({ status: undefined })}>Show all keys</Button>}
              />
            ) : (
              <EmptyState
                icon={KeyRound}
                title="No API keys yet"
                description="When users of this partner create API keys for their scripts (in their user menu, under API keys), the keys are listed here."
              />
            )
          }
        />
      </Card>

      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Revoke API key?"
        confirmLabel="Revoke key"
        description={
          revoking ? (
            <>
              <strong className="font-semibold text-foreground">“{revoking.name}”</strong> (
              <span className="font-mono">{revoking.prefix}_…</span>) of{' '}
              <strong className="font-semibold text-foreground">{revoking.user_email}</strong> stops working at once: scripts that
              use it get “API key revoked”. This cannot be undone.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!revoking) return;
          const key = revoking;
          await revoke.mutateAsync(key);
          toast({ title: `API key “${key.name}” of ${key.user_email} revoked` });
        }}
      />
    </div>
  );
}
