import { CheckCircle2, KeyRound, RotateCw, ShieldOff, Smartphone } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useSession } from '../auth/session-context';
import { useDisableTwoFactor, useRegenerateRecoveryCodes, useTwoFactorStatus } from './api';
import type { TwoFactorStatus } from './api';
import { TwoFactorEnrolment } from './enrolment';
import { ProofDialog } from './proof-dialog';
import { RecoveryCodesPanel } from './recovery-codes-panel';

type Mode = 'view' | 'setup' | { codes: string[]; title: string };

/** The user's own two-factor sign-in: set it up, replace the phone, new recovery codes, turn it off. */
export function TwoFactorCard() {
  const session = useSession();
  const status = useTwoFactorStatus();
  const disable = useDisableTwoFactor();
  const regenerate = useRegenerateRecoveryCodes();
  const { toast } = useToast();
  const [mode, setMode] = useState<Mode>('view');
  const [asking, setAsking] = useState<'disable' | 'regenerate' | null>(null);

  const s = status.data;
  return (
    <Card aria-labelledby="two-factor-heading">
      <CardHeader>
        <div className="grid gap-0.5">
          <CardTitle id="two-factor-heading">Two-factor sign-in</CardTitle>
          <p className="text-xs text-muted-foreground">
            A code from an authenticator app on your phone, asked after your password.
          </p>
        </div>
        {s ? <StatusBadge status={s} /> : null}
      </CardHeader>
      <CardContent className="grid gap-4 py-4">
        {status.isPending ? (
          <div className="grid gap-2" aria-busy="true">
            <Skeleton className="h-5 w-1/2" />
            <Skeleton className="h-8 w-40" />
            <span className="sr-only" role="status">
              Loading two-factor sign-in…
            </span>
          </div>
        ) : status.isError ? (
          <Alert
            action={
              <Button size="sm" onClick={() => void status.refetch()}>
                <RotateCw aria-hidden="true" />
                Retry
              </Button>
            }
          >
            Could not load your two-factor settings. {errorMessage(status.error)}
          </Alert>
        ) : typeof mode === 'object' ? (
          <>
            <p className="text-[13px] font-medium text-foreground">{mode.title}</p>
            <RecoveryCodesPanel codes={mode.codes} account={session.user.email} doneLabel="Done" onDone={() => setMode('view')} />
          </>
        ) : mode === 'setup' ? (
          <TwoFactorEnrolment
            startLabel={s!.enabled ? 'Show the new QR code' : 'Set up authenticator app'}
            onEnabled={(answer) => {
              toast({
                title: s!.enabled ? 'New authenticator app in use' : 'Two-factor sign-in is on',
                description: 'Your other sessions were signed out.',
              });
              setMode({ codes: answer.recovery_codes, title: 'Your new recovery codes' });
            }}
            onCancel={() => setMode('view')}
          />
        ) : s!.enabled ? (
          <>
            <dl className="grid gap-1 text-[13px]">
              <div className="flex gap-2">
                <dt className="text-muted-foreground">On since</dt>
                <dd>
                  <Time value={s!.enabled_at} mode="datetime" />
                </dd>
              </div>
              <div className="flex gap-2">
                <dt className="text-muted-foreground">Recovery codes left</dt>
                <dd className={s!.recovery_codes_left <= 3 ? 'font-medium text-warning-text' : undefined}>
                  {s!.recovery_codes_left} of 10
                </dd>
              </div>
            </dl>
            {s!.recovery_codes_left <= 3 ? (
              <Alert tone="warning">
                Few recovery codes are left. Make new ones so you can still sign in if you lose your phone.
              </Alert>
            ) : null}
            {s!.required_by_partner ? (
              <Alert tone="info">
                Your organization requires two-factor sign-in, so it cannot be turned off. You can move it to a new phone.
              </Alert>
            ) : null}
            <div className="flex flex-wrap gap-2">
              <Button onClick={() => setAsking('regenerate')}>
                <KeyRound aria-hidden="true" />
                New recovery codes
              </Button>
              <Button onClick={() => setMode('setup')}>
                <Smartphone aria-hidden="true" />
                Move to a new phone
              </Button>
              {s!.required_by_partner ? null : (
                <Button variant="destructive-ghost" onClick={() => setAsking('disable')}>
                  <ShieldOff aria-hidden="true" />
                  Turn off
                </Button>
              )}
            </div>
          </>
        ) : (
          <>
            <p className="text-[13px] text-muted-foreground">
              Two-factor sign-in is off: anyone with your password can sign in. Turn it on to protect every device you manage.
            </p>
            <div>
              <Button variant="primary" onClick={() => setMode('setup')}>
                Set up two-factor sign-in
              </Button>
            </div>
          </>
        )}
      </CardContent>

      <ProofDialog
        open={asking === 'regenerate'}
        onOpenChange={(open) => {
          if (!open) setAsking(null);
          regenerate.reset();
        }}
        title="Make new recovery codes?"
        description="Your current recovery codes stop working. Confirm with a code from your app or your password."
        submitLabel="Make new codes"
        pending={regenerate.isPending}
        error={regenerate.error}
        onSubmit={(proof) =>
          regenerate.mutate(proof, {
            onSuccess: (answer) => {
              setAsking(null);
              setMode({ codes: answer.recovery_codes, title: 'Your new recovery codes' });
            },
          })
        }
      />
      <ProofDialog
        open={asking === 'disable'}
        onOpenChange={(open) => {
          if (!open) setAsking(null);
          disable.reset();
        }}
        title="Turn off two-factor sign-in?"
        description="Your password alone will sign you in. Your recovery codes and trusted browsers stop working, and your other sessions are signed out."
        submitLabel="Turn off"
        pending={disable.isPending}
        error={disable.error}
        onSubmit={(proof) =>
          disable.mutate(proof, {
            onSuccess: () => {
              setAsking(null);
              toast({ title: 'Two-factor sign-in is off' });
            },
          })
        }
      />
    </Card>
  );
}

function StatusBadge({ status }: { status: TwoFactorStatus }) {
  return status.enabled ? (
    <Badge tone="success">
      <CheckCircle2 aria-hidden="true" />
      On
    </Badge>
  ) : (
    <Badge tone="warning">
      <ShieldOff aria-hidden="true" />
      Off
    </Badge>
  );
}
