import { Link, getRouteApi } from '@tanstack/react-router';
import { Download, SearchX, UserPlus, Users } from 'lucide-react';
import { useId, useState } from 'react';
import { flattenPages } from '../../api/list';
import { useDocumentTitle } from '../../app/use-document-title';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { cursorListProps, DataTable } from '../../ui/data-table';
import type { Column } from '../../ui/data-table';
import { DeletedBadge } from '../../ui/deleted-badge';
import { EmptyState } from '../../ui/empty-state';
import { CheckboxToggle, ListToolbar, SearchInput } from '../../ui/list-toolbar';
import { PageHeader } from '../../ui/page-header';
import { Select } from '../../ui/select';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { Truncate } from '../../ui/truncate';
import { useCan, useSession } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { useRoleList } from '../roles/api';
import { toUsersParams, useUserList, usersExportHref, validateUsersSearch } from './api';
import type { User, UserStatus, UsersSearch } from './api';
import { InviteUserDialog } from './invite-user-dialog';
import { RestoreUserButton, UserActionsMenu, useUserActions } from './user-actions';
import { RoleChips, STATUS_LABELS, UserStatusBadge } from './user-badges';

const route = getRouteApi('/_app/partners/$partnerId/users');

export function UsersPage() {
  const { partnerId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const params = toUsersParams(search);
  const list = useUserList(partnerId, params);
  const { items, total } = flattenPages(list.data?.pages);
  const partner = usePartnerSummary(partnerId);
  const roles = useRoleList(partnerId);
  const session = useSession();
  const canManage = useCan('users.manage');
  const actions = useUserActions(partnerId);
  const [inviting, setInviting] = useState(false);
  const filterId = useId();
  useDocumentTitle('Users', partner.name);

  function setSearch(patch: Partial<UsersSearch>) {
    void navigate({ search: (prev) => validateUsersSearch({ ...prev, ...patch }), replace: true });
  }

  const filtered = params.q !== '' || params.status !== null || params.roleId !== null;
  const listIsEmpty = list.status === 'success' && items.length === 0 && !filtered;
  const roleName = params.roleId ? roles.data?.find((r) => r.id === params.roleId)?.name : undefined;

  const columns: Column<User>[] = [
    {
      id: 'name',
      header: 'Name',
      sortField: 'name',
      className: 'w-56',
      skeletonClassName: 'w-32',
      cell: (u) => (
        <div id={`user-${u.id}-name`} className="flex min-w-0 items-center gap-2">
          <Link
            to="/partners/$partnerId/users/$userId"
            params={{ partnerId, userId: u.id }}
            className="min-w-0 font-medium text-foreground hover:text-link hover:underline"
          >
            <Truncate text={u.name || u.email} />
          </Link>
          {u.id === session.user.id ? <span className="shrink-0 text-xs text-muted-foreground">(you)</span> : null}
        </div>
      ),
    },
    {
      id: 'email',
      header: 'Email',
      className: 'hidden w-64 text-muted-foreground md:table-cell',
      skeletonClassName: 'w-40',
      cell: (u) => <Truncate text={u.email} />,
    },
    {
      id: 'status',
      header: 'Status',
      className: 'w-32',
      skeletonClassName: 'w-16',
      cell: (u) => (u.deleted_at ? <DeletedBadge deletedAt={u.deleted_at} /> : <UserStatusBadge status={u.status} />),
    },
    {
      id: 'roles',
      header: 'Roles',
      skeletonClassName: 'w-48',
      cell: (u) => <RoleChips roles={u.roles} partnerName={partner.name} />,
    },
    {
      id: 'last-seen',
      header: 'Last seen',
      className: 'hidden w-32 text-muted-foreground lg:table-cell',
      skeletonClassName: 'w-16',
      cell: (u) =>
        u.last_seen_at ? <Time value={u.last_seen_at} mode="relative" /> : <span className="text-muted-foreground">Never</span>,
    },
    {
      id: 'created',
      header: 'Added',
      sortField: 'created_at',
      className: 'hidden w-28 text-muted-foreground xl:table-cell',
      skeletonClassName: 'w-16',
      cell: (u) => <Time value={u.created_at} />,
    },
  ];
  if (canManage) {
    columns.push({
      id: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: params.includeDeleted ? 'w-28 text-right' : 'w-14 text-right',
      skeletonClassName: 'ml-auto w-6',
      cell: (u) =>
        u.deleted_at ? (
          <div className="flex justify-end">
            <RestoreUserButton user={u} actions={actions} describedBy={`user-${u.id}-name`} />
          </div>
        ) : u.id === session.user.id ? null : (
          <div className="flex justify-end">
            <UserActionsMenu user={u} actions={actions} describedBy={`user-${u.id}-name`} />
          </div>
        ),
    });
  }

  const inviteButton = canManage ? (
    <Button variant="primary" onClick={() => setInviting(true)}>
      <UserPlus aria-hidden="true" />
      Invite user
    </Button>
  ) : null;

  return (
    <div className="grid gap-5">
      <PageHeader
        title="Users"
        description={
          partner.name ? (
            <>
              People who sign in to <span className="font-medium text-foreground">{partner.name}</span>, with their roles and
              where each applies.
            </>
          ) : partner.query.isPending ? (
            <Skeleton className="h-4 w-64" />
          ) : (
            'People who sign in to this partner, with their roles.'
          )
        }
      />
      <Card>
        <ListToolbar
          actions={
            <>
              {listIsEmpty ? null : (
                <Button asChild>
                  <a href={usersExportHref(partnerId, params)} download>
                    <Download aria-hidden="true" />
                    Export CSV
                  </a>
                </Button>
              )}
              {listIsEmpty ? null : inviteButton}
            </>
          }
        >
          <SearchInput
            label="Search users by name or email"
            placeholder="Search name or email"
            value={search.q ?? ''}
            onChange={(q) => setSearch({ q })}
          />
          <div className="flex items-center gap-2">
            <label htmlFor={`${filterId}-status`} className="text-[13px] text-muted-foreground">
              Status
            </label>
            <Select
              id={`${filterId}-status`}
              className="w-32"
              value={params.status ?? ''}
              onChange={(e) => setSearch({ status: (e.target.value || undefined) as UserStatus | undefined })}
            >
              <option value="">Any</option>
              {(Object.keys(STATUS_LABELS) as UserStatus[]).map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </Select>
          </div>
          <div className="flex items-center gap-2">
            <label htmlFor={`${filterId}-role`} className="text-[13px] text-muted-foreground">
              Role
            </label>
            <Select
              id={`${filterId}-role`}
              className="w-44"
              value={params.roleId ?? ''}
              onChange={(e) => setSearch({ role: e.target.value || undefined })}
            >
              <option value="">Any</option>
              {(roles.data ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </Select>
          </div>
          <CheckboxToggle
            label="Show deleted"
            checked={params.includeDeleted}
            onChange={(checked) => setSearch({ deleted: checked ? 1 : undefined })}
          />
        </ListToolbar>
        <DataTable
          label="Users"
          noun={['user', 'users']}
          columns={columns}
          rows={items}
          rowKey={(u) => u.id}
          rowClassName={(u) => (u.deleted_at ? 'bg-muted/40' : undefined)}
          sort={params.sort}
          onSortChange={(sort) => setSearch({ sort })}
          {...cursorListProps(list)}
          total={total}
          empty={
            filtered ? (
              <EmptyState
                icon={SearchX}
                title="No users match these filters"
                description={[
                  params.q ? `name or email contains “${params.q}”` : null,
                  params.status ? `status is ${STATUS_LABELS[params.status]}` : null,
                  params.roleId ? `role is ${roleName ?? 'the chosen role'}` : null,
                ]
                  .filter(Boolean)
                  .join(', ')
                  .replace(/^./, (c) => c.toUpperCase())}
                action={
                  <Button onClick={() => setSearch({ q: undefined, status: undefined, role: undefined })}>Clear filters</Button>
                }
              />
            ) : (
              <EmptyState
                icon={Users}
                title="No users yet — invite the first one"
                description={
                  canManage
                    ? 'Invite a colleague by email and choose what they may do, and where.'
                    : 'Ask an administrator of this partner to invite people.'
                }
                action={inviteButton}
              />
            )
          }
        />
      </Card>
      <InviteUserDialog partnerId={partnerId} partnerName={partner.name} open={inviting} onOpenChange={setInviting} />
      {actions.dialogs}
    </div>
  );
}
