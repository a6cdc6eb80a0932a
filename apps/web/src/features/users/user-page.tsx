import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, Plus, Send, Trash2, UserCheck, UserX, X } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DeletedBadge } from '../../ui/deleted-badge';
import { DescriptionList } from '../../ui/description-list';
import { EmptyState } from '../../ui/empty-state';
import { formatDateTime } from '../../ui/format';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useDocumentTitle } from '../../app/use-document-title';
import { useCan, useSession } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { roleScopeLabel, useRemoveRoleAssignment, useUser } from './api';
import type { UserRole } from './api';
import { AddRoleDialog } from './add-role-dialog';
import { useUserActions, userLabel } from './user-actions';
import { UserStatusBadge } from './user-badges';

const route = getRouteApi('/_app/partners/$partnerId/users/$userId');

export function UserPage() {
  const { partnerId, userId } = route.useParams();
  const navigate = useNavigate();
  const query = useUser(partnerId, userId);
  const user = query.data;
  const partner = usePartnerSummary(partnerId);
  const session = useSession();
  const canManage = useCan('users.manage');
  const { toast } = useToast();
  const actions = useUserActions(partnerId, () => void navigate({ to: '/partners/$partnerId/users', params: { partnerId } }));
  const removeRole = useRemoveRoleAssignment(partnerId, userId);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<UserRole | null>(null);
  useDocumentTitle(user ? user.name || user.email : 'User', partner.name);

  const back = (
    <Button asChild>
      <Link to="/partners/$partnerId/users" params={{ partnerId }}>
        <ArrowLeft aria-hidden="true" />
        All users
      </Link>
    </Button>
  );

  if (query.isError) return <LoadErrorState error={query.error} thing="user" onRetry={() => void query.refetch()} back={back} />;

  const isSelf = userId === session.user.id;
  const editable = Boolean(user && canManage && !user.deleted_at);
  const manageOthers = editable && !isSelf;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={user ? user.name || user.email : <Skeleton className="h-6 w-56" />}
        badge={
          user ? user.deleted_at ? <DeletedBadge deletedAt={user.deleted_at} /> : <UserStatusBadge status={user.status} /> : null
        }
        description={user ? user.email : undefined}
        actions={
          user && manageOthers ? (
            <>
              {user.status === 'invited' ? (
                <Button onClick={() => actions.resendInvitation(user)} loading={actions.busy(user)}>
                  {actions.busy(user) ? null : <Send aria-hidden="true" />}
                  Resend invitation
                </Button>
              ) : null}
              {user.status === 'suspended' ? (
                <Button onClick={() => actions.reactivate(user)} loading={actions.busy(user)}>
                  {actions.busy(user) ? null : <UserCheck aria-hidden="true" />}
                  Reactivate
                </Button>
              ) : (
                <Button onClick={() => actions.askSuspend(user)}>
                  <UserX aria-hidden="true" />
                  Suspend
                </Button>
              )}
              <Button variant="destructive-ghost" onClick={() => actions.askDelete(user)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : (
            back
          )
        }
      />

      {user?.status === 'invited' && !user.deleted_at ? (
        <Alert tone="info" title="Invitation not accepted yet">
          {user.invitation_expires_at
            ? `The link sent last expires ${formatDateTime(user.invitation_expires_at)}.`
            : 'The link has expired or was withdrawn: resend the invitation.'}
        </Alert>
      ) : null}

      <Card aria-labelledby="user-details-heading">
        <CardHeader>
          <CardTitle id="user-details-heading">Details</CardTitle>
        </CardHeader>
        <CardContent className="py-4">
          {user ? (
            <DescriptionList
              items={[
                { label: 'Email', value: user.email },
                { label: 'Last seen', value: user.last_seen_at ? <Time value={user.last_seen_at} mode="datetime" /> : 'Never' },
                { label: 'Added', value: <Time value={user.created_at} mode="datetime" /> },
                { label: 'Partner', value: partner.name ?? '—' },
              ]}
            />
          ) : (
            <Skeleton className="h-10 w-full" />
          )}
        </CardContent>
      </Card>

      <Card aria-labelledby="user-roles-heading">
        <CardHeader>
          <CardTitle id="user-roles-heading">Roles</CardTitle>
          {editable && user ? (
            <Button size="sm" onClick={() => setAdding(true)}>
              <Plus aria-hidden="true" />
              Add role
            </Button>
          ) : null}
        </CardHeader>
        {user ? (
          user.roles.length === 0 ? (
            <EmptyState
              icon={UserX}
              title="No role"
              description="This user can sign in but see nothing. Add a role to give access."
            />
          ) : (
            <ul className="divide-y divide-border" aria-label={`Roles of ${userLabel(user)}`}>
              {user.roles.map((r) => {
                const label = roleScopeLabel(r, partner.name);
                return (
                  <li key={r.assignment_id} className="flex items-center justify-between gap-3 px-4 py-2.5">
                    <div className="grid min-w-0 gap-0.5">
                      <Link
                        to="/partners/$partnerId/roles/$roleId"
                        params={{ partnerId, roleId: r.role_id }}
                        className="w-fit text-[13px] font-medium text-foreground hover:text-link hover:underline"
                      >
                        {label.role}
                      </Link>
                      <span className="truncate text-xs text-muted-foreground" title={label.where}>
                        {r.scope_type === 'partner'
                          ? `Everywhere in ${label.where}`
                          : r.scope_type === 'organization'
                            ? `Organization ${label.where}`
                            : `Site ${label.where}`}
                      </span>
                    </div>
                    {editable ? (
                      <Button
                        size="sm"
                        variant="destructive-subtle"
                        onClick={() => setRemoving(r)}
                        aria-label={`Remove ${label.role} at ${label.where}`}
                      >
                        <X aria-hidden="true" />
                        Remove
                      </Button>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )
        ) : (
          <CardContent>
            <Skeleton className="h-8 w-full" />
          </CardContent>
        )}
      </Card>

      {user ? (
        <AddRoleDialog partnerId={partnerId} partnerName={partner.name} user={user} open={adding} onOpenChange={setAdding} />
      ) : null}
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title="Remove role?"
        confirmLabel="Remove"
        description={
          removing && user ? (
            <>
              <strong className="font-semibold text-foreground">{userLabel(user)}</strong> loses{' '}
              <strong className="font-semibold text-foreground">
                {roleScopeLabel(removing, partner.name).role} · {roleScopeLabel(removing, partner.name).where}
              </strong>{' '}
              on their next request.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (!removing) return;
          await removeRole.mutateAsync(removing);
          toast({ title: 'Role removed' });
        }}
      />
      {actions.dialogs}
    </div>
  );
}
