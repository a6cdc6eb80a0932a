import { Link, getRouteApi } from '@tanstack/react-router';
import { Briefcase, Plus } from 'lucide-react';
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
import { countColumn, createdColumn, descriptionColumn, nameColumn, NamedListTable, rowActionsColumn } from '../../ui/named-list';
import type { NamedListDialog } from '../../ui/named-list';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { useCan } from '../auth/session-context';
import { DevicesHealthCard } from '../devices/devices-health-card';
import { PartnerStatusBadge } from '../partners/partner-status';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useDeleteOrganization, useOrganizationList, useRestoreOrganization } from './api';
import type { Organization } from './api';
import { OrganizationFormDialog } from './organization-form-dialog';

const route = getRouteApi('/_app/partners/$partnerId/organizations');

export function OrganizationsPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const params = toListParams(search);
  const list = useOrganizationList(partnerId, params);
  const { items, total } = flattenPages(list.data?.pages);
  const partner = usePartnerSummary(partnerId);
  const canManage = useCan('organizations.manage');
  const deleteOrganization = useDeleteOrganization(partnerId);
  const restoreOrganization = useRestoreOrganization(partnerId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<NamedListDialog<Organization>>(null);
  useDocumentTitle('Organizations', partner.name);

  function setSearch(patch: Partial<ListSearch>) {
    void navigate({ search: (prev) => validateListSearch({ ...prev, ...patch }), replace: true });
  }

  function restore(organization: Organization) {
    restoreOrganization.mutate(organization, {
      onSuccess: () => toast({ title: `Organization “${organization.name}” restored` }),
      onError: (error) =>
        toast({ tone: 'error', title: `Could not restore “${organization.name}”`, description: errorMessage(error) }),
    });
  }

  const idPrefix = 'organization';
  const columns: Column<Organization>[] = [
    nameColumn<Organization>({
      idPrefix,
      skeletonClassName: 'w-40',
      renderLink: (o, props) => (
        <Link to="/partners/$partnerId/organizations/$organizationId" params={{ partnerId, organizationId: o.id }} {...props} />
      ),
    }),
    descriptionColumn<Organization>({ skeletonClassName: 'w-56' }),
    countColumn<Organization>({
      id: 'sites',
      header: 'Sites',
      className: 'w-24 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-6',
      idPrefix,
      count: (o) => o.site_count,
      noun: ['site', 'sites'],
      renderLink: (o, props) => (
        <Link
          to="/partners/$partnerId/organizations/$organizationId"
          params={{ partnerId, organizationId: o.id }}
          hash="sites"
          {...props}
        />
      ),
    }),
    createdColumn<Organization>(),
  ];
  if (canManage) {
    columns.push(
      rowActionsColumn<Organization>({
        idPrefix,
        onEdit: (o) => setDialog({ kind: 'edit', row: o }),
        onDelete: (o) => setDialog({ kind: 'delete', row: o }),
        onRestore: restore,
        isRestoring: (o) => restoreOrganization.isPending && restoreOrganization.variables?.id === o.id,
      }),
    );
  }

  const createButton = canManage ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
      <Plus aria-hidden="true" />
      New organization
    </Button>
  ) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Organizations"
        badge={partner.partner?.status === 'suspended' ? <PartnerStatusBadge status="suspended" /> : null}
        description={
          partner.name ? (
            <>
              Customers of <span className="font-medium text-foreground">{partner.name}</span>. Open one to manage its sites.
            </>
          ) : partner.query.isPending ? (
            <Skeleton className="h-4 w-64" />
          ) : (
            'Customers of this partner. Open one to manage its sites.'
          )
        }
      />
      <DevicesHealthCard partnerId={partnerId} />
      <Card>
        <NamedListTable
          label="Organizations"
          noun={['organization', 'organizations']}
          columns={columns}
          list={list}
          rows={items}
          total={total}
          search={search}
          onSearchChange={setSearch}
          createButton={createButton}
          emptyIcon={Briefcase}
          emptyDescription={
            canManage
              ? 'Add a customer, then its sites, to start enrolling devices.'
              : 'Ask an administrator of this partner to add one.'
          }
        />
      </Card>

      <OrganizationFormDialog
        partnerId={partnerId}
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        organization={dialog?.kind === 'edit' ? dialog.row : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete organization?"
        description={dialog?.kind === 'delete' ? <DeleteOrganizationText organization={dialog.row} /> : null}
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const organization = dialog.row;
          await deleteOrganization.mutateAsync(organization);
          toast({ title: `Organization “${organization.name}” deleted` });
        }}
      />
    </div>
  );
}

export function DeleteOrganizationText({ organization }: { organization: Organization }) {
  return (
    <>
      <strong className="font-semibold text-foreground">“{organization.name}”</strong> will be hidden from the dashboard. You can
      restore it later from “Show deleted”.
      {organization.site_count > 0 ? (
        <> It still has {plural(organization.site_count, 'site', 'sites')}: delete those first.</>
      ) : null}
    </>
  );
}
