import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, request } from '../../api/client';
import { Wordmark } from '../../app/logo';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { sessionQueryOptions } from '../auth/api';
import type { Session } from '../auth/api';
import type { PendingSignIn, RecoveryCodesAnswer } from './api';
import { TwoFactorEnrolment } from './enrolment';
import { RecoveryCodesPanel } from './recovery-codes-panel';
import { SecondFactorForm } from './second-factor-form';

/**
 * What the sign-in page shows after a right password when the server wants
 * more: the second factor, or (the partner requires 2FA) setting it up now.
 */
export function PendingSignInStep({
  pending,
  email,
  onSignedIn,
  onStartOver,
}: {
  pending: PendingSignIn;
  email: string;
  onSignedIn: (session: Session) => void;
  onStartOver: () => void;
}) {
  useDocumentTitle(pending.enrolment_required ? 'Set up two-factor sign-in' : 'Two-factor sign-in');

  // The half-signed-in session ends on the server too, not only in this page.
  function startOver() {
    void request('/auth/logout', { method: 'POST', expectUnauthorized: true }).catch(() => undefined);
    onStartOver();
  }

  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-12">
      <div className={pending.enrolment_required ? 'w-full max-w-lg' : 'w-full max-w-sm'}>
        <div className="mb-6 flex justify-center">
          <Wordmark />
        </div>
        <div className="rounded-lg border border-border bg-card p-6 shadow-xl shadow-black/5">
          {pending.enrolment_required ? (
            <RequiredEnrolment email={email} onSignedIn={onSignedIn} onStartOver={startOver} />
          ) : (
            <>
              <div className="mb-5 grid gap-1">
                <h1 className="text-lg font-semibold text-foreground">Two-factor sign-in</h1>
                <p className="text-[13px] text-muted-foreground">Enter the code your authenticator app shows for {email}.</p>
              </div>
              <SecondFactorForm onSignedIn={onSignedIn} onStartOver={startOver} />
            </>
          )}
        </div>
      </div>
    </main>
  );
}

function RequiredEnrolment({
  email,
  onSignedIn,
  onStartOver,
}: {
  email: string;
  onSignedIn: (session: Session) => void;
  onStartOver: () => void;
}) {
  const queryClient = useQueryClient();
  const [codes, setCodes] = useState<RecoveryCodesAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function finish() {
    try {
      // The session is a full one now; load it as any signed-in page would.
      const session = await queryClient.fetchQuery({ ...sessionQueryOptions, staleTime: 0 });
      if (session) onSignedIn(session);
      else setError('This sign-in has expired. Start again with your password.');
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <div className="grid gap-5">
      <div className="grid gap-1">
        <h1 className="text-lg font-semibold text-foreground">
          {codes ? 'Two-factor sign-in is on' : 'Set up two-factor sign-in'}
        </h1>
        <p className="text-[13px] text-muted-foreground">
          {codes
            ? 'From now on you sign in with your password and a code from your app.'
            : 'Your organization requires a second step at sign-in: a code from an authenticator app on your phone. Set it up to continue.'}
        </p>
      </div>
      {codes ? (
        <RecoveryCodesPanel
          codes={codes.recovery_codes}
          account={email}
          doneLabel="Continue to CloudRMM"
          onDone={() => void finish()}
        />
      ) : (
        <TwoFactorEnrolment onEnabled={setCodes} onCancel={onStartOver} />
      )}
      {error ? <Alert>{error}</Alert> : null}
    </div>
  );
}
