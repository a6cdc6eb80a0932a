import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { NameDescriptionFields } from '../../ui/name-description-fields';
import { useToast } from '../../ui/toast';
import { organizationQueryOptions, useCreateOrganization, useUpdateOrganization } from './api';
import type { Organization } from './api';

export interface OrganizationFormDialogProps {
  partnerId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Edit this organization; create a new one when absent. */
  organization?: Organization;
}

export function OrganizationFormDialog({ partnerId, open, onOpenChange, organization }: OrganizationFormDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <OrganizationForm partnerId={partnerId} organization={organization} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function OrganizationForm({
  partnerId,
  organization,
  onDone,
}: {
  partnerId: string;
  organization?: Organization;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const create = useCreateOrganization(partnerId);
  const update = useUpdateOrganization(partnerId);
  const mutation = organization ? update : create;

  const [name, setName] = useState(organization?.name ?? '');
  const [description, setDescription] = useState(organization?.description ?? '');
  const [version, setVersion] = useState(organization?.version ?? 0);
  const [nameError, setNameError] = useState<string | null>(null);
  const [reloading, setReloading] = useState(false);

  const errors = formErrors(mutation.error, ['name', 'description'], Boolean(organization));

  function submit() {
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Name must not be empty.');
      return;
    }
    setNameError(null);
    const body = { name: trimmed, description: description.trim() };
    if (organization) {
      update.mutate(
        { id: organization.id, ...body, version },
        {
          onSuccess: (saved) => {
            toast({ title: `Organization “${saved.name}” saved` });
            onDone();
          },
        },
      );
    } else {
      create.mutate(body.description ? body : { name: trimmed }, {
        onSuccess: (created) => {
          toast({ title: `Organization “${created.name}” created` });
          onDone();
        },
      });
    }
  }

  async function reload() {
    if (!organization) return;
    setReloading(true);
    try {
      const latest = await queryClient.fetchQuery({
        ...organizationQueryOptions(partnerId, organization.id),
        staleTime: 0,
      });
      setName(latest.name);
      setDescription(latest.description ?? '');
      setVersion(latest.version);
      update.reset();
    } catch (error) {
      toast({ tone: 'error', title: 'Could not reload the organization', description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  }

  return (
    <FormDialogContent
      title={organization ? 'Edit organization' : 'New organization'}
      description={organization ? undefined : 'An organization is one of your customers. Its sites and devices live under it.'}
      submitLabel={organization ? 'Save' : 'Create'}
      pending={mutation.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'organization', onReload: () => void reload(), reloading } : null}
      onSubmit={submit}
      onCancel={onDone}
    >
      <NameDescriptionFields
        idPrefix="organization"
        name={name}
        onNameChange={setName}
        nameError={nameError ?? errors.fieldErrors.name}
        namePlaceholder="e.g. Contoso Ltd"
        description={description}
        onDescriptionChange={setDescription}
        descriptionError={errors.fieldErrors.description}
        descriptionPlaceholder="Contract, contacts, anything a technician should know"
      />
    </FormDialogContent>
  );
}
