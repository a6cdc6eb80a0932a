import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { LogIn } from 'lucide-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { Wordmark } from '../../app/logo';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { ssoErrorMessage, ssoStartHref, useSsoDiscovery } from '../sso/api';
import { SsoSignInButton } from '../sso/sso-sign-in';
import { isPendingSignIn } from '../two-factor/api';
import type { PendingSignIn } from '../two-factor/api';
import { PendingSignInStep } from '../two-factor/pending-sign-in';
import { homeLocation, safeRedirect, useLogin } from './api';
import type { Session } from './api';

const loginRoute = getRouteApi('/login');

function loginErrorMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 429) {
      if (error.retryAfter !== null) {
        const minutes = Math.max(1, Math.ceil(error.retryAfter / 60));
        return `Too many attempts, try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
      }
      return 'Too many attempts, try again in a few minutes.';
    }
    if (error.status === 401) return error.message || 'Email or password is incorrect.';
    return error.message;
  }
  return 'Sign-in failed. Try again.';
}

export function LoginPage() {
  const { redirect, error: ssoError } = loginRoute.useSearch();
  const navigate = useNavigate();
  const login = useLogin();
  useDocumentTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  // The password was right but the server wants the second factor (or its setup) first.
  const [pending, setPending] = useState<PendingSignIn | null>(null);
  const sso = useSsoDiscovery(email);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sso.required && sso.startUrl) {
      window.location.assign(ssoStartHref(sso.startUrl, email, safeRedirect(redirect)));
      return;
    }
    const errors: { email?: string; password?: string } = {};
    if (!email.trim()) errors.email = 'Enter your email address.';
    if (!password) errors.password = 'Enter your password.';
    setFieldErrors(errors);
    if (errors.email || errors.password) return;

    login.mutate(
      { email: email.trim(), password },
      {
        onSuccess: (answer) => {
          if (isPendingSignIn(answer)) {
            setPassword('');
            setPending(answer);
          } else {
            signedIn(answer);
          }
        },
        onError: (error) => {
          if (isApiError(error) && error.field && (error.field === 'email' || error.field === 'password')) {
            setFieldErrors({ [error.field]: error.message });
          }
        },
      },
    );
  }

  function signedIn(session: Session) {
    const target = safeRedirect(redirect);
    if (target) {
      void navigate({ href: target, replace: true });
      return;
    }
    const home = homeLocation(session);
    void navigate(home ? { ...home, replace: true } : { to: '/', replace: true });
  }

  const fieldError = isApiError(login.error) && (login.error.field === 'email' || login.error.field === 'password');
  const formError = login.isError && !fieldError ? loginErrorMessage(login.error) : null;

  if (pending) {
    return (
      <PendingSignInStep
        pending={pending}
        email={email.trim()}
        onSignedIn={signedIn}
        onStartOver={() => {
          setPending(null);
          login.reset();
        }}
      />
    );
  }

  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Wordmark />
        </div>
        <div className="rounded-lg border border-border bg-card p-6 shadow-xl shadow-black/5">
          <div className="mb-5 grid gap-1">
            <h1 className="text-lg font-semibold text-foreground">Sign in</h1>
            <p className="text-[13px] text-muted-foreground">Use the email and password of your CloudRMM account.</p>
          </div>
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            <Field id="login-email" label="Email" error={fieldErrors.email}>
              {(control) => (
                <Input
                  {...control}
                  type="email"
                  name="email"
                  autoComplete="username"
                  inputMode="email"
                  autoFocus
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              )}
            </Field>
            {sso.required ? null : (
              <Field id="login-password" label="Password" error={fieldErrors.password}>
                {(control) => (
                  <Input
                    {...control}
                    type="password"
                    name="password"
                    autoComplete="current-password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
            )}
            {sso.required ? null : (
              <Link
                to="/forgot-password"
                className="-mt-2 w-fit justify-self-end text-xs text-link underline-offset-4 hover:underline"
              >
                Forgot password?
              </Link>
            )}
            {formError ? (
              <Alert>{formError}</Alert>
            ) : ssoErrorMessage(ssoError) ? (
              <Alert>{ssoErrorMessage(ssoError)}</Alert>
            ) : null}
            {sso.required ? null : (
              <Button type="submit" variant="primary" size="lg" loading={login.isPending} className="w-full">
                {login.isPending ? null : <LogIn aria-hidden="true" />}
                Sign in
              </Button>
            )}
            {sso.startUrl ? (
              <SsoSignInButton startUrl={sso.startUrl} email={email} redirect={safeRedirect(redirect)} primary={sso.required} />
            ) : null}
          </form>
        </div>
        <p className="mt-6 text-center text-xs text-muted-foreground">
          <a href="/docs" className="text-link underline-offset-4 hover:underline">
            API docs
          </a>
        </p>
      </div>
    </main>
  );
}
