import { useState } from 'react';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { useToast } from '../../ui/toast';
import { useInviteUser } from './api';
import { checkRoleScope, EMPTY_ROLE_SCOPE, RoleScopeFields, toScopeInput } from './scope-fields';
import type { RoleScopeValue } from './scope-fields';

export function InviteUserDialog({
  partnerId,
  partnerName,
  open,
  onOpenChange,
}: {
  partnerId: string;
  partnerName: string | undefined;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <InviteForm partnerId={partnerId} partnerName={partnerName} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

const FIELDS = ['email', 'name', 'role_id', 'organization_id', 'site_id'] as const;

function InviteForm({
  partnerId,
  partnerName,
  onDone,
}: {
  partnerId: string;
  partnerName: string | undefined;
  onDone: () => void;
}) {
  const invite = useInviteUser(partnerId);
  const { toast } = useToast();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [roleScope, setRoleScope] = useState<RoleScopeValue>(EMPTY_ROLE_SCOPE);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors = formErrors(invite.error, FIELDS, false);
  const fieldError = (f: string) => localErrors[f] ?? errors.fieldErrors[f];

  function submit() {
    const found: Record<string, string> = { ...checkRoleScope(roleScope) };
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) found.email = 'Enter an email address.';
    if (!name.trim()) found.name = 'Enter the person’s name.';
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    invite.mutate(
      { email: email.trim(), name: name.trim(), ...toScopeInput(roleScope) },
      {
        onSuccess: (user) => {
          if (user.invitation_sent) {
            toast({ title: `Invitation sent to ${user.email}`, description: 'The link works once and expires in 7 days.' });
          } else {
            toast({
              tone: 'error',
              title: `${user.email} was added, but the email could not be sent`,
              description: 'Check the mail server settings, then use “Resend invitation”.',
            });
          }
          onDone();
        },
      },
    );
  }

  return (
    <FormDialogContent
      title="Invite a user"
      description="They get an email with a link to choose a password. Until then they show as Invited."
      submitLabel="Send invitation"
      pending={invite.isPending}
      formError={errors.formError}
      onSubmit={submit}
      onCancel={onDone}
      className="max-w-lg"
    >
      <Field id="invite-email" label="Email" error={fieldError('email')}>
        {(control) => (
          <Input
            {...control}
            type="email"
            autoFocus
            autoComplete="off"
            inputMode="email"
            maxLength={320}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="name@example.com"
          />
        )}
      </Field>
      <Field id="invite-name" label="Name" error={fieldError('name')}>
        {(control) => (
          <Input
            {...control}
            autoComplete="off"
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Grace Hopper"
          />
        )}
      </Field>
      <RoleScopeFields
        partnerId={partnerId}
        partnerName={partnerName}
        idPrefix="invite"
        value={roleScope}
        onChange={setRoleScope}
        errors={{
          role_id: fieldError('role_id'),
          organization_id: fieldError('organization_id'),
          site_id: fieldError('site_id'),
        }}
      />
    </FormDialogContent>
  );
}
