import { useId, useState } from 'react';
import { CopyCommand } from '../../ui/copy-button';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { SecretOnceContent, SecretOnceDialog } from '../../ui/secret-once-dialog';
import { Time } from '../../ui/time';
import { useCreateEnrollmentToken } from './api';
import type { CreatedEnrollmentToken, SiteRef } from './api';

export function CreateTokenDialog({
  site,
  siteName,
  open,
  onOpenChange,
}: {
  site: SiteRef;
  siteName: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <SecretOnceDialog<CreatedEnrollmentToken>
      open={open}
      onOpenChange={onOpenChange}
      form={(onCreated, onCancel) => (
        <CreateTokenForm site={site} siteName={siteName} onCreated={onCreated} onCancel={onCancel} />
      )}
      reveal={(token, onDone) => <ShowTokenOnce token={token} siteName={siteName} onDone={onDone} />}
    />
  );
}

function wholeNumber(text: string, min: number, max: number, what: string): string | null {
  if (!/^\d+$/.test(text.trim())) return `Enter a whole number of ${what}.`;
  const n = Number(text);
  if (n < min || n > max) return `Between ${min.toLocaleString()} and ${max.toLocaleString()}.`;
  return null;
}

function CreateTokenForm({
  site,
  siteName,
  onCreated,
  onCancel,
}: {
  site: SiteRef;
  siteName: string;
  onCreated: (token: CreatedEnrollmentToken) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const create = useCreateEnrollmentToken(site);
  const [name, setName] = useState('');
  const [maxUses, setMaxUses] = useState('1');
  const [hours, setHours] = useState('24');
  const [checked, setChecked] = useState(false);
  const usesError = wholeNumber(maxUses, 1, 100_000, 'computers');
  const hoursError = wholeNumber(hours, 1, 720, 'hours');
  const errors = formErrors(create.error, ['name', 'max_uses', 'expires_in_hours'], false);

  function submit() {
    setChecked(true);
    if (usesError || hoursError) return;
    create.mutate(
      { ...(name.trim() ? { name: name.trim() } : {}), max_uses: Number(maxUses), expires_in_hours: Number(hours) },
      { onSuccess: onCreated },
    );
  }

  return (
    <FormDialogContent
      title="New enrollment token"
      description={
        <>
          A token enrolls computers into <span className="font-medium text-foreground">{siteName}</span> from a script or
          deployment tool, and stops working when used up or expired.
        </>
      }
      submitLabel="Create token"
      pending={create.isPending}
      formError={errors.formError}
      onSubmit={submit}
      onCancel={onCancel}
    >
      <Field
        id={`${id}-name`}
        label="Name"
        optional
        hint="What it is for, e.g. “Intune rollout”."
        error={errors.fieldErrors.name}
      >
        {(control) => <Input {...control} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id={`${id}-uses`}
          label="Max uses"
          hint="How many computers it may enroll (1–100,000)."
          error={errors.fieldErrors.max_uses ?? (checked ? usesError : null)}
        >
          {(control) => <Input {...control} inputMode="numeric" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />}
        </Field>
        <Field
          id={`${id}-hours`}
          label="Expires in (hours)"
          hint="1–720 (30 days)."
          error={errors.fieldErrors.expires_in_hours ?? (checked ? hoursError : null)}
        >
          {(control) => <Input {...control} inputMode="numeric" value={hours} onChange={(e) => setHours(e.target.value)} />}
        </Field>
      </div>
    </FormDialogContent>
  );
}

/** The one time the whole token is on screen. */
function ShowTokenOnce({ token, siteName, onDone }: { token: CreatedEnrollmentToken; siteName: string; onDone: () => void }) {
  return (
    <SecretOnceContent
      title={`Token${token.name ? ` “${token.name}”` : ''} created`}
      description={
        <>
          Enrolls up to {token.max_uses.toLocaleString()} {token.max_uses === 1 ? 'computer' : 'computers'} into{' '}
          <span className="font-medium text-foreground">{siteName}</span> until <Time value={token.expires_at} mode="datetime" />.
        </>
      }
      className="max-w-2xl"
      warning={{
        title: 'You will not see this token again',
        text: 'Copy the token or a command now. CloudRMM keeps only a fingerprint of it; if you lose it, revoke it and create another.',
      }}
      onDone={onDone}
    >
      <CopyCommand label="Token" value={token.token} testId="enrollment-token" />
      <CopyCommand label="Linux command" hint="Runs with sudo" value={token.command.linux} />
      <CopyCommand label="macOS command" hint="In Terminal; runs with sudo" value={token.command.macos} />
      <CopyCommand label="Windows command" hint="PowerShell as Administrator" value={token.command.windows} />
    </SecretOnceContent>
  );
}
