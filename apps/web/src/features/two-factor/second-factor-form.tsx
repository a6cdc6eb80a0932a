import { ShieldCheck } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import type { Session } from '../auth/api';
import { usePassSecondFactor } from './api';
import { cleanCode } from './enrolment';

function failureMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 429) {
      const minutes = error.retryAfter !== null ? Math.max(1, Math.ceil(error.retryAfter / 60)) : null;
      return minutes ? `Too many wrong codes, try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.` : error.message;
    }
    if (error.code === 'not_authenticated') return 'This sign-in has expired. Start again with your password.';
    return error.message;
  }
  return 'That did not work. Try again.';
}

/** The second step of a sign-in: the authenticator's code, or one of the recovery codes. */
export function SecondFactorForm({
  onSignedIn,
  onStartOver,
}: {
  onSignedIn: (session: Session) => void;
  onStartOver: () => void;
}) {
  const pass = usePassSecondFactor();
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [trust, setTrust] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const trustId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const entered = useRecovery ? value.trim() : cleanCode(value);
    if (useRecovery ? entered.length < 8 : !/^\d{6}$/.test(entered)) {
      setFieldError(useRecovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code your app shows.');
      return;
    }
    setFieldError(null);
    pass.mutate(useRecovery ? { recovery_code: entered, trust_device: trust } : { code: entered, trust_device: trust }, {
      onSuccess: onSignedIn,
      onError: () => setValue(''),
    });
  }

  function switchMethod() {
    setUseRecovery((r) => !r);
    setValue('');
    setFieldError(null);
    pass.reset();
  }

  const expired = isApiError(pass.error) && pass.error.code === 'not_authenticated';
  return (
    <form noValidate onSubmit={submit} className="grid gap-4">
      {useRecovery ? (
        <Field
          id="second-factor-recovery"
          label="Recovery code"
          hint="One of the codes you saved when you set up two-factor sign-in. Each works once."
          error={fieldError}
        >
          {(control) => (
            <Input
              {...control}
              key="recovery"
              name="recovery_code"
              autoComplete="off"
              spellCheck={false}
              autoFocus
              className="font-mono"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          )}
        </Field>
      ) : (
        <Field id="second-factor-code" label="Code from your authenticator app" error={fieldError}>
          {(control) => (
            <Input
              {...control}
              key="code"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={9}
              autoFocus
              className="font-mono tracking-widest"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          )}
        </Field>
      )}
      <div className="flex items-center gap-2">
        <input
          id={trustId}
          type="checkbox"
          checked={trust}
          onChange={(e) => setTrust(e.target.checked)}
          className="size-4 cursor-pointer accent-primary"
        />
        <label htmlFor={trustId} className="cursor-pointer text-[13px] text-foreground">
          Trust this browser for 30 days
        </label>
      </div>
      {pass.isError ? <Alert>{failureMessage(pass.error)}</Alert> : null}
      {expired ? (
        <Button variant="primary" size="lg" className="w-full" onClick={onStartOver}>
          Start again
        </Button>
      ) : (
        <Button type="submit" variant="primary" size="lg" loading={pass.isPending} className="w-full">
          {pass.isPending ? null : <ShieldCheck aria-hidden="true" />}
          Verify
        </Button>
      )}
      <div className="flex flex-wrap justify-between gap-x-4 gap-y-1">
        <Button variant="link" className="px-0" onClick={switchMethod}>
          {useRecovery ? 'Use a code from the app' : 'Use a recovery code'}
        </Button>
        <Button variant="link" className="px-0" onClick={onStartOver}>
          Sign in as someone else
        </Button>
      </div>
    </form>
  );
}
