import { Link } from '@tanstack/react-router';
import { KeyRound, Save, UserLock } from 'lucide-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { DescriptionList } from '../../ui/description-list';
import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { checkNewPassword, useChangePassword, useMe, useUpdateMe } from './api';
import type { Me } from './api';
import { NewPasswordFields } from './password-fields';

/** "My account": the signed-in user's profile and password. */
export function AccountPage() {
  const me = useMe();
  useDocumentTitle('My account');

  if (me.isError) return <LoadErrorState error={me.error} thing="account" onRetry={() => void me.refetch()} back={null} />;

  return (
    <div className="grid max-w-3xl gap-5">
      <PageHeader title="My account" description="Your name as colleagues see it, and your password." />
      {me.data ? <ProfileCard me={me.data} key={me.data.version} /> : <Skeleton className="h-40 w-full" />}
      <PasswordCard />
      <Card>
        <CardContent className="flex flex-wrap items-center justify-between gap-3 py-3">
          <p className="text-[13px] text-muted-foreground">
            Two-factor sign-in, your open sessions and trusted browsers are on the Security page.
          </p>
          <Button asChild size="sm">
            <Link to="/me/security">
              <UserLock aria-hidden="true" />
              Security
            </Link>
          </Button>
        </CardContent>
      </Card>
    </div>
  );
}

function ProfileCard({ me }: { me: Me }) {
  const update = useUpdateMe();
  const { toast } = useToast();
  const [name, setName] = useState(me.name);
  const [nameError, setNameError] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setNameError('Enter your name.');
      return;
    }
    setNameError(null);
    update.mutate({ name: name.trim(), version: me.version }, { onSuccess: () => toast({ title: 'Profile saved' }) });
  }

  const conflict = isApiError(update.error) && update.error.status === 409;
  return (
    <Card aria-labelledby="profile-heading">
      <CardHeader>
        <CardTitle id="profile-heading">Profile</CardTitle>
      </CardHeader>
      <CardContent className="grid gap-5 py-4">
        <DescriptionList
          className="xl:grid-cols-3"
          items={[
            { label: 'Email', value: me.email },
            { label: 'Partner', value: me.partner_name ?? 'Platform staff' },
            { label: 'Member since', value: <Time value={me.created_at} /> },
          ]}
        />
        <form noValidate onSubmit={submit} className="grid max-w-sm gap-4">
          <Field
            id="profile-name"
            label="Name"
            error={nameError ?? (isApiError(update.error) && update.error.field === 'name' ? update.error.message : null)}
          >
            {(control) => (
              <Input {...control} autoComplete="name" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          {conflict ? (
            <Alert tone="warning">Your profile was changed elsewhere. Reload the page, then make your change again.</Alert>
          ) : update.isError && !(isApiError(update.error) && update.error.field === 'name') ? (
            <Alert>{errorMessage(update.error)}</Alert>
          ) : null}
          <div>
            <Button type="submit" variant="primary" loading={update.isPending} disabled={name.trim() === me.name}>
              {update.isPending ? null : <Save aria-hidden="true" />}
              Save name
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

function PasswordCard() {
  const change = useChangePassword();
  const { toast } = useToast();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ current?: string; password?: string; confirm?: string }>({});

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = { ...(current ? {} : { current: 'Enter your current password.' }), ...checkNewPassword(password, confirm) };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    change.mutate(
      { current_password: current, new_password: password },
      {
        onSuccess: () => {
          setCurrent('');
          setPassword('');
          setConfirm('');
          toast({ title: 'Password changed', description: 'You were signed out everywhere else.' });
        },
        onError: (error) => {
          if (isApiError(error) && error.field === 'current_password') setErrors({ current: error.message });
          else if (isApiError(error) && error.field === 'new_password') setErrors({ password: error.message });
        },
      },
    );
  }

  const fieldError =
    isApiError(change.error) && (change.error.field === 'current_password' || change.error.field === 'new_password');
  const formError =
    change.isError && !fieldError
      ? isApiError(change.error) && change.error.status === 429
        ? `Too many wrong passwords; try again in ${Math.max(1, Math.ceil((change.error.retryAfter ?? 900) / 60))} minutes.`
        : errorMessage(change.error)
      : null;

  return (
    <Card aria-labelledby="password-heading">
      <CardHeader>
        <CardTitle id="password-heading">Password</CardTitle>
      </CardHeader>
      <CardContent className="py-4">
        <form noValidate onSubmit={submit} className="grid max-w-sm gap-4">
          <p className="text-[13px] text-muted-foreground">Changing it signs you out of every other browser and device.</p>
          <Field id="password-current" label="Current password" error={errors.current}>
            {(control) => (
              <Input
                {...control}
                type="password"
                autoComplete="current-password"
                value={current}
                onChange={(e) => setCurrent(e.target.value)}
              />
            )}
          </Field>
          <NewPasswordFields
            idPrefix="password-new"
            password={password}
            confirm={confirm}
            onPassword={setPassword}
            onConfirm={setConfirm}
            errors={errors}
          />
          {formError ? <Alert>{formError}</Alert> : null}
          <div>
            <Button type="submit" variant="primary" loading={change.isPending}>
              {change.isPending ? null : <KeyRound aria-hidden="true" />}
              Change password
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
