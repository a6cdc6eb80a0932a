import { useId } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { plural } from '../../ui/format';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { useSecurityPolicy, useUpdateSecurityPolicy } from './api';

/** The partner's policy: every user must sign in with a second factor (needs security.manage). */
export function PartnerPolicyCard({ partnerId, partnerName }: { partnerId: string; partnerName: string }) {
  const policy = useSecurityPolicy(partnerId);
  const update = useUpdateSecurityPolicy(partnerId);
  const { toast } = useToast();
  const id = useId();
  const p = policy.data;

  return (
    <Card aria-labelledby={`${id}-heading`}>
      <CardHeader>
        <div className="grid gap-0.5">
          <CardTitle id={`${id}-heading`}>Sign-in policy of {partnerName}</CardTitle>
          <p className="text-xs text-muted-foreground">Applies to everyone at {partnerName}.</p>
        </div>
      </CardHeader>
      <CardContent className="grid gap-3 py-4">
        {policy.isPending ? (
          <Skeleton className="h-5 w-2/3" />
        ) : policy.isError ? (
          <Alert>{errorMessage(policy.error)}</Alert>
        ) : (
          <>
            <div className="flex items-center gap-2">
              <input
                id={id}
                type="checkbox"
                checked={p!.require_2fa}
                disabled={update.isPending}
                aria-describedby={`${id}-hint`}
                onChange={(e) =>
                  update.mutate(e.target.checked, {
                    onSuccess: (saved) =>
                      toast({
                        title: saved.require_2fa ? 'Two-factor sign-in is now required' : 'Two-factor sign-in is now optional',
                      }),
                  })
                }
                className="size-4 cursor-pointer accent-primary disabled:cursor-not-allowed disabled:opacity-50"
              />
              <label htmlFor={id} className="cursor-pointer text-[13px] font-medium text-foreground">
                Require two-factor sign-in for everyone
              </label>
            </div>
            <p id={`${id}-hint`} className="pl-6 text-xs text-muted-foreground">
              {p!.users_without_2fa === 0
                ? `Everyone uses two-factor sign-in (${plural(p!.users_total, 'user', 'users')}).`
                : `${plural(p!.users_without_2fa, 'user has', 'users have')} not set it up yet. When you require it, they are signed out and set it up at their next sign-in.`}
            </p>
            {update.isError ? <Alert>{errorMessage(update.error)}</Alert> : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}
