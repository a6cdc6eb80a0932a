import { Field } from '../../ui/field';
import { Input } from '../../ui/input';
import { MIN_PASSWORD_LENGTH } from './api';

/** A new password typed twice, with the length rule as a hint. */
export function NewPasswordFields({
  idPrefix,
  password,
  confirm,
  onPassword,
  onConfirm,
  errors,
  autoFocus,
  label = 'New password',
}: {
  idPrefix: string;
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
  errors: { password?: string; confirm?: string };
  autoFocus?: boolean;
  label?: string;
}) {
  return (
    <>
      <Field
        id={`${idPrefix}-password`}
        label={label}
        hint={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong one.`}
        error={errors.password}
      >
        {(control) => (
          <Input
            {...control}
            type="password"
            autoComplete="new-password"
            autoFocus={autoFocus}
            value={password}
            onChange={(e) => onPassword(e.target.value)}
          />
        )}
      </Field>
      <Field id={`${idPrefix}-confirm`} label={`Repeat the ${label.toLowerCase()}`} error={errors.confirm}>
        {(control) => (
          <Input
            {...control}
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => onConfirm(e.target.value)}
          />
        )}
      </Field>
    </>
  );
}
