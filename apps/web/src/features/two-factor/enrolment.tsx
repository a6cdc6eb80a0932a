import { QrCode } from 'lucide-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage, isApiError } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { CopyValue } from '../../ui/copy-button';
import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { useConfirmSetup, useStartSetup } from './api';
import type { RecoveryCodesAnswer } from './api';

/** Six digits, however they were pasted ("123 456", "123-456"). */
export function cleanCode(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/**
 * Setting up an authenticator app: a QR code (or the key to type in), then
 * the app's current code to prove it works. Starts only when asked, so the
 * QR code shown is always the one the server keeps.
 */
export function TwoFactorEnrolment({
  startLabel = 'Set up authenticator app',
  onEnabled,
  onCancel,
}: {
  startLabel?: string;
  onEnabled: (answer: RecoveryCodesAnswer) => void;
  onCancel?: () => void;
}) {
  const setup = useStartSetup();
  const confirm = useConfirmSetup();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const digits = cleanCode(code);
    if (!/^\d{6}$/.test(digits)) {
      setCodeError('Enter the 6-digit code your app shows.');
      return;
    }
    setCodeError(null);
    confirm.mutate(digits, {
      onSuccess: onEnabled,
      onError: (error) => {
        if (isApiError(error) && error.field === 'code') setCodeError(error.message);
      },
    });
  }

  if (!setup.data) {
    return (
      <div className="grid gap-3">
        {setup.isError ? <Alert>{errorMessage(setup.error)}</Alert> : null}
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" loading={setup.isPending} onClick={() => setup.mutate()}>
            {setup.isPending ? null : <QrCode aria-hidden="true" />}
            {startLabel}
          </Button>
          {onCancel ? <Button onClick={onCancel}>Cancel</Button> : null}
        </div>
      </div>
    );
  }

  const enrolment = setup.data;
  const otherError =
    confirm.isError && !(isApiError(confirm.error) && confirm.error.field === 'code') ? errorMessage(confirm.error) : null;
  return (
    <form noValidate onSubmit={submit} className="grid gap-4">
      <ol className="grid list-decimal gap-1 pl-5 text-[13px] text-muted-foreground">
        <li>Open an authenticator app on your phone (Microsoft Authenticator, Google Authenticator, 1Password, Authy…).</li>
        <li>Scan the QR code, or type in the key below.</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <div className="flex flex-wrap items-start gap-5">
        {/* White behind the code in both themes: phones read dark-on-light. */}
        <img
          src={enrolment.qr_code}
          alt="QR code to scan with your authenticator app"
          className="size-44 shrink-0 rounded-md border border-border bg-white p-1.5"
        />
        <div className="grid min-w-0 flex-1 gap-4">
          <div className="grid gap-1">
            <span className="text-xs font-medium text-foreground">Can’t scan it? Type in this key</span>
            <CopyValue value={enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')} label="key" />
          </div>
          <Field id="two-factor-setup-code" label="Code from the app" error={codeError}>
            {(control) => (
              <Input
                {...control}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={9}
                autoFocus
                className="w-36 font-mono tracking-widest"
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            )}
          </Field>
        </div>
      </div>
      {otherError ? <Alert>{otherError}</Alert> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" loading={confirm.isPending}>
          Turn on two-factor sign-in
        </Button>
        {onCancel ? (
          <Button onClick={onCancel} disabled={confirm.isPending}>
            Cancel
          </Button>
        ) : null}
      </div>
    </form>
  );
}
