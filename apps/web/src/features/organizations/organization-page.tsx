import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, FileCode2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { validateListSearch } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyValue } from '../../ui/copy-button';
import { DeletedBadge } from '../../ui/deleted-badge';
import { DeletedAlert, descriptionItem, DetailsCard, EditDeleteActions } from '../../ui/detail-page';
import { plural } from '../../ui/format';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useCan } from '../auth/session-context';
import { RunScriptDialog } from '../commands/run-dialogs';
import { CustomFieldsCard } from '../custom-fields/custom-fields-card';
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
  const [dialog, setDialog] = useState<'edit' | 'delete' | 'run' | null>(null);
  const canRun = useCan('commands.run');
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
          organization && !deleted ? (
            <>
              {canRun ? (
                <Button onClick={() => setDialog('run')}>
                  <FileCode2 aria-hidden="true" />
                  Run script on this organization
                </Button>
              ) : null}
              {canManage ? <EditDeleteActions onEdit={() => setDialog('edit')} onDelete={() => setDialog('delete')} /> : null}
            </>
          ) : null
        }
      />

      {organization?.deleted_at ? (
        <DeletedAlert
          thing="organization"
          deletedAt={organization.deleted_at}
          canRestore={canManage}
          restoring={restoreOrganization.isPending}
          onRestore={() =>
            restoreOrganization.mutate(organization, {
              onSuccess: () => toast({ title: `Organization “${organization.name}” restored` }),
              onError: (error) => toast({ tone: 'error', title: 'Could not restore', description: errorMessage(error) }),
            })
          }
        >
          Restore it to manage its sites again.
        </DeletedAlert>
      ) : null}

      <DetailsCard
        thing="organization"
        items={
          organization
            ? [
                descriptionItem(organization.description),
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
              ]
            : null
        }
      />

      {deleted ? null : <DevicesHealthCard partnerId={partnerId} organizationId={organizationId} />}

      {organization && !deleted ? (
        <CustomFieldsCard partnerId={partnerId} entity="organization" entityId={organizationId} entityName={organization.name} />
      ) : null}

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
          <RunScriptDialog
            partnerId={partnerId}
            open={dialog === 'run'}
            onOpenChange={(open) => !open && setDialog(null)}
            target={{ type: 'organizations', ids: [organizationId] }}
          />
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
