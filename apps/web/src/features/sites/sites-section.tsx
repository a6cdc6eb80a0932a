import { Link } from '@tanstack/react-router';
import { MapPin, Plus, SearchX } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { flattenPages, toListParams } from '../../api/list';
import type { ListSearch } from '../../api/list';
import { Button } from '../../ui/button';
import { Card, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { DeletedBadge } from '../../ui/deleted-badge';
import { EmptyState } from '../../ui/empty-state';
import { CheckboxToggle, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { RowActions } from '../../ui/row-actions';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { useDeleteSite, useRestoreSite, useSiteList } from './api';
import type { Site } from './api';
import { SiteFormDialog } from './site-form-dialog';
import { utcOffset } from './timezones';

type DialogState = { kind: 'create' } | { kind: 'edit'; site: Site } | { kind: 'delete'; site: Site } | null;

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
  const [dialog, setDialog] = useState<DialogState>(null);

  function restore(site: Site) {
    restoreSite.mutate(site, {
      onSuccess: () => toast({ title: `Site “${site.name}” restored` }),
      onError: (error) => toast({ tone: 'error', title: `Could not restore “${site.name}”`, description: errorMessage(error) }),
    });
  }

  const filtered = params.q !== '';
  const listIsEmpty = list.status === 'success' && items.length === 0 && !filtered;

  const columns: Column<Site>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      skeletonClassName: 'w-36',
      cell: (s) => (
        <div id={`site-${s.id}-name`} className="flex min-w-0 items-center gap-2">
          {s.deleted_at ? (
            <Truncate text={s.name} className="text-muted-foreground" />
          ) : (
            <Link
              to="/partners/$partnerId/organizations/$organizationId/sites/$siteId"
              params={{ partnerId, organizationId, siteId: s.id }}
              className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
            >
              <Truncate text={s.name} />
            </Link>
          )}
          {s.deleted_at ? <DeletedBadge deletedAt={s.deleted_at} /> : null}
        </div>
      ),
    },
    {
      id: 'description',
      header: 'Description',
      className: 'hidden text-muted-foreground lg:table-cell',
      skeletonClassName: 'w-48',
      cell: (s) => (s.description ? <Truncate text={s.description} /> : <span aria-label="None">—</span>),
    },
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
    {
      id: 'created',
      header: 'Created',
      sortField: 'created_at',
      className: 'hidden w-36 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-20',
      cell: (s) => <Time value={s.created_at} />,
    },
  ];
  if (canManage) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-44 text-right',
      skeletonClassName: 'ml-auto w-24',
      cell: (s) => (
        <RowActions
          deleted={s.deleted_at !== null}
          describedBy={`site-${s.id}-name`}
          onEdit={() => setDialog({ kind: 'edit', site: s })}
          onDelete={() => setDialog({ kind: 'delete', site: s })}
          onRestore={() => restore(s)}
          restoring={restoreSite.isPending && restoreSite.variables?.id === s.id}
        />
      ),
    });
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
      <ListToolbar actions={listIsEmpty ? null : createButton}>
        <SearchInput label="Search sites" value={search.q ?? ''} onChange={(q) => onSearchChange({ q })} />
        <CheckboxToggle
          label="Show deleted"
          checked={params.includeDeleted}
          onChange={(checked) => onSearchChange({ deleted: checked ? 1 : undefined })}
        />
      </ListToolbar>
      <DataTable
        label={organizationName ? `Sites of ${organizationName}` : 'Sites'}
        noun={['site', 'sites']}
        columns={columns}
        rows={items}
        rowKey={(s) => s.id}
        rowClassName={(s) => (s.deleted_at ? 'bg-muted/40' : undefined)}
        sort={params.sort}
        onSortChange={(sort) => onSearchChange({ sort })}
        {...cursorListProps(list)}
        total={total}
        empty={
          filtered ? (
            <EmptyState
              icon={SearchX}
              title={`No sites match “${params.q}”`}
              description="Check the spelling, or clear the search to see every site."
              action={<Button onClick={() => onSearchChange({ q: undefined })}>Clear search</Button>}
            />
          ) : (
            <EmptyState
              icon={MapPin}
              title="No sites yet — create the first one"
              description={
                canManage
                  ? 'A site groups devices by location, such as an office or a data centre.'
                  : 'Ask an administrator to add one.'
              }
              action={createButton}
            />
          )
        }
      />

      <SiteFormDialog
        partnerId={partnerId}
        organizationId={organizationId}
        open={dialog?.kind === 'create' || dialog?.kind === 'edit'}
        onOpenChange={(open) => !open && setDialog(null)}
        site={dialog?.kind === 'edit' ? dialog.site : undefined}
      />
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete site?"
        description={
          dialog?.kind === 'delete' ? (
            <>
              <strong className="font-semibold text-foreground">“{dialog.site.name}”</strong> will be hidden from the dashboard.
              You can restore it later from “Show deleted”.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (dialog?.kind !== 'delete') return;
          const { site } = dialog;
          await deleteSite.mutateAsync(site);
          toast({ title: `Site “${site.name}” deleted` });
        }}
      />
    </Card>
  );
}
