import { useState } from 'react';
import { Dialog } from '../../ui/dialog';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { useToast } from '../../ui/toast';
import { useAddRoleAssignment } from './api';
import type { User } from './api';
import { checkRoleScope, EMPTY_ROLE_SCOPE, RoleScopeFields, toScopeInput } from './scope-fields';
import type { RoleScopeValue } from './scope-fields';
import { userLabel } from './user-actions';

export function AddRoleDialog({
  partnerId,
  partnerName,
  user,
  open,
  onOpenChange,
}: {
  partnerId: string;
  partnerName: string | undefined;
  user: User;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? (
        <AddRoleForm partnerId={partnerId} partnerName={partnerName} user={user} onDone={() => onOpenChange(false)} />
      ) : null}
    </Dialog>
  );
}

const FIELDS = ['role_id', 'organization_id', 'site_id'] as const;

function AddRoleForm({
  partnerId,
  partnerName,
  user,
  onDone,
}: {
  partnerId: string;
  partnerName: string | undefined;
  user: User;
  onDone: () => void;
}) {
  const add = useAddRoleAssignment(partnerId, user.id);
  const { toast } = useToast();
  const [value, setValue] = useState<RoleScopeValue>(EMPTY_ROLE_SCOPE);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors = formErrors(add.error, FIELDS, false);
  const fieldError = (f: string) => localErrors[f] ?? errors.fieldErrors[f];

  function submit() {
    const found = checkRoleScope(value);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    add.mutate(toScopeInput(value), {
      onSuccess: () => {
        toast({ title: `Role added to ${userLabel(user)}` });
        onDone();
      },
    });
  }

  return (
    <FormDialogContent
      title="Add a role"
      description={
        <>
          What <span className="font-medium text-foreground">{userLabel(user)}</span> may also do, and where. You can only give
          roles you hold yourself, where you hold them.
        </>
      }
      submitLabel="Add role"
      pending={add.isPending}
      formError={errors.formError}
      onSubmit={submit}
      onCancel={onDone}
      className="max-w-lg"
    >
      <RoleScopeFields
        partnerId={partnerId}
        partnerName={partnerName}
        idPrefix="add-role"
        value={value}
        onChange={setValue}
        errors={{
          role_id: fieldError('role_id'),
          organization_id: fieldError('organization_id'),
          site_id: fieldError('site_id'),
        }}
      />
    </FormDialogContent>
  );
}
