import { useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { errorMessage } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { NameDescriptionFields } from '../../ui/name-description-fields';
import { useToast } from '../../ui/toast';
import { siteQueryOptions, useCreateSite, useUpdateSite } from './api';
import type { Site } from './api';
import { isValidTimezone, timezoneNames } from './timezones';

export interface SiteFormDialogProps {
  partnerId: string;
  organizationId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** Edit this site; create a new one when absent. */
  site?: Site;
}

export function SiteFormDialog({ partnerId, organizationId, open, onOpenChange, site }: SiteFormDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? (
        <SiteForm partnerId={partnerId} organizationId={organizationId} site={site} onDone={() => onOpenChange(false)} />
      ) : null}
    </Dialog>
  );
}

function SiteForm({
  partnerId,
  organizationId,
  site,
  onDone,
}: {
  partnerId: string;
  organizationId: string;
  site?: Site;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const create = useCreateSite(partnerId, organizationId);
  const update = useUpdateSite(partnerId, organizationId);
  const mutation = site ? update : create;
  const zonesId = useId();
  const zones = useMemo(() => timezoneNames(), []);

  const [name, setName] = useState(site?.name ?? '');
  const [description, setDescription] = useState(site?.description ?? '');
  const [timezone, setTimezone] = useState(site?.timezone ?? 'UTC');
  const [version, setVersion] = useState(site?.version ?? 0);
  const [localErrors, setLocalErrors] = useState<{ name?: string; timezone?: string }>({});
  const [reloading, setReloading] = useState(false);

  const errors = formErrors(mutation.error, ['name', 'description', 'timezone'], Boolean(site));

  function submit() {
    const trimmed = name.trim();
    const zone = timezone.trim() || 'UTC';
    const next: { name?: string; timezone?: string } = {};
    if (!trimmed) next.name = 'Name must not be empty.';
    if (!isValidTimezone(zone)) next.timezone = `“${zone}” is not a known IANA timezone (e.g. Europe/London).`;
    setLocalErrors(next);
    if (next.name || next.timezone) return;

    const body = { name: trimmed, description: description.trim(), timezone: zone };
    if (site) {
      update.mutate(
        { id: site.id, ...body, version },
        {
          onSuccess: (saved) => {
            toast({ title: `Site “${saved.name}” saved` });
            onDone();
          },
        },
      );
    } else {
      create.mutate(body.description ? body : { name: body.name, timezone: body.timezone }, {
        onSuccess: (created) => {
          toast({ title: `Site “${created.name}” created` });
          onDone();
        },
      });
    }
  }

  async function reload() {
    if (!site) return;
    setReloading(true);
    try {
      const latest = await queryClient.fetchQuery({
        ...siteQueryOptions(partnerId, organizationId, site.id),
        staleTime: 0,
      });
      setName(latest.name);
      setDescription(latest.description ?? '');
      setTimezone(latest.timezone);
      setVersion(latest.version);
      update.reset();
    } catch (error) {
      toast({ tone: 'error', title: 'Could not reload the site', description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  }

  return (
    <FormDialogContent
      title={site ? 'Edit site' : 'New site'}
      description={site ? undefined : 'A site is a location or grouping of devices, such as an office.'}
      submitLabel={site ? 'Save' : 'Create'}
      pending={mutation.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'site', onReload: () => void reload(), reloading } : null}
      onSubmit={submit}
      onCancel={onDone}
    >
      <NameDescriptionFields
        idPrefix="site"
        name={name}
        onNameChange={setName}
        nameError={localErrors.name ?? errors.fieldErrors.name}
        namePlaceholder="e.g. London office"
        description={description}
        onDescriptionChange={setDescription}
        descriptionError={errors.fieldErrors.description}
        descriptionPlaceholder="Address, network notes, on-site contact"
      />
      <Field
        id="site-timezone"
        label="Timezone"
        hint="IANA name, such as Europe/London or America/New_York."
        error={localErrors.timezone ?? errors.fieldErrors.timezone}
      >
        {(control) => (
          <>
            <Input
              {...control}
              list={zonesId}
              autoComplete="off"
              spellCheck={false}
              value={timezone}
              maxLength={64}
              onChange={(e) => setTimezone(e.target.value)}
              placeholder="UTC"
            />
            <datalist id={zonesId}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
    </FormDialogContent>
  );
}
