import { Link, getRouteApi } from '@tanstack/react-router';
import { Briefcase, Plus, SearchX } from 'lucide-react';
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
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { DevicesHealthCard } from '../devices/devices-health-card';
import { PartnerStatusBadge } from '../partners/partner-status';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useDeleteOrganization, useOrganizationList, useRestoreOrganization } from './api';
import type { Organization } from './api';
import { OrganizationFormDialog } from './organization-form-dialog';

const route = getRouteApi('/_app/partners/$partnerId/organizations');

type DialogState =
  { kind: 'create' } | { kind: 'edit'; organization: Organization } | { kind: 'delete'; organization: Organization } | null;

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
  const [dialog, setDialog] = useState<DialogState>(null);
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

  const filtered = params.q !== '';
  const listIsEmpty = list.status === 'success' && items.length === 0 && !filtered;

  const columns: Column<Organization>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      skeletonClassName: 'w-40',
      cell: (o) => (
        <div id={`organization-${o.id}-name`} className="flex min-w-0 items-center gap-2">
          {o.deleted_at ? (
            <Truncate text={o.name} className="text-muted-foreground" />
          ) : (
            <Link
              to="/partners/$partnerId/organizations/$organizationId"
              params={{ partnerId, organizationId: o.id }}
              className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
            >
              <Truncate text={o.name} />
            </Link>
          )}
          {o.deleted_at ? <DeletedBadge deletedAt={o.deleted_at} /> : null}
        </div>
      ),
    },
    {
      id: 'description',
      header: 'Description',
      className: 'hidden text-muted-foreground lg:table-cell',
      skeletonClassName: 'w-56',
      cell: (o) => (o.description ? <Truncate text={o.description} /> : <span aria-label="None">—</span>),
    },
    {
      id: 'sites',
      header: 'Sites',
      className: 'w-24 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-6',
      cell: (o) =>
        o.deleted_at ? (
          <span className="text-muted-foreground">{formatCount(o.site_count)}</span>
        ) : (
          <Link
            to="/partners/$partnerId/organizations/$organizationId"
            params={{ partnerId, organizationId: o.id }}
            hash="sites"
            aria-describedby={`organization-${o.id}-name`}
            className="text-link hover:underline"
          >
            {formatCount(o.site_count)}
            <span className="sr-only">{o.site_count === 1 ? ' site' : ' sites'}</span>
          </Link>
        ),
    },
    {
      id: 'created',
      header: 'Created',
      sortField: 'created_at',
      className: 'hidden w-36 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-20',
      cell: (o) => <Time value={o.created_at} />,
    },
  ];
  if (canManage) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-44 text-right',
      skeletonClassName: 'ml-auto w-24',
      cell: (o) => (
        <RowActions
          deleted={o.deleted_at !== null}
          describedBy={`organization-${o.id}-name`}
          onEdit={() => setDialog({ kind: 'edit', organization: o })}
          onDelete={() => setDialog({ kind: 'delete', organization: o })}
          onRestore={() => restore(o)}
          restoring={restoreOrganization.isPending && restoreOrganization.variables?.id === o.id}
        />
      ),
    });
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
        <ListToolbar actions={listIsEmpty ? null : createButton}>
          <SearchInput label="Search organizations" value={search.q ?? ''} onChange={(q) => setSearch({ q })} />
          <CheckboxToggle
            label="Show deleted"
            checked={params.includeDeleted}
            onChange={(checked) => setSearch({ deleted: checked ? 1 : undefined })}
          />
        </ListToolbar>
        <DataTable
          label="Organizations"
          noun={['organization', 'organizations']}
          columns={columns}
          rows={items}
          rowKey={(o) => o.id}
          rowClassName={(o) => (o.deleted_at ? 'bg-muted/40' : undefined)}
          sort={params.sort}
          onSortChange={(sort) => setSearch({ sort })}
          {...cursorListProps(list)}
          total={total}
          empty={
            filtered ? (
              <EmptyState
                icon={SearchX}
                title={`No organizations match “${params.q}”`}
                description="Check the spelling, or clear the search to see every organization."
                action={<Button onClick={() => setSearch({ q: undefined })}>Clear search</Button>}
              />
            ) : (
              <EmptyState
                icon={Briefcase}
                title="No organizations yet — create the first one"
                description={
                  canManage
                    ? 'Add a customer, then its sites, to start enrolling devices.'
                    : 'Ask an administrator of this partner to add one.'
                }
                action={createButton}
              />
            )
          }
        />
      </Card>

      <OrganizationFormDialog
        partnerId={partnerId}
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        organization={dialog?.kind === 'edit' ? dialog.organization : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete organization?"
        description={dialog?.kind === 'delete' ? <DeleteOrganizationText organization={dialog.organization} /> : null}
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const { organization } = dialog;
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
