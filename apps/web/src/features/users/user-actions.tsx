import { MoreHorizontal, RotateCcw, Send, Trash2, UserCheck, UserX } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Button } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../ui/dropdown-menu';
import { useToast } from '../../ui/toast';
import { useDeleteUser, useResendInvitation, useRestoreUser, useSetUserStatus } from './api';
import type { User } from './api';

type Pending = { kind: 'suspend' | 'delete'; user: User } | null;

export function userLabel(user: Pick<User, 'name' | 'email'>): string {
  return user.name ? `${user.name} (${user.email})` : user.email;
}

/** Resend, suspend, reactivate, delete and restore, with the confirmations that name the user. */
export function useUserActions(partnerId: string, onDeleted?: (user: User) => void) {
  const resend = useResendInvitation(partnerId);
  const setStatus = useSetUserStatus(partnerId);
  const remove = useDeleteUser(partnerId);
  const restoreUser = useRestoreUser(partnerId);
  const { toast } = useToast();
  const [pending, setPending] = useState<Pending>(null);

  function resendInvitation(user: User) {
    resend.mutate(user, {
      onSuccess: (sent) =>
        sent.invitation_sent
          ? toast({ title: `A new invitation was sent to ${sent.email}`, description: 'Earlier links no longer work.' })
          : toast({
              tone: 'error',
              title: `The invitation to ${sent.email} could not be sent`,
              description: 'Check the mail server settings and try again.',
            }),
      onError: (error) =>
        toast({ tone: 'error', title: `Could not resend the invitation to ${user.email}`, description: errorMessage(error) }),
    });
  }

  function reactivate(user: User) {
    setStatus.mutate(
      { user, action: 'reactivate' },
      {
        onSuccess: (saved) =>
          toast({
            title: `${userLabel(saved)} reactivated`,
            description: saved.status === 'invited' ? 'They have not chosen a password yet: resend the invitation.' : undefined,
          }),
        onError: (error) =>
          toast({ tone: 'error', title: `Could not reactivate ${userLabel(user)}`, description: errorMessage(error) }),
      },
    );
  }

  function restore(user: User) {
    restoreUser.mutate(user, {
      onSuccess: (saved) =>
        toast({
          title: `${userLabel(saved)} restored`,
          description: 'They come back suspended with their roles: reactivate them to let them sign in again.',
        }),
      onError: (error) =>
        toast({ tone: 'error', title: `Could not restore ${userLabel(user)}`, description: errorMessage(error) }),
    });
  }

  const dialogs = (
    <>
      <ConfirmDialog
        open={pending?.kind === 'suspend'}
        onOpenChange={(open) => !open && setPending(null)}
        title="Suspend user?"
        confirmLabel="Suspend"
        description={
          pending?.kind === 'suspend' ? (
            <>
              <strong className="font-semibold text-foreground">{userLabel(pending.user)}</strong> is signed out everywhere at
              once and cannot sign in until reactivated. Their roles are kept.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (pending?.kind !== 'suspend') return;
          const { user } = pending;
          await setStatus.mutateAsync({ user, action: 'suspend' });
          toast({ title: `${userLabel(user)} suspended` });
        }}
      />
      <ConfirmDialog
        open={pending?.kind === 'delete'}
        onOpenChange={(open) => !open && setPending(null)}
        title="Delete user?"
        description={
          pending?.kind === 'delete' ? (
            <>
              <strong className="font-semibold text-foreground">{userLabel(pending.user)}</strong> is signed out everywhere and
              can no longer sign in. Their email address can be invited again later.
            </>
          ) : null
        }
        onConfirm={async () => {
          if (pending?.kind !== 'delete') return;
          const { user } = pending;
          await remove.mutateAsync(user);
          toast({ title: `${userLabel(user)} deleted` });
          onDeleted?.(user);
        }}
      />
    </>
  );

  return {
    dialogs,
    resendInvitation,
    reactivate,
    restore,
    restoring: (user: User) => restoreUser.isPending && restoreUser.variables?.id === user.id,
    askSuspend: (user: User) => setPending({ kind: 'suspend', user }),
    askDelete: (user: User) => setPending({ kind: 'delete', user }),
    busy: (user: User) =>
      (resend.isPending && resend.variables?.id === user.id) || (setStatus.isPending && setStatus.variables?.user.id === user.id),
  };
}

export type UserActions = ReturnType<typeof useUserActions>;

/** The per-row menu: only what applies to this user's status. */
export function UserActionsMenu({ user, actions, describedBy }: { user: User; actions: UserActions; describedBy: string }) {
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          size="icon-sm"
          variant="subtle"
          aria-label={`Actions for ${userLabel(user)}`}
          aria-describedby={describedBy}
          loading={actions.busy(user)}
        >
          {actions.busy(user) ? null : <MoreHorizontal aria-hidden="true" />}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-52">
        {user.status === 'invited' ? (
          <DropdownMenuItem onSelect={() => actions.resendInvitation(user)}>
            <Send aria-hidden="true" />
            Resend invitation
          </DropdownMenuItem>
        ) : null}
        {user.status === 'suspended' ? (
          <DropdownMenuItem onSelect={() => actions.reactivate(user)}>
            <UserCheck aria-hidden="true" />
            Reactivate
          </DropdownMenuItem>
        ) : (
          <DropdownMenuItem onSelect={() => actions.askSuspend(user)}>
            <UserX aria-hidden="true" />
            Suspend
          </DropdownMenuItem>
        )}
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={() => actions.askDelete(user)}
          className="text-destructive-text data-[highlighted]:text-destructive-text"
        >
          <Trash2 aria-hidden="true" />
          Delete
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/** The action of a deleted row: bring the user back (suspended). */
export function RestoreUserButton({ user, actions, describedBy }: { user: User; actions: UserActions; describedBy: string }) {
  const restoring = actions.restoring(user);
  return (
    <Button size="sm" variant="ghost" aria-describedby={describedBy} onClick={() => actions.restore(user)} loading={restoring}>
      {restoring ? null : <RotateCcw aria-hidden="true" />}
      Restore
    </Button>
  );
}
