import { useId, useState } from 'react';
import { Button } from '../../ui/button';
import { Dialog, DialogContent, DialogFooter } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent, formErrors } from '../../ui/form-dialog';
import { Input } from '../../ui/input';
import { Skeleton } from '../../ui/skeleton';
import { useToast } from '../../ui/toast';
import { useAgentSettings, useUpdateAgentSettings } from './api';
import type { AgentSettings } from './api';

export const HEARTBEAT_RANGE = { min: 5, max: 3600 } as const;
export const INVENTORY_RANGE = { min: 1, max: 1440 } as const;

/** A whole number in range, or the reason it is not. */
export function checkInterval(text: string, range: { min: number; max: number }, unit: string): string | null {
  if (!/^\d+$/.test(text.trim())) return `Enter a whole number of ${unit}.`;
  const n = Number(text);
  if (n < range.min || n > range.max) return `Between ${range.min} and ${range.max} ${unit}.`;
  return null;
}

/** The partner's defaults for every agent without its own override (GW6). */
export function AgentSettingsDialog({
  partnerId,
  open,
  onOpenChange,
  canManage,
}: {
  partnerId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  canManage: boolean;
}) {
  const settings = useAgentSettings(partnerId, open);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? (
        settings.data && canManage ? (
          <AgentSettingsForm
            key={settings.data.version}
            partnerId={partnerId}
            settings={settings.data}
            onDone={() => onOpenChange(false)}
            onReload={() => void settings.refetch()}
            reloading={settings.isFetching}
          />
        ) : (
          <DialogContent
            title="Agent settings"
            description="How often every agent of this partner reports, unless a device has its own setting."
          >
            {settings.data ? (
              <dl className="grid grid-cols-2 gap-3 text-[13px]">
                <div>
                  <dt className="text-xs text-muted-foreground">Heartbeat</dt>
                  <dd>every {settings.data.heartbeat_seconds} seconds</dd>
                </div>
                <div>
                  <dt className="text-xs text-muted-foreground">Inventory and status</dt>
                  <dd>every {settings.data.inventory_minutes} minutes</dd>
                </div>
              </dl>
            ) : settings.isError ? (
              <p className="text-[13px] text-destructive-text">Could not load the agent settings.</p>
            ) : (
              <Skeleton className="h-10 w-full" />
            )}
            <p className="text-xs text-muted-foreground">Only users who may manage devices can change these.</p>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Close</Button>
            </DialogFooter>
          </DialogContent>
        )
      ) : null}
    </Dialog>
  );
}

function AgentSettingsForm({
  partnerId,
  settings,
  onDone,
  onReload,
  reloading,
}: {
  partnerId: string;
  settings: AgentSettings;
  onDone: () => void;
  onReload: () => void;
  reloading: boolean;
}) {
  const id = useId();
  const update = useUpdateAgentSettings(partnerId);
  const { toast } = useToast();
  const [heartbeat, setHeartbeat] = useState(String(settings.heartbeat_seconds));
  const [inventory, setInventory] = useState(String(settings.inventory_minutes));
  const [checked, setChecked] = useState(false);
  const heartbeatError = checkInterval(heartbeat, HEARTBEAT_RANGE, 'seconds');
  const inventoryError = checkInterval(inventory, INVENTORY_RANGE, 'minutes');
  const errors = formErrors(update.error, ['heartbeat_seconds', 'inventory_minutes'], true);

  function submit() {
    setChecked(true);
    if (heartbeatError || inventoryError) return;
    update.mutate(
      { heartbeat_seconds: Number(heartbeat), inventory_minutes: Number(inventory), version: settings.version },
      {
        onSuccess: () => {
          toast({ title: 'Agent settings saved', description: 'Connected agents use them at once.' });
          onDone();
        },
      },
    );
  }

  return (
    <FormDialogContent
      title="Agent settings"
      description="Defaults for every agent of this partner. A device can override them on its own page; connected agents pick up changes at once."
      submitLabel="Save"
      pending={update.isPending}
      formError={errors.formError}
      conflict={errors.conflict ? { thing: 'setting', onReload, reloading } : null}
      onSubmit={submit}
      onCancel={onDone}
    >
      <Field
        id={`${id}-heartbeat`}
        label="Heartbeat (seconds)"
        hint={`How often agents say they are alive. ${HEARTBEAT_RANGE.min}–${HEARTBEAT_RANGE.max}; a device counts as offline after two missed heartbeats.`}
        error={errors.fieldErrors.heartbeat_seconds ?? (checked ? heartbeatError : null)}
      >
        {(control) => <Input {...control} inputMode="numeric" value={heartbeat} onChange={(e) => setHeartbeat(e.target.value)} />}
      </Field>
      <Field
        id={`${id}-inventory`}
        label="Inventory and status (minutes)"
        hint={`How often agents send CPU, memory, disk, users and temperatures. ${INVENTORY_RANGE.min}–${INVENTORY_RANGE.max}.`}
        error={errors.fieldErrors.inventory_minutes ?? (checked ? inventoryError : null)}
      >
        {(control) => <Input {...control} inputMode="numeric" value={inventory} onChange={(e) => setInventory(e.target.value)} />}
      </Field>
    </FormDialogContent>
  );
}
