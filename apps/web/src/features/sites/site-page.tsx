import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, FileCode2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { CopyValue } from '../../ui/copy-button';
import { DeletedBadge } from '../../ui/deleted-badge';
import { DeletedAlert, descriptionItem, DetailsCard, EditDeleteActions } from '../../ui/detail-page';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useNow } from '../../ui/use-now';
import { useCan } from '../auth/session-context';
import { RunScriptDialog } from '../commands/run-dialogs';
import { CustomFieldsCard } from '../custom-fields/custom-fields-card';
import { DevicesHealthCard } from '../devices/devices-health-card';
import { InstallAgentsSection } from '../enrollment/install-agents-section';
import { useOrganization } from '../organizations/api';
import { useDeleteSite, useRestoreSite, useSite } from './api';
import { SiteFormDialog } from './site-form-dialog';
import { localTime, utcOffset } from './timezones';

const route = getRouteApi('/_app/partners/$partnerId/organizations/$organizationId/sites/$siteId');

export function SitePage() {
  const { partnerId, organizationId, siteId } = route.useParams();
  const navigate = useNavigate();
  const query = useSite(partnerId, organizationId, siteId);
  const site = query.data;
  const organization = useOrganization(partnerId, organizationId).data;
  const canManage = useCan('sites.manage');
  const deleteSite = useDeleteSite(partnerId, organizationId);
  const restoreSite = useRestoreSite(partnerId, organizationId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<'edit' | 'delete' | 'run' | null>(null);
  const canRun = useCan('commands.run');
  const clock = useNow();
  useDocumentTitle(site?.name ?? 'Site', organization?.name);

  const back = (
    <Button asChild>
      <Link to="/partners/$partnerId/organizations/$organizationId" params={{ partnerId, organizationId }}>
        <ArrowLeft aria-hidden="true" />
        {organization ? `Back to ${organization.name}` : 'Back to organization'}
      </Link>
    </Button>
  );

  if (query.isError) {
    return <LoadErrorState error={query.error} thing="site" onRetry={() => void query.refetch()} back={back} />;
  }

  const deleted = Boolean(site?.deleted_at);
  const offset = site ? utcOffset(site.timezone, clock) : null;
  const now = site ? localTime(site.timezone, clock) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={site ? site.name : <Skeleton className="h-6 w-48" />}
        badge={site?.deleted_at ? <DeletedBadge deletedAt={site.deleted_at} /> : null}
        description={
          organization ? (
            <>
              Site of{' '}
              <Link
                to="/partners/$partnerId/organizations/$organizationId"
                params={{ partnerId, organizationId }}
                className="font-medium text-foreground hover:text-link hover:underline"
              >
                {organization.name}
              </Link>
            </>
          ) : (
            'Site'
          )
        }
        actions={
          site && !deleted ? (
            <>
              {canRun ? (
                <Button onClick={() => setDialog('run')}>
                  <FileCode2 aria-hidden="true" />
                  Run script on this site
                </Button>
              ) : null}
              {canManage ? <EditDeleteActions onEdit={() => setDialog('edit')} onDelete={() => setDialog('delete')} /> : null}
            </>
          ) : null
        }
      />

      {site?.deleted_at ? (
        <DeletedAlert
          thing="site"
          deletedAt={site.deleted_at}
          canRestore={canManage}
          restoring={restoreSite.isPending}
          onRestore={() =>
            restoreSite.mutate(site, {
              onSuccess: () => toast({ title: `Site “${site.name}” restored` }),
              onError: (error) => toast({ tone: 'error', title: 'Could not restore', description: errorMessage(error) }),
            })
          }
        >
          It is hidden from the organization’s site list until restored.
        </DeletedAlert>
      ) : null}

      <DetailsCard
        thing="site"
        items={
          site
            ? [
                { label: 'Name', value: site.name },
                {
                  label: 'Timezone',
                  value: (
                    <span className="grid gap-0.5">
                      <span>{site.timezone}</span>
                      {offset || now ? (
                        <span className="text-xs text-muted-foreground">
                          {[offset, now ? `${now} there now` : null].filter(Boolean).join(' · ')}
                        </span>
                      ) : null}
                    </span>
                  ),
                },
                { label: 'Created', value: <Time value={site.created_at} mode="datetime" /> },
                { label: 'Updated', value: <Time value={site.updated_at} mode="datetime" /> },
                descriptionItem(site.description),
                { label: 'Site ID', value: <CopyValue value={site.id} label="site ID" /> },
              ]
            : null
        }
      />

      {site && !deleted ? (
        <>
          <DevicesHealthCard partnerId={partnerId} organizationId={organizationId} siteId={siteId} />
          <CustomFieldsCard partnerId={partnerId} entity="site" entityId={siteId} entityName={site.name} />
          <InstallAgentsSection partnerId={partnerId} organizationId={organizationId} siteId={siteId} siteName={site.name} />
        </>
      ) : null}

      {site ? (
        <>
          <RunScriptDialog
            partnerId={partnerId}
            open={dialog === 'run'}
            onOpenChange={(open) => !open && setDialog(null)}
            target={{ type: 'sites', ids: [siteId], organizationId }}
          />
          <SiteFormDialog
            partnerId={partnerId}
            organizationId={organizationId}
            open={dialog === 'edit'}
            onOpenChange={(open) => !open && setDialog(null)}
            site={site}
          />
          <ConfirmDialog
            open={dialog === 'delete'}
            onOpenChange={(open) => !open && setDialog(null)}
            title="Delete site?"
            description={
              <>
                <strong className="font-semibold text-foreground">“{site.name}”</strong>
                {organization ? ` (${organization.name})` : ''} will be hidden from the dashboard. You can restore it later from
                “Show deleted” on the organization page.
              </>
            }
            onConfirm={async () => {
              await deleteSite.mutateAsync(site);
              toast({ title: `Site “${site.name}” deleted` });
              void navigate({
                to: '/partners/$partnerId/organizations/$organizationId',
                params: { partnerId, organizationId },
              });
            }}
          />
        </>
      ) : null}
    </div>
  );
}
