import { Link, getRouteApi } from '@tanstack/react-router';
import { CheckCircle2, KeyRound } from 'lucide-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { checkNewPassword, useRequestPasswordReset, useResetPassword } from './api';
import { NewPasswordFields } from './password-fields';
import { PublicCard } from './public-card';

const resetRoute = getRouteApi('/reset-password/$token');

/** "Forgot password?": asks for the email and always says the same thing after. */
export function ForgotPasswordPage() {
  const request = useRequestPasswordReset();
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | null>(null);
  useDocumentTitle('Reset password');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setEmailError('Enter the email address you sign in with.');
      return;
    }
    setEmailError(null);
    request.mutate(email.trim());
  }

  if (request.isSuccess) {
    return (
      <PublicCard title="Check your email">
        <Alert tone="info" title="If that address has an account, a link is on its way">
          The link to choose a new password works once, for one hour. Nothing arrived? Check the spam folder, or ask an
          administrator of your partner.
        </Alert>
      </PublicCard>
    );
  }

  const formError =
    request.isError && isApiError(request.error) && request.error.status === 429
      ? `Too many requests for now; try again in ${Math.max(1, Math.ceil((request.error.retryAfter ?? 900) / 60))} minutes.`
      : request.isError
        ? errorMessage(request.error)
        : null;

  return (
    <PublicCard
      title="Reset your password"
      description="Enter the email address you sign in with. We will send a link to choose a new password."
    >
      <form noValidate onSubmit={submit} className="grid gap-4">
        <Field id="forgot-email" label="Email" error={emailError}>
          {(control) => (
            <Input
              {...control}
              type="email"
              autoComplete="username"
              inputMode="email"
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        {formError ? <Alert>{formError}</Alert> : null}
        <Button type="submit" variant="primary" size="lg" loading={request.isPending} className="w-full">
          {request.isPending ? null : <KeyRound aria-hidden="true" />}
          Send reset link
        </Button>
      </form>
    </PublicCard>
  );
}

/** Where a reset link leads: a new password, then sign in with it. */
export function ResetPasswordPage() {
  const { token } = resetRoute.useParams();
  const reset = useResetPassword(token);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  useDocumentTitle('Choose a new password');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = checkNewPassword(password, confirm);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    reset.mutate(password, {
      onError: (error) => {
        if (isApiError(error) && error.field === 'new_password') setErrors({ password: error.message });
      },
    });
  }

  if (reset.isSuccess) {
    return (
      <PublicCard title="Password changed">
        <div className="grid gap-4">
          <Alert tone="info">Your new password is set, and you were signed out everywhere. Sign in with the new password.</Alert>
          <Button asChild variant="primary" className="w-full">
            <Link to="/login">Sign in</Link>
          </Button>
        </div>
      </PublicCard>
    );
  }

  const linkError = isApiError(reset.error) && (reset.error.status === 404 || reset.error.status === 410) ? reset.error : null;
  if (linkError) {
    return (
      <PublicCard title="This link cannot be used">
        <div className="grid gap-4">
          <Alert tone="warning">
            {linkError.status === 410 ? `${linkError.message}.` : 'The link is not valid: check that it was copied whole.'} Ask
            for a new one.
          </Alert>
          <Button asChild variant="primary" className="w-full">
            <Link to="/forgot-password">Send a new link</Link>
          </Button>
        </div>
      </PublicCard>
    );
  }

  const formError =
    reset.isError && !(isApiError(reset.error) && reset.error.field === 'new_password') ? errorMessage(reset.error) : null;

  return (
    <PublicCard title="Choose a new password" description="Setting it signs you out everywhere.">
      <form noValidate onSubmit={submit} className="grid gap-4">
        <NewPasswordFields
          idPrefix="reset"
          autoFocus
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          errors={errors}
        />
        {formError ? <Alert>{formError}</Alert> : null}
        <Button type="submit" variant="primary" size="lg" loading={reset.isPending} className="w-full">
          {reset.isPending ? null : <CheckCircle2 aria-hidden="true" />}
          Set new password
        </Button>
      </form>
    </PublicCard>
  );
}
