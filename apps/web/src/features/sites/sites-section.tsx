import { Link } from '@tanstack/react-router';
import { MapPin, Plus } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages, toListParams } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import type { Column } from '../../ui/data-table';
import { createdColumn, descriptionColumn, nameColumn, NamedListTable, rowActionsColumn } from '../../ui/named-list';
import type { NamedListDialog } from '../../ui/named-list';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { useDeleteSite, useRestoreSite, useSiteList } from './api';
import type { Site } from './api';
import { SiteFormDialog } from './site-form-dialog';
import { utcOffset } from './timezones';

export interface SitesSectionProps {
  partnerId: string;
  organizationId: string;
  organizationName: string | undefined;
  search: ListSearch;
  onSearchChange: (patch: Partial<ListSearch>) => void;
}

/** The organization page's sites table: search, sort, show deleted, create/edit/delete/restore. */
export function SitesSection({ partnerId, organizationId, organizationName, search, onSearchChange }: SitesSectionProps) {
  const params = toListParams(search);
  const list = useSiteList(partnerId, organizationId, params);
  const { items, total } = flattenPages(list.data?.pages);
  const canManage = useCan('sites.manage');
  const deleteSite = useDeleteSite(partnerId, organizationId);
  const restoreSite = useRestoreSite(partnerId, organizationId);
  const { toast } = useToast();
  const [dialog, setDialog] = useState<NamedListDialog<Site>>(null);

  function restore(site: Site) {
    restoreSite.mutate(site, {
      onSuccess: () => toast({ title: `Site “${site.name}” restored` }),
      onError: (error) => toast({ tone: 'error', title: `Could not restore “${site.name}”`, description: errorMessage(error) }),
    });
  }

  const idPrefix = 'site';
  const columns: Column<Site>[] = [
    nameColumn<Site>({
      idPrefix,
      skeletonClassName: 'w-36',
      renderLink: (s, props) => (
        <Link
          to="/partners/$partnerId/organizations/$organizationId/sites/$siteId"
          params={{ partnerId, organizationId, siteId: s.id }}
          {...props}
        />
      ),
    }),
    descriptionColumn<Site>({ skeletonClassName: 'w-48' }),
    {
      id: 'timezone',
      header: 'Timezone',
      className: 'w-64',
      skeletonClassName: 'w-28',
      cell: (s) => {
        const offset = utcOffset(s.timezone);
        return (
          <Truncate text={offset ? `${s.timezone} (${offset})` : s.timezone}>
            {s.timezone}
            {offset ? <span className="ml-1.5 text-xs text-muted-foreground">{offset}</span> : null}
          </Truncate>
        );
      },
    },
    createdColumn<Site>(),
  ];
  if (canManage) {
    columns.push(
      rowActionsColumn<Site>({
        idPrefix,
        onEdit: (s) => setDialog({ kind: 'edit', row: s }),
        onDelete: (s) => setDialog({ kind: 'delete', row: s }),
        onRestore: restore,
        isRestoring: (s) => restoreSite.isPending && restoreSite.variables?.id === s.id,
      }),
    );
  }

  const createButton = canManage ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
      <Plus aria-hidden="true" />
      New site
    </Button>
  ) : null;

  return (
    <Card id="sites" aria-labelledby="sites-heading" className="scroll-mt-4">
      <CardHeader>
        <CardTitle id="sites-heading">Sites</CardTitle>
      </CardHeader>
      <NamedListTable
        label={organizationName ? `Sites of ${organizationName}` : 'Sites'}
        noun={['site', 'sites']}
        columns={columns}
        list={list}
        rows={items}
        total={total}
        search={search}
        onSearchChange={onSearchChange}
        createButton={createButton}
        emptyIcon={MapPin}
        emptyDescription={
          canManage
            ? 'A site groups devices by location, such as an office or a data centre.'
            : 'Ask an administrator to add one.'
        }
      />

      <SiteFormDialog
        partnerId={partnerId}
        organizationId={organizationId}
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        site={dialog?.kind === 'edit' ? dialog.row : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete site?"
        description={
          dialog?.kind === 'delete' ? (
            <>
              <strong className="font-semibold text-foreground">“{dialog.row.name}”</strong> will be hidden from the dashboard.
              You can restore it later from “Show deleted”.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const site = dialog.row;
          await deleteSite.mutateAsync(site);
          toast({ title: `Site “${site.name}” deleted` });
        }}
      />
    </Card>
  );
}
