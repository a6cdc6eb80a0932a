import { useNavigate } from '@tanstack/react-router';
import { Ban, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { Field } from '../../ui/field';
import { formErrors, PageFormFooter } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { useToast } from '../../ui/toast';
import { HEARTBEAT_RANGE, INVENTORY_RANGE, checkInterval } from './agent-settings';
import { useAgentSettings, useDeleteDevice, useDevice, useRevokeDevice, useUpdateDeviceSettings } from './api';
import type { Device } from './api';

/** The partner default a blank override falls back to: from the partner's settings, or what runs without an override. */
function partnerDefault(fromPartner: number | undefined, effective: number, override: number | null): number | null {
  if (typeof fromPartner === 'number') return fromPartner;
  return override === null ? effective : null;
}

/**
 * For users who may manage devices: how often this agent reports (blank =
 * the partner's default), and revoking or deleting the device.
 */
export function DeviceSettingsSection({ partnerId, device }: { partnerId: string; device: Device }) {
  return (
    <Card aria-labelledby="device-settings-heading" id="settings">
      <CardHeader>
        <CardTitle id="device-settings-heading">Settings</CardTitle>
      </CardHeader>
      <CardContent className="grid gap-6 py-4">
        <IntervalsForm key={device.version} partnerId={partnerId} device={device} />
        <DangerZone partnerId={partnerId} device={device} />
      </CardContent>
    </Card>
  );
}

function IntervalsForm({ partnerId, device }: { partnerId: string; device: Device }) {
  const id = useId();
  const { settings } = device;
  const update = useUpdateDeviceSettings(partnerId);
  const reload = useDevice(partnerId, device.id);
  const defaults = useAgentSettings(partnerId).data;
  const { toast } = useToast();
  const [heartbeat, setHeartbeat] = useState(settings.heartbeat_override?.toString() ?? '');
  const [inventory, setInventory] = useState(settings.inventory_override?.toString() ?? '');
  const [checked, setChecked] = useState(false);
  const heartbeatError = heartbeat.trim() ? checkInterval(heartbeat, HEARTBEAT_RANGE, 'seconds') : null;
  const inventoryError = inventory.trim() ? checkInterval(inventory, INVENTORY_RANGE, 'minutes') : null;
  const errors = formErrors(update.error, ['heartbeat_seconds', 'inventory_minutes'], true);
  const heartbeatDefault = partnerDefault(defaults?.heartbeat_seconds, settings.heartbeat_seconds, settings.heartbeat_override);
  const inventoryDefault = partnerDefault(defaults?.inventory_minutes, settings.inventory_minutes, settings.inventory_override);
  const dirty =
    heartbeat.trim() !== (settings.heartbeat_override?.toString() ?? '') ||
    inventory.trim() !== (settings.inventory_override?.toString() ?? '');

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (heartbeatError || inventoryError || update.isPending) return;
    update.mutate(
      {
        id: device.id,
        version: device.version,
        heartbeat_seconds: heartbeat.trim() ? Number(heartbeat) : null,
        inventory_minutes: inventory.trim() ? Number(inventory) : null,
      },
      {
        onSuccess: () =>
          toast({
            title: 'Device settings saved',
            description: device.online ? 'The agent uses them at once.' : 'The agent picks them up when it reconnects.',
          }),
      },
    );
  }

  return (
    <form noValidate onSubmit={submit} className="grid gap-4">
      <div className="grid gap-1">
        <h3 className="text-[13px] font-semibold">Reporting intervals</h3>
        <p className="text-xs text-muted-foreground">
          Leave a field blank to use the partner’s default. This agent now runs at a heartbeat every {settings.heartbeat_seconds}{' '}
          s and sends its status every {settings.inventory_minutes} min.
        </p>
      </div>
      <div className="grid gap-4 sm:grid-cols-2 lg:max-w-2xl">
        <Field
          id={`${id}-heartbeat`}
          label="Heartbeat (seconds)"
          optional
          hint={
            heartbeatDefault !== null
              ? `Blank: partner default (${heartbeatDefault} s).`
              : `Blank: partner default. ${HEARTBEAT_RANGE.min}–${HEARTBEAT_RANGE.max}.`
          }
          error={errors.fieldErrors.heartbeat_seconds ?? (checked ? heartbeatError : null)}
        >
          {(control) => (
            <Input
              {...control}
              inputMode="numeric"
              placeholder={heartbeatDefault !== null ? `${heartbeatDefault} (default)` : 'Partner default'}
              value={heartbeat}
              onChange={(e) => setHeartbeat(e.target.value)}
            />
          )}
        </Field>
        <Field
          id={`${id}-inventory`}
          label="Status and inventory (minutes)"
          optional
          hint={
            inventoryDefault !== null
              ? `Blank: partner default (${inventoryDefault} min).`
              : `Blank: partner default. ${INVENTORY_RANGE.min}–${INVENTORY_RANGE.max}.`
          }
          error={errors.fieldErrors.inventory_minutes ?? (checked ? inventoryError : null)}
        >
          {(control) => (
            <Input
              {...control}
              inputMode="numeric"
              placeholder={inventoryDefault !== null ? `${inventoryDefault} (default)` : 'Partner default'}
              value={inventory}
              onChange={(e) => setInventory(e.target.value)}
            />
          )}
        </Field>
      </div>
      <PageFormFooter
        errors={errors}
        changedText="This device changed after the page loaded."
        onReload={() => void reload.refetch()}
        reloading={reload.isFetching}
        submitLabel="Save intervals"
        pending={update.isPending}
        dirty={dirty}
      />
    </form>
  );
}

function DangerZone({ partnerId, device }: { partnerId: string; device: Device }) {
  const [dialog, setDialog] = useState<'revoke' | 'delete' | null>(null);
  const revoke = useRevokeDevice(partnerId);
  const remove = useDeleteDevice(partnerId);
  const navigate = useNavigate();
  const { toast } = useToast();
  const where = `${device.organization_name} › ${device.site_name}`;

  return (
    <div className="grid gap-3 border-t border-border pt-4">
      <h3 className="text-[13px] font-semibold">Remove the agent</h3>
      <div className="flex flex-wrap items-start gap-x-8 gap-y-3">
        <div className="grid max-w-md gap-1.5">
          <Button variant="destructive-ghost" className="w-fit" disabled={device.revoked} onClick={() => setDialog('revoke')}>
            <Ban aria-hidden="true" />
            {device.revoked ? 'Agent revoked' : 'Revoke agent'}
          </Button>
          <p className="text-xs text-muted-foreground">
            Disconnects the agent within seconds and refuses it from now on. The device and its history stay.
          </p>
        </div>
        <div className="grid max-w-md gap-1.5">
          <Button variant="destructive-ghost" className="w-fit" onClick={() => setDialog('delete')}>
            <Trash2 aria-hidden="true" />
            Delete device
          </Button>
          <p className="text-xs text-muted-foreground">Revokes the agent and removes the device from every list.</p>
        </div>
      </div>
      <ConfirmDialog
        open={dialog === 'revoke'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Revoke this device’s agent?"
        confirmLabel="Revoke agent"
        description={
          <>
            The agent on <strong className="font-semibold text-foreground">“{device.hostname}”</strong> ({where}) is disconnected
            and can never connect again with its current credential. To manage this computer again, reinstall the agent.
          </>
        }
        onConfirm={async () => {
          await revoke.mutateAsync(device);
          toast({ title: `Agent of “${device.hostname}” revoked` });
        }}
      />
      <ConfirmDialog
        open={dialog === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title="Delete this device?"
        confirmLabel="Delete device"
        description={
          <>
            <strong className="font-semibold text-foreground">“{device.hostname}”</strong> ({where}) is removed from the dashboard
            and its agent is revoked.
          </>
        }
        onConfirm={async () => {
          await remove.mutateAsync(device);
          toast({ title: `Device “${device.hostname}” deleted` });
          void navigate({ to: '/partners/$partnerId/devices', params: { partnerId } });
        }}
      />
    </div>
  );
}
