import { Link, getRouteApi } from '@tanstack/react-router';
import { Building2, Plus } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages, toListParams, validateListSearch } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import type { Column } from '../../ui/data-table';
import { plural } from '../../ui/format';
import { countColumn, createdColumn, nameColumn, NamedListTable, rowActionsColumn } from '../../ui/named-list';
import type { NamedListDialog } from '../../ui/named-list';
import { PageHeader } from '../../ui/page-header';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { useDeletePartner, usePartnerList, useRestorePartner } from './api';
import type { Partner } from './api';
import { PartnerFormDialog } from './partner-form-dialog';
import { PartnerStatusBadge } from './partner-status';

const route = getRouteApi('/_app/partners');

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
  const [dialog, setDialog] = useState<NamedListDialog<Partner>>(null);
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

  const idPrefix = 'partner';
  const columns: Column<Partner>[] = [
    nameColumn<Partner>({
      idPrefix,
      skeletonClassName: 'w-40',
      renderLink: (p, props) => <Link to="/partners/$partnerId/organizations" params={{ partnerId: p.id }} {...props} />,
    }),
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
    countColumn<Partner>({
      id: 'organizations',
      header: 'Organizations',
      className: 'w-32 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-8',
      idPrefix,
      count: (p) => p.organization_count,
      noun: ['organization', 'organizations'],
      renderLink: (p, props) => <Link to="/partners/$partnerId/organizations" params={{ partnerId: p.id }} {...props} />,
    }),
    createdColumn<Partner>(),
  ];
  if (canManage) {
    columns.push(
      rowActionsColumn<Partner>({
        idPrefix,
        onEdit: (p) => setDialog({ kind: 'edit', row: p }),
        onDelete: (p) => setDialog({ kind: 'delete', row: p }),
        onRestore: restore,
        isRestoring: (p) => restorePartner.isPending && restorePartner.variables?.id === p.id,
      }),
    );
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
        <NamedListTable
          label="Partners"
          noun={['partner', 'partners']}
          columns={columns}
          list={list}
          rows={items}
          total={total}
          search={search}
          onSearchChange={setSearch}
          createButton={createButton}
          emptyIcon={Building2}
          emptyDescription="Each partner is an MSP with its own organizations, sites and devices."
        />
      </Card>

      <PartnerFormDialog
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        partner={dialog?.kind === 'edit' ? dialog.row : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete partner?"
        description={
          dialog?.kind === 'delete' ? (
            <>
              <strong className="font-semibold text-foreground">“{dialog.row.name}”</strong> and its{' '}
              {plural(dialog.row.organization_count, 'organization', 'organizations')} will be hidden from the dashboard. You can
              restore it later from “Show deleted”.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const partner = dialog.row;
          await deletePartner.mutateAsync(partner);
          toast({ title: `Partner “${partner.name}” deleted` });
        }}
      />
    </div>
  );
}
