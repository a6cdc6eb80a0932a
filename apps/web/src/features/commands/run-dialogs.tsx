import { Link } from '@tanstack/react-router';
import { OctagonX, ShieldQuestion } from 'lucide-react';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Dialog, DialogContent, DialogFooter } from '../../ui/dialog';
import { FormDialogContent } from '../../ui/form-dialog';
import { useToast } from '../../ui/toast';
import { ActionFields, useActionForm } from './action-fields';
import type { ActionKind } from './action-fields';
import { haltedMessage, newIdempotencyKey, useCommandSettings, useCreateTask } from './api';
import type { CreateTaskInput, Target, Task } from './api';
import { useOpenTask } from './open-task';
import { initialTarget, resolveTarget, TargetPicker } from './target-picker';
import type { PickedDevice, TargetDraft } from './target-picker';

/*
 * The Run script, Run command, Reboot and Refresh inventory dialogs (AGT9,
 * DEV4). Each opens for the devices it was started from, or for an
 * organization, a site or a saved filter.
 */

interface BaseProps {
  partnerId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The devices the dialog was opened for (device page, selected rows). */
  devices?: PickedDevice[];
  /** Or a starting target (a site or organization page). */
  target?: Target & { organizationId?: string };
}

/** Starts a task, then opens its run (one device) or its task page; a task waiting for approval says so in the dialog. */
function useStartTask(partnerId: string) {
  const create = useCreateTask(partnerId);
  const openTask = useOpenTask(partnerId);
  const { toast } = useToast();
  const [key] = useState(newIdempotencyKey);
  const [pending, setPending] = useState<Task | null>(null);

  async function start(input: CreateTaskInput, describe: string) {
    const task = await create.mutateAsync({ input, idempotencyKey: key });
    if (task.approval === 'pending') {
      setPending(task);
      return;
    }
    toast({
      title: `${describe} started`,
      description: task.target_count === 1 ? 'On 1 device.' : `On ${task.target_count} devices.`,
    });
    await openTask(task);
  }

  return { start, create, pending };
}

/** The dialog's answer when the task waits for a second person (security.md 28). */
function PendingApproval({ partnerId, task, onClose }: { partnerId: string; task: Task; onClose: () => void }) {
  return (
    <DialogContent title="Waiting for approval">
      <Alert tone="warning" title={`“${task.title}” targets ${task.target_count} devices`}>
        That is above this partner’s fan-out limit, so nothing runs until another user with the approve permission approves it.
        Its runs stay queued until then.
      </Alert>
      <DialogFooter>
        <Button onClick={onClose}>Close</Button>
        <Button asChild variant="primary">
          <Link to="/partners/$partnerId/tasks/$taskId" params={{ partnerId, taskId: task.id }} onClick={onClose}>
            <ShieldQuestion aria-hidden="true" />
            Open the task
          </Link>
        </Button>
      </DialogFooter>
    </DialogContent>
  );
}

/** The kill switch is engaged: say so before anyone fills in a form. */
function HaltedAlert({ partnerId }: { partnerId: string }) {
  const settings = useCommandSettings(partnerId);
  if (!settings.data?.halted) return null;
  return (
    <Alert title="Commands are halted">
      The kill switch is engaged{settings.data.halted_reason ? `: “${settings.data.halted_reason}”` : ''}. Nothing can be run
      until it is released under Command settings.
    </Alert>
  );
}

function errorText(error: unknown): string | null {
  if (!error) return null;
  return haltedMessage(error) ?? errorMessage(error);
}

/* ---------- Run script and Run command ---------- */

const RUN_FORMS: Record<ActionKind, { title: string; description: string; idPrefix: string }> = {
  script: {
    title: 'Run script',
    description: 'Parameters reach the script as arguments and environment variables, never as shell text.',
    idPrefix: 'run-script',
  },
  shell: {
    title: 'Run command',
    description:
      'A one-off command, run by the interpreter you choose. It is recorded in the device’s history and the audit log.',
    idPrefix: 'run-command',
  },
};

export function RunScriptDialog(props: BaseProps & { scriptId?: string }) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      {props.open ? <RunForm kind="script" {...props} onDone={() => props.onOpenChange(false)} /> : null}
    </Dialog>
  );
}

export function RunCommandDialog(props: BaseProps & { platform?: string }) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      {props.open ? <RunForm kind="shell" {...props} onDone={() => props.onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function RunForm({
  kind,
  partnerId,
  scriptId,
  platform,
  devices,
  target,
  onDone,
}: BaseProps & { kind: ActionKind; scriptId?: string; platform?: string; onDone: () => void }) {
  const { start, create, pending } = useStartTask(partnerId);
  const form = useActionForm(partnerId, kind, {
    scriptId: scriptId ?? '',
    interpreter: platform === 'win32' ? 'powershell' : 'bash',
  });
  const [draft, setDraft] = useState<TargetDraft>(() => initialTarget(devices, target));
  const [checked, setChecked] = useState(false);
  const resolved = resolveTarget(draft);
  const copy = RUN_FORMS[kind];

  if (pending) return <PendingApproval partnerId={partnerId} task={pending} onClose={onDone} />;

  function submit() {
    setChecked(true);
    if (!form.isValid() || !('target' in resolved)) return;
    const describe = kind === 'script' && form.loaded ? `“${form.loaded.name}”` : 'The command';
    void start({ ...form.payload(), target: resolved.target }, describe).catch(() => undefined);
  }

  return (
    <FormDialogContent
      title={copy.title}
      description={copy.description}
      submitLabel={copy.title}
      pending={create.isPending}
      formError={errorText(create.error)}
      className="max-w-2xl"
      onSubmit={submit}
      onCancel={onDone}
    >
      <HaltedAlert partnerId={partnerId} />
      <ActionFields
        kind={kind}
        idPrefix={copy.idPrefix}
        partnerId={partnerId}
        form={form}
        checked={checked}
        commandAutoFocus
        commandPlaceholder
      />
      <TargetPicker
        partnerId={partnerId}
        value={draft}
        onChange={setDraft}
        error={checked && 'error' in resolved ? resolved.error : null}
      />
    </FormDialogContent>
  );
}

/* ---------- Reboot and Refresh inventory ---------- */

const QUICK: Record<'reboot' | 'inventory_refresh', { title: string; label: string; what: (n: ReactNode) => ReactNode }> = {
  reboot: {
    title: 'Reboot',
    label: 'Reboot',
    what: (n) => (
      <>
        {n} restart now. Anyone signed in loses unsaved work; offline devices reboot when they reconnect (unless the task expires
        first).
      </>
    ),
  },
  inventory_refresh: {
    title: 'Refresh inventory',
    label: 'Refresh inventory',
    what: (n) => <>{n} send their hardware, software and status inventory now.</>,
  },
};

export function QuickActionDialog({
  kind,
  ...props
}: BaseProps & {
  kind: 'reboot' | 'inventory_refresh';
}) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      {props.open ? <QuickActionForm kind={kind} {...props} onDone={() => props.onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function QuickActionForm({
  partnerId,
  devices = [],
  kind,
  onDone,
}: BaseProps & { kind: 'reboot' | 'inventory_refresh'; onDone: () => void }) {
  const { start, create, pending } = useStartTask(partnerId);
  const quick = QUICK[kind];
  if (pending) return <PendingApproval partnerId={partnerId} task={pending} onClose={onDone} />;
  const names = devices.slice(0, 10).map((d) => d.hostname);
  const subject = (
    <>
      {devices.length === 1 ? (
        <strong className="font-semibold text-foreground">“{devices[0]?.hostname}”</strong>
      ) : (
        <>
          <strong className="font-semibold text-foreground">{devices.length} devices</strong> ({names.join(', ')}
          {devices.length > 10 ? ` and ${devices.length - 10} more` : ''})
        </>
      )}
    </>
  );
  return (
    <DialogContent
      title={`${quick.title} ${devices.length === 1 ? 'this device' : `${devices.length} devices`}?`}
      description={quick.what(subject)}
      hideClose={create.isPending}
    >
      <HaltedAlert partnerId={partnerId} />
      {create.error ? (
        <Alert>
          <span className="flex items-start gap-1.5">
            <OctagonX className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
            {errorText(create.error)}
          </span>
        </Alert>
      ) : null}
      <DialogFooter>
        <Button onClick={onDone} disabled={create.isPending}>
          Cancel
        </Button>
        <Button
          variant={kind === 'reboot' ? 'destructive' : 'primary'}
          loading={create.isPending}
          onClick={() =>
            void start({ kind, target: { type: 'devices', ids: devices.map((d) => d.id) } }, quick.title).catch(() => undefined)
          }
        >
          {quick.label}
        </Button>
      </DialogFooter>
    </DialogContent>
  );
}
