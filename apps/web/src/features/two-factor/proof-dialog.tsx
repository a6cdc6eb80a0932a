import { useState } from 'react';
import type { ReactNode } from 'react';
import { isApiError } from '../../api/client';
import { Button } from '../../ui/button';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import type { Proof } from './api';
import { cleanCode } from './enrolment';

/**
 * Asks again who is at the keyboard before a change to two-factor sign-in:
 * a current code from the app, or the password.
 */
export function ProofDialog({
  open,
  onOpenChange,
  title,
  description,
  submitLabel,
  pending,
  error,
  onSubmit,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (proof: Proof) => void;
}) {
  const [withPassword, setWithPassword] = useState(false);
  const [value, setValue] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);

  const apiField = isApiError(error) && (error.field === 'code' || error.field === 'password') ? error.message : null;
  const formError = error && !apiField ? (isApiError(error) ? error.message : 'Something went wrong.') : null;

  function submit() {
    if (withPassword ? !value : !/^\d{6}$/.test(cleanCode(value))) {
      setLocalError(withPassword ? 'Enter your password.' : 'Enter the 6-digit code your app shows.');
      return;
    }
    setLocalError(null);
    onSubmit(withPassword ? { password: value } : { code: cleanCode(value) });
  }

  function change(next: boolean) {
    if (pending) return;
    if (!next) {
      setValue('');
      setLocalError(null);
    }
    onOpenChange(next);
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      {open ? (
        <FormDialogContent
          title={title}
          description={description}
          submitLabel={submitLabel}
          pending={pending}
          formError={formError}
          onSubmit={submit}
          onCancel={() => change(false)}
        >
          {withPassword ? (
            <Field id="proof-password" label="Your password" error={localError ?? apiField}>
              {(control) => (
                <Input
                  {...control}
                  key="password"
                  type="password"
                  autoComplete="current-password"
                  autoFocus
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                />
              )}
            </Field>
          ) : (
            <Field id="proof-code" label="Code from your authenticator app" error={localError ?? apiField}>
              {(control) => (
                <Input
                  {...control}
                  key="code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={9}
                  autoFocus
                  className="w-36 font-mono tracking-widest"
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                />
              )}
            </Field>
          )}
          <Button
            variant="link"
            className="justify-self-start px-0"
            onClick={() => {
              setWithPassword((p) => !p);
              setValue('');
              setLocalError(null);
            }}
          >
            {withPassword ? 'Use a code from the app instead' : 'Use your password instead'}
          </Button>
        </FormDialogContent>
      ) : null}
    </Dialog>
  );
}
