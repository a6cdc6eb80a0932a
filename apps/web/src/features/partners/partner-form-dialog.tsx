import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { useToast } from '../../ui/toast';
import { partnerQueryOptions, useCreatePartner, useUpdatePartner } from './api';
import type { Partner } from './api';

export interface PartnerFormDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Edit this partner; create a new one when absent. */
  partner?: Partner;
  onCreated?: (partner: Partner) => void;
}

export function PartnerFormDialog({ open, onOpenChange, partner, onCreated }: PartnerFormDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <PartnerForm partner={partner} onDone={() => onOpenChange(false)} onCreated={onCreated} /> : null}
    </Dialog>
  );
}

function PartnerForm({
  partner,
  onDone,
  onCreated,
}: {
  partner?: Partner;
  onDone: () => void;
  onCreated?: (partner: Partner) => void;
}) {
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const create = useCreatePartner();
  const update = useUpdatePartner();
  const mutation = partner ? update : create;

  const [name, setName] = useState(partner?.name ?? '');
  const [version, setVersion] = useState(partner?.version ?? 0);
  const [nameError, setNameError] = useState<string | null>(null);
  const [reloading, setReloading] = useState(false);

  const errors = formErrors(mutation.error, ['name'], Boolean(partner));

  function submit() {
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Name must not be empty.');
      return;
    }
    setNameError(null);
    if (partner) {
      update.mutate(
        { id: partner.id, name: trimmed, version },
        {
          onSuccess: (saved) => {
            toast({ title: `Partner “${saved.name}” saved` });
            onDone();
          },
        },
      );
    } else {
      create.mutate(
        { name: trimmed },
        {
          onSuccess: (created) => {
            toast({ title: `Partner “${created.name}” created` });
            onDone();
            onCreated?.(created);
          },
        },
      );
    }
  }

  async function reload() {
    if (!partner) return;
    setReloading(true);
    try {
      const latest = await queryClient.fetchQuery({ ...partnerQueryOptions(partner.id), staleTime: 0 });
      setName(latest.name);
      setVersion(latest.version);
      update.reset();
    } catch (error) {
      toast({ tone: 'error', title: 'Could not reload the partner', description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  }

  return (
    <FormDialogContent
      title={partner ? 'Edit partner' : 'New partner'}
      description={partner ? undefined : 'A partner is an MSP with its own organizations, users and devices.'}
      submitLabel={partner ? 'Save' : 'Create'}
      pending={mutation.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'partner', onReload: () => void reload(), reloading } : null}
      onSubmit={submit}
      onCancel={onDone}
    >
      <Field id="partner-name" label="Name" error={nameError ?? errors.fieldErrors.name}>
        {(control) => (
          <Input
            {...control}
            autoFocus
            autoComplete="off"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Northwind IT Services"
          />
        )}
      </Field>
    </FormDialogContent>
  );
}
