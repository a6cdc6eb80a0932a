import { Ban, CheckCircle2, Clock, KeyRound, Plus, TriangleAlert, XCircle } from 'lucide-react';
import { useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { ListToolbar } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { scopeText, useMyApiKeys, useRevokeApiKey } from './api';
import type { ApiKey } from './api';
import { CreateApiKeyDialog } from './create-api-key-dialog';

export function StatusBadge({ status }: { status: ApiKey['status'] }) {
  if (status === 'active') {
    return (
      <Badge tone="success">
        <CheckCircle2 aria-hidden="true" />
        Active
      </Badge>
    );
  }
  if (status === 'expired') {
    return (
      <Badge tone="warning">
        <Clock aria-hidden="true" />
        Expired
      </Badge>
    );
  }
  return (
    <Badge>
      <XCircle aria-hidden="true" />
      Revoked
    </Badge>
  );
}

export function Expires({ apiKey }: { apiKey: ApiKey }) {
  if (apiKey.expires_at) return <Time value={apiKey.expires_at} />;
  return apiKey.status === 'revoked' ? (
    <span className="text-muted-foreground">Never</span>
  ) : (
    <span className="inline-flex items-center gap-1 text-warning-text" title="Works until revoked">
      <TriangleAlert className="size-3.5 shrink-0" aria-hidden="true" />
      Never
    </span>
  );
}

/** The signed-in user's personal API keys (FEATURES IAM6). */
/** Created, expiry, last use and status: the columns every API key list shows the same way. */
export function lifecycleColumns(): Column<ApiKey>[] {
  return [
    {
      id: 'created',
      header: 'Created',
      className: 'hidden w-28 text-muted-foreground 2xl:table-cell',
      skeletonClassName: 'w-20',
      cell: (k) => <Time value={k.created_at} />,
    },
    {
      id: 'expires',
      header: 'Expires',
      className: 'w-28',
      skeletonClassName: 'w-20',
      cell: (k) => <Expires apiKey={k} />,
    },
    {
      id: 'last-used',
      header: 'Last used',
      className: 'w-36',
      skeletonClassName: 'w-24',
      cell: (k) =>
        k.last_used_at ? (
          <div className="grid min-w-0">
            <Time value={k.last_used_at} mode="relative" />
            {k.last_used_ip ? <Truncate text={`from ${k.last_used_ip}`} className="text-xs text-muted-foreground" /> : null}
          </div>
        ) : (
          <span className="text-muted-foreground">Never used</span>
        ),
    },
    {
      id: 'status',
      header: 'Status',
      className: 'w-24',
      skeletonClassName: 'w-16',
      cell: (k) => <StatusBadge status={k.status} />,
    },
  ];
}

export function ApiKeysPage() {
  const list = useMyApiKeys();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const revoke = useRevokeApiKey();
  const { toast } = useToast();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  useDocumentTitle('API keys');

  const columns: Column<ApiKey>[] = [
    {
      id: 'name',
      header: 'Name',
      skeletonClassName: 'w-32',
      cell: (k) => (
        <div id={`api-key-${k.id}-name`} className="grid min-w-0">
          <Truncate text={k.name} className={k.status === 'revoked' ? 'text-muted-foreground' : 'font-medium text-foreground'} />
          <span className="truncate font-mono text-xs text-muted-foreground">{k.prefix}_…</span>
        </div>
      ),
    },
    {
      id: 'permissions',
      header: 'Permissions',
      className: 'hidden w-48 xl:table-cell',
      skeletonClassName: 'w-32',
      cell: (k) => <Truncate text={k.permissions.join(', ')} className="font-mono text-xs text-muted-foreground" />,
    },
    {
      id: 'scope',
      header: 'Scope',
      className: 'hidden w-44 lg:table-cell',
      skeletonClassName: 'w-24',
      cell: (k) => <Truncate text={scopeText(k)} />,
    },
    ...lifecycleColumns(),
    {
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-28 text-right',
      skeletonClassName: 'ml-auto w-16',
      cell: (k) =>
        k.status === 'revoked' ? null : (
          <Button size="sm" variant="destructive-subtle" aria-describedby={`api-key-${k.id}-name`} onClick={() => setRevoking(k)}>
            <Ban aria-hidden="true" />
            Revoke
          </Button>
        ),
    },
  ];

  const createButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      <Plus aria-hidden="true" />
      New API key
    </Button>
  );
  const listIsEmpty = list.status === 'success' && items.length === 0;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="API keys"
        description="Personal keys for scripts and integrations. A key acts as you, with the permissions and scope you give it — never more than you hold yourself. Every use is recorded in the audit log."
      />
      <Card>
        {listIsEmpty ? null : (
          <ListToolbar actions={createButton}>
            <p className="text-[13px] text-muted-foreground">
              Keys are shown once, when they are created. Revoke any you no longer use.
            </p>
          </ListToolbar>
        )}
        <DataTable
          label="Your API keys"
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
            <EmptyState
              icon={KeyRound}
              title="No API keys yet — create one for your scripts"
              description="A key lets a script call the CloudRMM API as you, limited to the permissions and the partner, organization or site you choose."
              action={createButton}
            />
          }
        />
      </Card>

      <CreateApiKeyDialog open={creating} onOpenChange={setCreating} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title="Revoke API key?"
        confirmLabel="Revoke key"
        description={
          revoking ? (
            <>
              <strong className="font-semibold text-foreground">“{revoking.name}”</strong> (
              <span className="font-mono">{revoking.prefix}_…</span>) stops working at once: scripts that use it get “API key
              revoked”. This cannot be undone.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!revoking) return;
          const key = revoking;
          await revoke.mutateAsync(key);
          toast({ title: `API key “${key.name}” revoked` });
        }}
      />
    </div>
  );
}
