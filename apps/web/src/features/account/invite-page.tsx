import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { CheckCircle2, Loader2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Field } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { Input } from '../../ui/input';
import { homeLocation } from '../auth/api';
import type { Session } from '../auth/api';
import { isPendingSignIn } from '../two-factor/api';
import type { PendingSignIn } from '../two-factor/api';
import { PendingSignInStep } from '../two-factor/pending-sign-in';
import { checkNewPassword, useAcceptInvitation, useInvitation } from './api';
import { NewPasswordFields } from './password-fields';
import { PublicCard } from './public-card';

const route = getRouteApi('/invite/$token');

/** Where an invitation link leads: choose a password, then straight into the dashboard. */
export function InvitePage() {
  const { token } = route.useParams();
  const navigate = useNavigate();
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation(token);
  const [name, setName] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string; name?: string }>({});
  const [pending, setPending] = useState<PendingSignIn | null>(null);
  useDocumentTitle('Accept invitation');

  function signedIn(session: Session) {
    const home = homeLocation(session);
    void navigate(home ? { ...home, replace: true } : { to: '/', replace: true });
  }

  if (pending && invitation.data) {
    return (
      <PendingSignInStep
        pending={pending}
        email={invitation.data.email}
        onSignedIn={signedIn}
        onStartOver={() => void navigate({ to: '/login' })}
      />
    );
  }

  if (invitation.isPending) {
    return (
      <PublicCard title="Accept invitation">
        <p role="status" className="flex items-center gap-2 text-[13px] text-muted-foreground">
          <Loader2 className="size-4 animate-spin" aria-hidden="true" />
          Checking the invitation…
        </p>
      </PublicCard>
    );
  }

  if (invitation.isError) {
    const error = invitation.error;
    const unusable = isApiError(error) && (error.status === 404 || error.status === 410 || error.status === 400);
    return (
      <PublicCard title={unusable ? 'This invitation cannot be used' : 'Could not check the invitation'}>
        <div className="grid gap-4">
          <Alert tone={unusable ? 'warning' : 'danger'}>
            {unusable
              ? isApiError(error) && error.status === 410
                ? `${errorMessage(error)}. Ask whoever invited you to send a new invitation, or sign in if you already chose a password.`
                : 'The link is not valid: check that it was copied whole, or ask whoever invited you to send a new invitation.'
              : errorMessage(error)}
          </Alert>
          <Button asChild variant="primary" className="w-full">
            <Link to="/login">Go to sign-in</Link>
          </Button>
        </div>
      </PublicCard>
    );
  }

  const info = invitation.data;
  const shownName = name ?? info.name;

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = { ...checkNewPassword(password, confirm), ...(shownName.trim() ? {} : { name: 'Enter your name.' }) };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    accept.mutate(
      { password, ...(shownName.trim() !== info.name ? { name: shownName.trim() } : {}) },
      {
        onSuccess: (answer) => (isPendingSignIn(answer) ? setPending(answer) : signedIn(answer)),
        onError: (error) => {
          if (isApiError(error) && error.field === 'password') setErrors({ password: error.message });
        },
      },
    );
  }

  const formError =
    accept.isError && !(isApiError(accept.error) && accept.error.field === 'password') ? errorMessage(accept.error) : null;

  return (
    <PublicCard
      title={info.partner_name ? `Join ${info.partner_name}` : 'Join CloudRMM'}
      description={
        <>
          You were invited as <span className="font-medium text-foreground">{info.email}</span>. Choose a password to activate
          your account. This link expires {formatDateTime(info.expires_at)}.
        </>
      }
    >
      <form noValidate onSubmit={submit} className="grid gap-4">
        <input type="email" name="username" autoComplete="username" value={info.email} readOnly hidden />
        <Field id="invite-accept-name" label="Your name" error={errors.name}>
          {(control) => (
            <Input {...control} autoComplete="name" maxLength={200} value={shownName} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <NewPasswordFields
          idPrefix="invite-accept"
          label="Password"
          autoFocus
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          errors={errors}
        />
        {formError ? <Alert>{formError}</Alert> : null}
        <Button type="submit" variant="primary" size="lg" loading={accept.isPending} className="w-full">
          {accept.isPending ? null : <CheckCircle2 aria-hidden="true" />}
          Activate account
        </Button>
      </form>
    </PublicCard>
  );
}
