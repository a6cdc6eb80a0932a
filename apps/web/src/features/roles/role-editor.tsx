import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { RotateCw } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { Field } from '../../ui/field';
import { formErrors } from '../../ui/form-dialog';
import { plural } from '../../ui/format';
import { Input, Textarea } from '../../ui/input';
import { useToast } from '../../ui/toast';
import { roleQueryOptions, useCreateRole, useUpdateRole } from './api';
import type { PermissionGroup, Role } from './api';
import { PermissionPicker } from './permission-picker';

export interface RoleEditorProps {
  partnerId: string;
  groups: PermissionGroup[];
  held: ReadonlySet<string>;
  /** Edit this custom role; create a new one when absent. */
  role?: Role;
  initial: { name: string; description: string; permissions: string[] };
  /** Shown above the permissions (e.g. what a duplicate left out). */
  notice?: ReactNode;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Name, description and permissions of a custom role; Save goes back to the list. */
export function RoleEditor({ partnerId, groups, held, role, initial, notice }: RoleEditorProps) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const create = useCreateRole(partnerId);
  const update = useUpdateRole(partnerId);
  const mutation = role ? update : create;

  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(initial.permissions));
  const [saved, setSaved] = useState<Set<string>>(() => new Set(initial.permissions));
  const [version, setVersion] = useState(role?.version ?? 0);
  const [nameError, setNameError] = useState<string | null>(null);
  const [reloading, setReloading] = useState(false);

  const errors = formErrors(mutation.error, ['name', 'description', 'permissions'], Boolean(role));
  const catalogNames = useMemo(() => new Set(groups.flatMap((g) => g.permissions.map((p) => p.name))), [groups]);
  // The server refuses a permission list holding one the editor does not hold, even unchanged.
  const notHeld = [...selected].filter((p) => catalogNames.has(p) && !held.has(p));
  const permissionsLocked = Boolean(role) && notHeld.length > 0;
  const permissionsChanged = !sameSet(selected, saved);

  function goToList() {
    void navigate({ to: '/partners/$partnerId/roles', params: { partnerId } });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (mutation.isPending) return;
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Name must not be empty.');
      return;
    }
    setNameError(null);
    const permissions = [...selected].sort();
    if (role) {
      update.mutate(
        {
          id: role.id,
          version,
          name: trimmed,
          description: description.trim(),
          ...(permissionsChanged ? { permissions } : {}),
        },
        {
          onSuccess: (savedRole) => {
            toast({ title: `Role “${savedRole.name}” saved` });
            goToList();
          },
        },
      );
    } else {
      create.mutate(
        { name: trimmed, description: description.trim(), permissions },
        {
          onSuccess: (created) => {
            toast({ title: `Role “${created.name}” created` });
            goToList();
          },
        },
      );
    }
  }

  async function reload() {
    if (!role) return;
    setReloading(true);
    try {
      const latest = await queryClient.fetchQuery({ ...roleQueryOptions(partnerId, role.id), staleTime: 0 });
      setName(latest.name);
      setDescription(latest.description);
      setSelected(new Set(latest.permissions));
      setSaved(new Set(latest.permissions));
      setVersion(latest.version);
      update.reset();
    } catch (error) {
      toast({ tone: 'error', title: 'Could not reload the role', description: errorMessage(error) });
    } finally {
      setReloading(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="grid gap-5">
      <Card aria-labelledby="role-details-heading">
        <CardHeader>
          <CardTitle id="role-details-heading">Details</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 py-4 md:grid-cols-[minmax(0,20rem)_minmax(0,1fr)]">
          <Field id="role-name" label="Name" error={nameError ?? errors.fieldErrors.name}>
            {(control) => (
              <Input
                {...control}
                autoFocus={!role}
                autoComplete="off"
                value={name}
                maxLength={100}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. Helpdesk"
              />
            )}
          </Field>
          <Field id="role-description" label="Description" optional error={errors.fieldErrors.description}>
            {(control) => (
              <Textarea
                {...control}
                rows={2}
                className="min-h-8"
                value={description}
                maxLength={500}
                onChange={(e) => setDescription(e.target.value)}
                placeholder="Who should hold this role, and why"
              />
            )}
          </Field>
        </CardContent>
      </Card>

      <Card aria-labelledby="role-permissions-heading">
        <CardHeader>
          <CardTitle id="role-permissions-heading">Permissions</CardTitle>
          <span className="text-xs text-muted-foreground tabular-nums" role="status">
            {plural(selected.size, 'permission', 'permissions')} selected
          </span>
        </CardHeader>
        {notice || permissionsLocked || errors.fieldErrors.permissions ? (
          <div className="grid gap-2 border-b border-border px-4 py-3">
            {notice}
            {permissionsLocked ? (
              <Alert tone="info" title="Permissions are locked">
                This role has {plural(notHeld.length, 'permission', 'permissions')} you do not hold ({notHeld.join(', ')}). You
                can rename it, but only someone who holds them can change its permissions.
              </Alert>
            ) : null}
            {errors.fieldErrors.permissions ? <Alert>{errors.fieldErrors.permissions}</Alert> : null}
          </div>
        ) : null}
        <PermissionPicker groups={groups} selected={selected} held={held} readOnly={permissionsLocked} onChange={setSelected} />
      </Card>

      <div className="sticky bottom-0 z-10 grid gap-3 border-t border-border bg-background/95 py-3 backdrop-blur">
        {errors.conflict ? (
          <Alert
            tone="warning"
            title="Changed by someone else"
            action={
              <Button size="sm" onClick={() => void reload()} loading={reloading}>
                {reloading ? null : <RotateCw aria-hidden="true" />}
                Reload
              </Button>
            }
          >
            This role was changed by someone else after you opened it. Reload to get the latest version, then make your change
            again.
          </Alert>
        ) : errors.formError ? (
          <Alert>{errors.formError}</Alert>
        ) : null}
        <div className="flex items-center justify-end gap-2">
          <Button onClick={goToList} disabled={mutation.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={mutation.isPending}>
            {role ? 'Save changes' : 'Create role'}
          </Button>
        </div>
      </div>
    </form>
  );
}
