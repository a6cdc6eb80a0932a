import { Link, getRouteApi } from '@tanstack/react-router';
import { CopyPlus, Eye, Lock, Pencil, Plus, ShieldCheck, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { EmptyState } from '../../ui/empty-state';
import { formatCount } from '../../ui/format';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { Truncate } from '../../ui/truncate';
import { useCan } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useDeleteRole, useRoleList } from './api';
import type { Role } from './api';
import { DeleteRoleText } from './delete-role-text';

const route = getRouteApi('/_app/partners/$partnerId/roles');

export function SystemBadge() {
  return (
    <Badge title="Built in: the same for every partner, cannot be changed">
      <Lock aria-hidden="true" />
      System
    </Badge>
  );
}

export function RolesPage() {
  const { partnerId } = route.useParams();
  const list = useRoleList(partnerId);
  const roles = list.data ?? [];
  const partner = usePartnerSummary(partnerId);
  const canManage = useCan('roles.manage');
  const deleteRole = useDeleteRole(partnerId);
  const { toast } = useToast();
  const [deleting, setDeleting] = useState<Role | null>(null);
  useDocumentTitle('Roles', partner.name);

  const customCount = roles.filter((r) => !r.is_system).length;

  const columns: Column<Role>[] = [
    {
      id: 'name',
      header: 'Role',
      skeletonClassName: 'w-32',
      className: 'w-64',
      cell: (r) => (
        <div id={`role-${r.id}-name`} className="flex min-w-0 items-center gap-2">
          <Link
            to="/partners/$partnerId/roles/$roleId"
            params={{ partnerId, roleId: r.id }}
            className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
          >
            <Truncate text={r.name} />
          </Link>
          {r.is_system ? <SystemBadge /> : null}
        </div>
      ),
    },
    {
      id: 'description',
      header: 'Description',
      className: 'hidden text-muted-foreground lg:table-cell',
      skeletonClassName: 'w-64',
      cell: (r) => (r.description ? <Truncate text={r.description} /> : <span aria-label="None">—</span>),
    },
    {
      id: 'permissions',
      header: 'Permissions',
      className: 'w-28 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-6',
      cell: (r) => formatCount(r.permissions.length),
    },
    {
      id: 'assignments',
      header: 'Assignments',
      className: 'w-28 text-right tabular-nums',
      skeletonClassName: 'ml-auto w-6',
      cell: (r) => (
        <span className={r.assignment_count === 0 ? 'text-muted-foreground' : undefined}>{formatCount(r.assignment_count)}</span>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'w-56 text-right',
      skeletonClassName: 'ml-auto w-24',
      cell: (r) => <RoleRowActions partnerId={partnerId} role={r} canManage={canManage} onDelete={() => setDeleting(r)} />,
    },
  ];

  const createButton = canManage ? (
    <Button variant="primary" asChild>
      <Link to="/partners/$partnerId/roles/new" params={{ partnerId }}>
        <Plus aria-hidden="true" />
        New role
      </Link>
    </Button>
  ) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Roles"
        description={
          partner.name ? (
            <>
              What the users of <span className="font-medium text-foreground">{partner.name}</span> may do. System roles are built
              in; make a custom role when none of them fits.
            </>
          ) : partner.query.isPending ? (
            <Skeleton className="h-4 w-72" />
          ) : (
            'What the users of this partner may do. System roles are built in; make a custom role when none of them fits.'
          )
        }
        actions={createButton}
      />
      <Card>
        <DataTable
          label="Roles"
          noun={['role', 'roles']}
          columns={columns}
          rows={roles}
          rowKey={(r) => r.id}
          sort="name"
          onSortChange={() => undefined}
          status={list.status}
          error={list.error}
          onRetry={() => void list.refetch()}
          total={roles.length}
          hasNextPage={false}
          isFetchingNextPage={false}
          onLoadMore={() => undefined}
          empty={
            <EmptyState
              icon={ShieldCheck}
              title="No roles to show"
              description="System roles come with every partner; if none are listed, reload the page or ask a platform administrator."
              action={createButton}
            />
          }
        />
        {list.status === 'success' && customCount === 0 && roles.length > 0 ? (
          <p className="border-t border-border px-3 py-2.5 text-[13px] text-muted-foreground">
            No custom roles yet.{' '}
            {canManage
              ? 'Create one with exactly the permissions a group of users needs, or duplicate a system role and trim it.'
              : 'Ask an administrator of this partner to create one.'}
          </p>
        ) : null}
      </Card>

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete role?"
        description={deleting ? <DeleteRoleText role={deleting} /> : null}
        onConfirm={async () => {
          if (!deleting) return;
          const role = deleting;
          await deleteRole.mutateAsync(role);
          toast({ title: `Role “${role.name}” deleted` });
        }}
      />
    </div>
  );
}

function RoleRowActions({
  partnerId,
  role,
  canManage,
  onDelete,
}: {
  partnerId: string;
  role: Role;
  canManage: boolean;
  onDelete: () => void;
}) {
  const describedBy = `role-${role.id}-name`;
  if (role.is_system || !canManage) {
    return (
      <div className="flex justify-end gap-0.5">
        <Button size="sm" variant="subtle" asChild>
          <Link to="/partners/$partnerId/roles/$roleId" params={{ partnerId, roleId: role.id }} aria-describedby={describedBy}>
            <Eye aria-hidden="true" />
            View
          </Link>
        </Button>
        {canManage ? (
          <Button size="sm" variant="subtle" asChild>
            <Link
              to="/partners/$partnerId/roles/new"
              params={{ partnerId }}
              search={{ from: role.id }}
              aria-describedby={describedBy}
            >
              <CopyPlus aria-hidden="true" />
              Duplicate
            </Link>
          </Button>
        ) : null}
      </div>
    );
  }
  return (
    <div className="flex justify-end gap-0.5">
      <Button size="sm" variant="subtle" asChild>
        <Link to="/partners/$partnerId/roles/$roleId" params={{ partnerId, roleId: role.id }} aria-describedby={describedBy}>
          <Pencil aria-hidden="true" />
          Edit
        </Link>
      </Button>
      <Button size="sm" variant="destructive-subtle" aria-describedby={describedBy} onClick={onDelete}>
        <Trash2 aria-hidden="true" />
        Delete
      </Button>
    </div>
  );
}
