import { Link, useNavigate } from '@tanstack/react-router';
import { OctagonX, ShieldQuestion } from 'lucide-react';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Dialog, DialogContent, DialogFooter } from '../../ui/dialog';
import { Field } from '../../ui/field';
import { FormDialogContent } from '../../ui/form-dialog';
import { Input, Textarea } from '../../ui/input';
import { Select } from '../../ui/select';
import { useToast } from '../../ui/toast';
import { LANGUAGE_LABELS, useScript, useScriptChoices } from '../scripts/api';
import { checkParameterValues, initialParameterValues, ParameterInputs, parameterPayload } from '../scripts/parameter-inputs';
import type { ParameterValues } from '../scripts/parameter-inputs';
import { firstRunOf, haltedMessage, INTERPRETER_LABELS, newIdempotencyKey, useCommandSettings, useCreateTask } from './api';
import type { CreateTaskInput, Interpreter, RunAs, Target, Task } from './api';
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
  const navigate = useNavigate();
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
    if (task.target_count === 1) {
      // One device: its run, where the output streams in.
      const run = await firstRunOf(partnerId, task.id);
      if (run) {
        void navigate({ to: '/partners/$partnerId/runs/$runId', params: { partnerId, runId: run.id } });
        return true;
      }
    }
    void navigate({ to: '/partners/$partnerId/tasks/$taskId', params: { partnerId, taskId: task.id } });
    return true;
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

function parseTimeout(text: string): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 86_400 ? n : null;
}

/* ---------- Run script ---------- */

export function RunScriptDialog(props: BaseProps & { scriptId?: string }) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      {props.open ? <RunScriptForm {...props} onDone={() => props.onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function RunScriptForm({
  partnerId,
  scriptId: initialScriptId,
  devices,
  target,
  onDone,
}: BaseProps & { scriptId?: string; onDone: () => void }) {
  const { start, create, pending } = useStartTask(partnerId);
  const scripts = useScriptChoices(partnerId);
  const [scriptId, setScriptId] = useState(initialScriptId ?? '');
  const script = useScript(partnerId, scriptId, Boolean(scriptId));
  const [draft, setDraft] = useState<TargetDraft>(() => initialTarget(devices, target));
  const [checked, setChecked] = useState(false);
  const [values, setValues] = useState<ParameterValues>({});
  const [timeout, setTimeoutText] = useState('300');
  const [runAs, setRunAs] = useState<RunAs>('system');
  const [filledFor, setFilledFor] = useState<string | null>(null);

  // A newly chosen script fills the form with its defaults.
  const loaded = script.data && script.data.id === scriptId ? script.data : undefined;
  if (loaded && filledFor !== loaded.id) {
    setFilledFor(loaded.id);
    setValues(initialParameterValues(loaded.parameters));
    setTimeoutText(String(loaded.default_timeout_seconds));
    setRunAs(loaded.run_as);
  }

  if (pending) return <PendingApproval partnerId={partnerId} task={pending} onClose={onDone} />;

  const parameters = loaded?.parameters ?? [];
  const parameterErrors = checkParameterValues(parameters, values);
  const timeoutValue = parseTimeout(timeout);
  const resolved = resolveTarget(draft);

  function submit() {
    setChecked(true);
    if (!loaded || filledFor !== loaded.id) return;
    if (Object.keys(parameterErrors).length > 0 || timeoutValue === null || !('target' in resolved)) return;
    void start(
      {
        kind: 'script',
        script_id: loaded.id,
        parameters: parameterPayload(parameters, values),
        timeout_seconds: timeoutValue,
        run_as: runAs,
        target: resolved.target,
      },
      `“${loaded.name}”`,
    ).catch(() => undefined);
  }

  return (
    <FormDialogContent
      title="Run script"
      description="Parameters reach the script as arguments and environment variables, never as shell text."
      submitLabel="Run script"
      pending={create.isPending}
      formError={errorText(create.error)}
      className="max-w-2xl"
      onSubmit={submit}
      onCancel={onDone}
    >
      <HaltedAlert partnerId={partnerId} />
      <Field
        id="run-script-script"
        label="Script"
        hint={loaded?.description || undefined}
        error={checked && !scriptId ? 'Choose a script.' : null}
      >
        {(control) => (
          <Select {...control} value={scriptId} onChange={(e) => setScriptId(e.target.value)}>
            <option value="">{scripts.isPending ? 'Loading scripts…' : 'Choose a script…'}</option>
            {scriptId && !(scripts.data ?? []).some((s) => s.id === scriptId) && loaded ? (
              <option value={loaded.id}>{loaded.name}</option>
            ) : null}
            {(scripts.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({LANGUAGE_LABELS[s.language] ?? s.language}){s.owner === 'platform' ? ' · Platform' : ''}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {scriptId && !loaded ? (
        script.isError ? (
          <Alert>Could not load the script: {errorMessage(script.error)}</Alert>
        ) : (
          <p className="text-[13px] text-muted-foreground" role="status">
            Loading the script…
          </p>
        )
      ) : null}
      {loaded ? (
        <>
          <ParameterInputs
            idPrefix="run-script"
            parameters={parameters}
            values={values}
            onChange={setValues}
            errors={checked ? parameterErrors : {}}
          />
          <div className="grid gap-3 sm:grid-cols-2">
            <Field
              id="run-script-timeout"
              label="Timeout (seconds)"
              error={checked && timeoutValue === null ? 'Between 1 and 86,400 seconds.' : null}
            >
              {(control) => (
                <Input {...control} inputMode="numeric" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} />
              )}
            </Field>
            <Field id="run-script-run-as" label="Run as">
              {(control) => (
                <Select {...control} value={runAs} onChange={(e) => setRunAs(e.target.value as RunAs)}>
                  <option value="system">System (root / SYSTEM)</option>
                  <option value="user">Logged-in user</option>
                </Select>
              )}
            </Field>
          </div>
        </>
      ) : null}
      <TargetPicker
        partnerId={partnerId}
        value={draft}
        onChange={setDraft}
        error={checked && 'error' in resolved ? resolved.error : null}
      />
    </FormDialogContent>
  );
}

/* ---------- Run command ---------- */

export function RunCommandDialog(props: BaseProps & { platform?: string }) {
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange}>
      {props.open ? <RunCommandForm {...props} onDone={() => props.onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function RunCommandForm({ partnerId, devices, target, platform, onDone }: BaseProps & { platform?: string; onDone: () => void }) {
  const { start, create, pending } = useStartTask(partnerId);
  const [interpreter, setInterpreter] = useState<Interpreter>(platform === 'win32' ? 'powershell' : 'bash');
  const [command, setCommand] = useState('');
  const [timeout, setTimeoutText] = useState('300');
  const [runAs, setRunAs] = useState<RunAs>('system');
  const [draft, setDraft] = useState<TargetDraft>(() => initialTarget(devices, target));
  const [checked, setChecked] = useState(false);
  const timeoutValue = parseTimeout(timeout);
  const resolved = resolveTarget(draft);

  if (pending) return <PendingApproval partnerId={partnerId} task={pending} onClose={onDone} />;

  function submit() {
    setChecked(true);
    if (!command.trim() || timeoutValue === null || !('target' in resolved)) return;
    void start(
      { kind: 'shell', command, interpreter, timeout_seconds: timeoutValue, run_as: runAs, target: resolved.target },
      'The command',
    ).catch(() => undefined);
  }

  return (
    <FormDialogContent
      title="Run command"
      description="A one-off command, run by the interpreter you choose. It is recorded in the device’s history and the audit log."
      submitLabel="Run command"
      pending={create.isPending}
      formError={errorText(create.error)}
      className="max-w-2xl"
      onSubmit={submit}
      onCancel={onDone}
    >
      <HaltedAlert partnerId={partnerId} />
      <Field id="run-command-interpreter" label="Interpreter">
        {(control) => (
          <Select {...control} value={interpreter} onChange={(e) => setInterpreter(e.target.value as Interpreter)}>
            {(Object.keys(INTERPRETER_LABELS) as Interpreter[]).map((i) => (
              <option key={i} value={i}>
                {INTERPRETER_LABELS[i]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field id="run-command-command" label="Command" error={checked && !command.trim() ? 'Enter a command.' : null}>
        {(control) => (
          <Textarea
            {...control}
            autoFocus
            rows={5}
            spellCheck={false}
            className="font-mono text-xs"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            placeholder={interpreter === 'powershell' ? 'Get-Service | Where-Object Status -eq Running' : 'df -h && uptime'}
          />
        )}
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id="run-command-timeout"
          label="Timeout (seconds)"
          error={checked && timeoutValue === null ? 'Between 1 and 86,400 seconds.' : null}
        >
          {(control) => (
            <Input {...control} inputMode="numeric" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} />
          )}
        </Field>
        <Field id="run-command-run-as" label="Run as">
          {(control) => (
            <Select {...control} value={runAs} onChange={(e) => setRunAs(e.target.value as RunAs)}>
              <option value="system">System (root / SYSTEM)</option>
              <option value="user">Logged-in user</option>
            </Select>
          )}
        </Field>
      </div>
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
