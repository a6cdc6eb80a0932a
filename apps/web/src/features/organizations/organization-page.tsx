import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, Pencil, RotateCcw, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { validateListSearch } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyValue } from '../../ui/copy-button';
import { DeletedBadge } from '../../ui/deleted-badge';
import { DescriptionList } from '../../ui/description-list';
import { formatDateTime, plural } from '../../ui/format';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useCan } from '../auth/session-context';
import { DevicesHealthCard } from '../devices/devices-health-card';
import { usePartnerSummary } from '../partners/use-partner-name';
import { SitesSection } from '../sites/sites-section';
import { useDeleteOrganization, useOrganization, useRestoreOrganization } from './api';
import { OrganizationFormDialog } from './organization-form-dialog';
import { DeleteOrganizationText } from './organizations-page';

const route = getRouteApi('/_app/partners/$partnerId/organizations/$organizationId');

export function OrganizationPage() {
  const { partnerId, organizationId } = route.useParams();
  const search = route.useSearch();
  const navigateRoute = route.useNavigate();
  const navigate = useNavigate();
  const query = useOrganization(partnerId, organizationId);
  const organization = query.data;
  const partner = usePartnerSummary(partnerId);
  const canManage = useCan('organizations.manage');
  const deleteOrganization = useDeleteOrganization(partnerId);
  const restoreOrganization = useRestoreOrganization(partnerId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);
  useDocumentTitle(organization?.name ?? 'Organization', partner.name);

  function setSearch(patch: Partial<ListSearch>) {
    void navigateRoute({
      search: (prev) => validateListSearch({ ...prev, ...patch }),
      replace: true,
    });
  }

  const back = (
    <Button asChild>
      <Link to="/partners/$partnerId/organizations" params={{ partnerId }}>
        <ArrowLeft aria-hidden="true" />
        All organizations
      </Link>
    </Button>
  );

  if (query.isError) {
    return <LoadErrorState error={query.error} thing="organization" onRetry={() => void query.refetch()} back={back} />;
  }

  const deleted = Boolean(organization?.deleted_at);

  return (
    <div className="grid gap-5">
      <PageHeader
        title={organization ? organization.name : <Skeleton className="h-6 w-56" />}
        badge={organization?.deleted_at ? <DeletedBadge deletedAt={organization.deleted_at} /> : null}
        description={
          partner.name ? (
            <>
              Organization of <span className="font-medium text-foreground">{partner.name}</span>
            </>
          ) : (
            'Organization'
          )
        }
        actions={
          organization && canManage && !deleted ? (
            <>
              <Button onClick={() => setDialog('edit')}>
                <Pencil aria-hidden="true" />
                Edit
              </Button>
              <Button variant="destructive-ghost" onClick={() => setDialog('delete')}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : null
        }
      />

      {organization?.deleted_at ? (
        <Alert
          tone="warning"
          title={`This organization was deleted ${formatDateTime(organization.deleted_at)}`}
          action={
            canManage ? (
              <Button
                size="sm"
                loading={restoreOrganization.isPending}
                onClick={() =>
                  restoreOrganization.mutate(organization, {
                    onSuccess: () => toast({ title: `Organization “${organization.name}” restored` }),
                    onError: (error) => toast({ tone: 'error', title: 'Could not restore', description: errorMessage(error) }),
                  })
                }
              >
                {restoreOrganization.isPending ? null : <RotateCcw aria-hidden="true" />}
                Restore
              </Button>
            ) : null
          }
        >
          Restore it to manage its sites again.
        </Alert>
      ) : null}

      <Card aria-labelledby="organization-details-heading">
        <CardHeader>
          <CardTitle id="organization-details-heading">Details</CardTitle>
        </CardHeader>
        <CardContent className="py-4">
          {organization ? (
            <DescriptionList
              items={[
                {
                  label: 'Description',
                  wide: true,
                  value: organization.description ? (
                    <p className="whitespace-pre-wrap">{organization.description}</p>
                  ) : (
                    <span className="text-muted-foreground">No description</span>
                  ),
                },
                {
                  label: 'Sites',
                  value: deleted ? (
                    plural(organization.site_count, 'site', 'sites')
                  ) : (
                    <a href="#sites" className="text-link hover:underline">
                      {plural(organization.site_count, 'site', 'sites')}
                    </a>
                  ),
                },
                { label: 'Created', value: <Time value={organization.created_at} mode="datetime" /> },
                { label: 'Updated', value: <Time value={organization.updated_at} mode="datetime" /> },
                { label: 'Organization ID', value: <CopyValue value={organization.id} label="organization ID" /> },
              ]}
            />
          ) : (
            <div className="grid gap-3" aria-busy="true">
              <Skeleton className="h-4 w-2/3" />
              <Skeleton className="h-4 w-1/3" />
              <span className="sr-only" role="status">
                Loading organization…
              </span>
            </div>
          )}
        </CardContent>
      </Card>

      {deleted ? null : <DevicesHealthCard partnerId={partnerId} organizationId={organizationId} />}

      {deleted ? null : (
        <SitesSection
          partnerId={partnerId}
          organizationId={organizationId}
          organizationName={organization?.name}
          search={search}
          onSearchChange={setSearch}
        />
      )}

      {organization ? (
        <>
          <OrganizationFormDialog
            partnerId={partnerId}
            open={dialog === 'edit'}
            onOpenChange={(open) => !open && setDialog(null)}
            organization={organization}
          />
          <ConfirmDialog
            open={dialog === 'delete'}
            onOpenChange={(open) => !open && setDialog(null)}
            title="Delete organization?"
            description={<DeleteOrganizationText organization={organization} />}
            onConfirm={async () => {
              await deleteOrganization.mutateAsync(organization);
              toast({ title: `Organization “${organization.name}” deleted` });
              void navigate({ to: '/partners/$partnerId/organizations', params: { partnerId } });
            }}
          />
        </>
      ) : null}
    </div>
  );
}
