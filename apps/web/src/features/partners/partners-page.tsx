import { Link, getRouteApi } from '@tanstack/react-router';
import { Building2, Plus, SearchX } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages, toListParams, validateListSearch } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { DeletedBadge } from '../../ui/deleted-badge';
import { EmptyState } from '../../ui/empty-state';
import { formatCount, plural } from '../../ui/format';
import { CheckboxToggle, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { RowActions } from '../../ui/row-actions';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { useDeletePartner, usePartnerList, useRestorePartner } from './api';
import type { Partner } from './api';
import { PartnerFormDialog } from './partner-form-dialog';
import { PartnerStatusBadge } from './partner-status';

const route = getRouteApi('/_app/partners');

type DialogState = { kind: 'create' } | { kind: 'edit'; partner: Partner } | { kind: 'delete'; partner: Partner } | null;

export function PartnersPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const params = toListParams(search);
  const list = usePartnerList(params);
  const { items, total } = flattenPages(list.data?.pages);
  const canManage = useCan('partners.manage');
  const deletePartner = useDeletePartner();
  const restorePartner = useRestorePartner();
  const { toast } = useToast();
  const [dialog, setDialog] = useState<DialogState>(null);
  useDocumentTitle('Partners');

  function setSearch(patch: Partial<ListSearch>) {
    void navigate({ search: (prev) => validateListSearch({ ...prev, ...patch }), replace: true });
  }

  function restore(partner: Partner) {
    restorePartner.mutate(partner, {
      onSuccess: () => toast({ title: `Partner “${partner.name}” restored` }),
      onError: (error) =>
        toast({ tone: 'error', title: `Could not restore “${partner.name}”`, description: errorMessage(error) }),
    });
  }

  const filtered = params.q !== '';
  const listIsEmpty = list.status === 'success' && items.length === 0 && !filtered;

  const columns: Column<Partner>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      skeletonClassName: 'w-40',
      cell: (p) => (
        <div id={`partner-${p.id}-name`} className="flex min-w-0 items-center gap-2">
          {p.deleted_at ? (
            <Truncate text={p.name} className="text-muted-foreground" />
          ) : (
            <Link
              to="/partners/$partnerId/organizations"
              params={{ partnerId: p.id }}
              className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
            >
              <Truncate text={p.name} />
            </Link>
          )}
          {p.deleted_at ? <DeletedBadge deletedAt={p.deleted_at} /> : null}
        </div>
      ),
    },
    {
      id: 'slug',
      header: 'Slug',
      className: 'hidden w-56 lg:table-cell',
      cell: (p) => <Truncate text={p.slug} className="font-mono text-xs text-muted-foreground" />,
    },
    {
      id: 'status',
      header: 'Status',
      className: 'w-32',
      skeletonClassName: 'w-16',
      cell: (p) => <PartnerStatusBadge status={p.status} />,
    },
    {
      id: 'organizations',
      header: 'Organizations',
      className: 'w-32 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-8',
      cell: (p) =>
        p.deleted_at ? (
          <span className="text-muted-foreground">{formatCount(p.organization_count)}</span>
        ) : (
          <Link
            to="/partners/$partnerId/organizations"
            params={{ partnerId: p.id }}
            aria-describedby={`partner-${p.id}-name`}
            className="text-link hover:underline"
          >
            {formatCount(p.organization_count)}
            <span className="sr-only">{p.organization_count === 1 ? ' organization' : ' organizations'}</span>
          </Link>
        ),
    },
    {
      id: 'created',
      header: 'Created',
      sortField: 'created_at',
      className: 'hidden w-36 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-20',
      cell: (p) => <Time value={p.created_at} />,
    },
  ];
  if (canManage) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-44 text-right',
      skeletonClassName: 'ml-auto w-24',
      cell: (p) => (
        <RowActions
          deleted={p.deleted_at !== null}
          describedBy={`partner-${p.id}-name`}
          onEdit={() => setDialog({ kind: 'edit', partner: p })}
          onDelete={() => setDialog({ kind: 'delete', partner: p })}
          onRestore={() => restore(p)}
          restoring={restorePartner.isPending && restorePartner.variables?.id === p.id}
        />
      ),
    });
  }

  const createButton = canManage ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
      <Plus aria-hidden="true" />
      New partner
    </Button>
  ) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Partners"
        description="The MSPs on this platform. Open a partner to manage its organizations and sites."
      />
      <Card>
        <ListToolbar actions={listIsEmpty ? null : createButton}>
          <SearchInput label="Search partners" value={search.q ?? ''} onChange={(q) => setSearch({ q })} />
          <CheckboxToggle
            label="Show deleted"
            checked={params.includeDeleted}
            onChange={(checked) => setSearch({ deleted: checked ? 1 : undefined })}
          />
        </ListToolbar>
        <DataTable
          label="Partners"
          noun={['partner', 'partners']}
          columns={columns}
          rows={items}
          rowKey={(p) => p.id}
          rowClassName={(p) => (p.deleted_at ? 'bg-muted/40' : undefined)}
          sort={params.sort}
          onSortChange={(sort) => setSearch({ sort })}
          {...cursorListProps(list)}
          total={total}
          empty={
            filtered ? (
              <EmptyState
                icon={SearchX}
                title={`No partners match “${params.q}”`}
                description="Check the spelling, or clear the search to see every partner."
                action={<Button onClick={() => setSearch({ q: undefined })}>Clear search</Button>}
              />
            ) : (
              <EmptyState
                icon={Building2}
                title="No partners yet — create the first one"
                description="Each partner is an MSP with its own organizations, sites and devices."
                action={createButton}
              />
            )
          }
        />
      </Card>

      <PartnerFormDialog
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        partner={dialog?.kind === 'edit' ? dialog.partner : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete partner?"
        description={
          dialog?.kind === 'delete' ? (
            <>
              <strong className="font-semibold text-foreground">“{dialog.partner.name}”</strong> and its{' '}
              {plural(dialog.partner.organization_count, 'organization', 'organizations')} will be hidden from the dashboard. You
              can restore it later from “Show deleted”.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const { partner } = dialog;
          await deletePartner.mutateAsync(partner);
          toast({ title: `Partner “${partner.name}” deleted` });
        }}
      />
    </div>
  );
}
