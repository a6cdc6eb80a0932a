import { ArrowRightLeft, FileCode2, Power, RefreshCw, Tag, X } from 'lucide-react';
import { useState } from 'react';
import { flattenPages } from '../../api/list';
import { Button } from '../../ui/button';
import { Dialog } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { Select } from '../../ui/select';
import { useToast } from '../../ui/toast';
import { useCan } from '../auth/session-context';
import { QuickActionDialog, RunScriptDialog } from '../commands/run-dialogs';
import type { PickedDevice } from '../commands/target-picker';
import { useOrganizationList } from '../organizations/api';
import { useSiteList } from '../sites/api';
import { useBulkMove, useBulkTags, useCreateDeviceFilter } from './bulk-api';
import type { DevicesSearch } from './api';

type BulkDialog = 'script' | 'reboot' | 'inventory' | 'tags' | 'move' | null;

const ALL = { q: '', sort: 'name', includeDeleted: false } as const;

function names(devices: PickedDevice[]): string {
  const shown = devices.slice(0, 8).map((d) => d.hostname);
  return `${shown.join(', ')}${devices.length > 8 ? ` and ${devices.length - 8} more` : ''}`;
}

/** The bar above the device table while rows are selected (DEV4). */
export function BulkActionsBar({
  partnerId,
  devices,
  onClear,
}: {
  partnerId: string;
  devices: PickedDevice[];
  onClear: () => void;
}) {
  const canRun = useCan('commands.run');
  const canManage = useCan('devices.manage');
  const [dialog, setDialog] = useState<BulkDialog>(null);
  const close = (open: boolean) => !open && setDialog(null);
  if (devices.length === 0) return null;

  return (
    <div
      role="region"
      aria-label="Bulk actions"
      className="flex flex-wrap items-center gap-2 border-b border-border bg-link/5 px-3 py-2"
    >
      <span className="mr-1 text-[13px] font-medium" role="status">
        {devices.length === 1 ? '1 device selected' : `${devices.length} devices selected`}
      </span>
      {canRun ? (
        <>
          <Button size="sm" onClick={() => setDialog('script')}>
            <FileCode2 aria-hidden="true" />
            Run script
          </Button>
          <Button size="sm" onClick={() => setDialog('reboot')}>
            <Power aria-hidden="true" />
            Reboot
          </Button>
          <Button size="sm" onClick={() => setDialog('inventory')}>
            <RefreshCw aria-hidden="true" />
            Refresh inventory
          </Button>
        </>
      ) : null}
      {canManage ? (
        <>
          <Button size="sm" onClick={() => setDialog('tags')}>
            <Tag aria-hidden="true" />
            Tags
          </Button>
          <Button size="sm" onClick={() => setDialog('move')}>
            <ArrowRightLeft aria-hidden="true" />
            Move to site
          </Button>
        </>
      ) : null}
      <Button size="sm" variant="subtle" className="ml-auto" onClick={onClear}>
        <X aria-hidden="true" />
        Clear selection
      </Button>

      <RunScriptDialog partnerId={partnerId} open={dialog === 'script'} onOpenChange={close} devices={devices} />
      <QuickActionDialog partnerId={partnerId} kind="reboot" open={dialog === 'reboot'} onOpenChange={close} devices={devices} />
      <QuickActionDialog
        partnerId={partnerId}
        kind="inventory_refresh"
        open={dialog === 'inventory'}
        onOpenChange={close}
        devices={devices}
      />
      <Dialog open={dialog === 'tags'} onOpenChange={close}>
        {dialog === 'tags' ? <TagsForm partnerId={partnerId} devices={devices} onDone={() => setDialog(null)} /> : null}
      </Dialog>
      <Dialog open={dialog === 'move'} onOpenChange={close}>
        {dialog === 'move' ? (
          <MoveForm
            partnerId={partnerId}
            devices={devices}
            onDone={(moved) => {
              setDialog(null);
              if (moved) onClear();
            }}
          />
        ) : null}
      </Dialog>
    </div>
  );
}

function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

function TagsForm({ partnerId, devices, onDone }: { partnerId: string; devices: PickedDevice[]; onDone: () => void }) {
  const tags = useBulkTags(partnerId);
  const { toast } = useToast();
  const [add, setAdd] = useState('');
  const [remove, setRemove] = useState('');
  const [checked, setChecked] = useState(false);
  const errors = formErrors(tags.error, ['add', 'remove'], false);
  const toAdd = parseTags(add);
  const toRemove = parseTags(remove);
  return (
    <FormDialogContent
      title={`Tags of ${devices.length === 1 ? devices[0]?.hostname : `${devices.length} devices`}`}
      description={names(devices)}
      submitLabel="Apply"
      pending={tags.isPending}
      formError={errors.formError ?? (checked && toAdd.length + toRemove.length === 0 ? 'Enter a tag to add or remove.' : null)}
      onSubmit={() => {
        setChecked(true);
        if (toAdd.length + toRemove.length === 0) return;
        tags.mutate(
          {
            device_ids: devices.map((d) => d.id),
            ...(toAdd.length ? { add: toAdd } : {}),
            ...(toRemove.length ? { remove: toRemove } : {}),
          },
          {
            onSuccess: () => {
              toast({
                title: 'Tags updated',
                description: `On ${devices.length === 1 ? '1 device' : `${devices.length} devices`}.`,
              });
              onDone();
            },
          },
        );
      }}
      onCancel={onDone}
    >
      <Field id="bulk-tags-add" label="Add tags" optional hint="Separate tags with commas." error={errors.fieldErrors.add}>
        {(control) => (
          <Input {...control} autoFocus value={add} onChange={(e) => setAdd(e.target.value)} placeholder="e.g. servers, backup" />
        )}
      </Field>
      <Field id="bulk-tags-remove" label="Remove tags" optional error={errors.fieldErrors.remove}>
        {(control) => <Input {...control} value={remove} onChange={(e) => setRemove(e.target.value)} />}
      </Field>
    </FormDialogContent>
  );
}

function MoveForm({
  partnerId,
  devices,
  onDone,
}: {
  partnerId: string;
  devices: PickedDevice[];
  onDone: (moved: boolean) => void;
}) {
  const move = useBulkMove(partnerId);
  const { toast } = useToast();
  const [organizationId, setOrganizationId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [checked, setChecked] = useState(false);
  const organizations = useOrganizationList(partnerId, ALL);
  const sites = useSiteList(partnerId, organizationId, ALL, Boolean(organizationId));
  const organizationOptions = flattenPages(organizations.data?.pages).items.filter((o) => !o.deleted_at);
  const siteOptions = flattenPages(sites.data?.pages).items.filter((s) => !s.deleted_at);
  const errors = formErrors(move.error, ['site_id'], false);
  return (
    <FormDialogContent
      title={`Move ${devices.length === 1 ? devices[0]?.hostname : `${devices.length} devices`} to another site`}
      description={<>They take the new site’s settings and custom fields. {names(devices)}.</>}
      submitLabel="Move"
      pending={move.isPending}
      formError={errors.formError}
      onSubmit={() => {
        setChecked(true);
        if (!siteId) return;
        move.mutate(
          { device_ids: devices.map((d) => d.id), site_id: siteId },
          {
            onSuccess: () => {
              const site = siteOptions.find((s) => s.id === siteId)?.name ?? 'the new site';
              toast({
                title: `Moved to ${site}`,
                description: `${devices.length === 1 ? '1 device' : `${devices.length} devices`}.`,
              });
              onDone(true);
            },
          },
        );
      }}
      onCancel={() => onDone(false)}
    >
      <Field id="bulk-move-organization" label="Organization">
        {(control) => (
          <Select
            {...control}
            value={organizationId}
            onChange={(e) => {
              setOrganizationId(e.target.value);
              setSiteId('');
            }}
          >
            <option value="">Choose an organization…</option>
            {organizationOptions.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field
        id="bulk-move-site"
        label="Site"
        error={errors.fieldErrors.site_id ?? (checked && !siteId ? 'Choose a site.' : null)}
      >
        {(control) => (
          <Select {...control} value={siteId} disabled={!organizationId} onChange={(e) => setSiteId(e.target.value)}>
            <option value="">{organizationId ? 'Choose a site…' : 'Choose an organization first'}</option>
            {siteOptions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </Select>
        )}
      </Field>
    </FormDialogContent>
  );
}

/** Saves the list's current filters by name, so commands and schedules can target "the devices of this filter". */
export function SaveFilterDialog({
  partnerId,
  search,
  open,
  onOpenChange,
}: {
  partnerId: string;
  search: DevicesSearch;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? <SaveFilterForm partnerId={partnerId} search={search} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function SaveFilterForm({ partnerId, search, onDone }: { partnerId: string; search: DevicesSearch; onDone: () => void }) {
  const create = useCreateDeviceFilter(partnerId);
  const { toast } = useToast();
  const [name, setName] = useState('');
  const [checked, setChecked] = useState(false);
  const errors = formErrors(create.error, ['name'], false);
  return (
    <FormDialogContent
      title="Save these filters"
      description="A saved filter can be the target of a script, a command or a schedule: it always means the devices that match it at the time."
      submitLabel="Save filter"
      pending={create.isPending}
      formError={errors.formError}
      onSubmit={() => {
        setChecked(true);
        if (!name.trim()) return;
        create.mutate(
          {
            name: name.trim(),
            query: {
              ...(search.q ? { q: search.q } : {}),
              ...(search.organization ? { organization_id: search.organization } : {}),
              ...(search.site ? { site_id: search.site } : {}),
              ...(search.status ? { status: search.status } : {}),
              ...(search.platform ? { platform: search.platform } : {}),
              ...(search.tag ? { tag: search.tag } : {}),
              ...(search.low_disk ? { low_disk: true } : {}),
            },
          },
          {
            onSuccess: (saved) => {
              toast({ title: `Filter “${saved.name}” saved` });
              onDone();
            },
          },
        );
      }}
      onCancel={onDone}
    >
      <Field
        id="device-filter-name"
        label="Name"
        error={errors.fieldErrors.name ?? (checked && !name.trim() ? 'Name must not be empty.' : null)}
      >
        {(control) => (
          <Input
            {...control}
            autoFocus
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Linux servers at HQ"
          />
        )}
      </Field>
    </FormDialogContent>
  );
}
