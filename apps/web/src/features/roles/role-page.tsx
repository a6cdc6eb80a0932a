import { Link, getRouteApi, useNavigate } from '@tanstack/react-router';
import { ArrowLeft, CopyPlus, Trash2 } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Button } from '../../ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../ui/card';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DescriptionList } from '../../ui/description-list';
import { plural } from '../../ui/format';
import { LoadErrorState } from '../../ui/load-error-state';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Time } from '../../ui/time';
import { useToast } from '../../ui/toast';
import { useCan, useSession } from '../auth/session-context';
import { usePartnerSummary } from '../partners/use-partner-name';
import { groupCatalog, useDeleteRole, usePermissionCatalog, useRole } from './api';
import type { CatalogPermission, Role } from './api';
import { DeleteRoleText } from './delete-role-text';
import { PermissionPicker } from './permission-picker';
import { RoleEditor } from './role-editor';
import { SystemBadge } from './roles-page';

const roleRoute = getRouteApi('/_app/partners/$partnerId/roles/$roleId');
const newRoleRoute = getRouteApi('/_app/partners/$partnerId/roles/new');

/** Permissions the signed-in user holds (what the server lets them put in a role). */
function useHeldPermissions(): ReadonlySet<string> {
  const session = useSession();
  return useMemo(() => new Set(session.permissions), [session.permissions]);
}

function BackToRoles({ partnerId }: { partnerId: string }) {
  return (
    <Button asChild>
      <Link to="/partners/$partnerId/roles" params={{ partnerId }}>
        <ArrowLeft aria-hidden="true" />
        All roles
      </Link>
    </Button>
  );
}

function EditorSkeleton() {
  return (
    <div className="grid gap-5" aria-busy="true">
      <p className="sr-only" role="status">
        Loading role…
      </p>
      <div className="grid gap-2">
        <Skeleton className="h-6 w-48" />
        <Skeleton className="h-4 w-80" />
      </div>
      <Card>
        <CardContent className="grid gap-3 py-4">
          <Skeleton className="h-3.5 w-16" />
          <Skeleton className="h-8 w-80" />
        </CardContent>
      </Card>
      <Card>
        <CardContent className="grid gap-3 py-4">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-8 w-full max-w-xl" />
          ))}
        </CardContent>
      </Card>
    </div>
  );
}

/** One role: the editor for a custom role, a read-only view of a system role (or for users who cannot manage roles). */
export function RolePage() {
  const { partnerId, roleId } = roleRoute.useParams();
  const navigate = useNavigate();
  const query = useRole(partnerId, roleId);
  const catalog = usePermissionCatalog();
  const partner = usePartnerSummary(partnerId);
  const held = useHeldPermissions();
  const canManage = useCan('roles.manage');
  const deleteRole = useDeleteRole(partnerId);
  const { toast } = useToast();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const role = query.data;
  useDocumentTitle(role?.name ?? 'Role', partner.name);
  const groups = useMemo(() => groupCatalog(catalog.data ?? []), [catalog.data]);

  if (query.isError || catalog.isError) {
    const failed = query.isError ? query : catalog;
    return (
      <LoadErrorState
        error={failed.error}
        thing={query.isError ? 'role' : 'permission catalog'}
        onRetry={() => void failed.refetch()}
        back={<BackToRoles partnerId={partnerId} />}
      />
    );
  }
  if (!role || !catalog.data) return <EditorSkeleton />;

  const editable = canManage && !role.is_system;

  return (
    <div className="grid gap-5">
      <PageHeader
        title={role.name}
        badge={role.is_system ? <SystemBadge /> : null}
        description={
          role.is_system
            ? 'A built-in role: it is the same for every partner and cannot be changed. Duplicate it to make a custom role you can edit.'
            : editable
              ? 'A custom role of this partner. Users who hold it get exactly these permissions.'
              : 'A custom role of this partner. Only users who may manage roles can change it.'
        }
        actions={
          <>
            {canManage ? (
              <Button variant={role.is_system ? 'primary' : 'secondary'} asChild>
                <Link to="/partners/$partnerId/roles/new" params={{ partnerId }} search={{ from: role.id }}>
                  <CopyPlus aria-hidden="true" />
                  Duplicate as custom role
                </Link>
              </Button>
            ) : null}
            {editable ? (
              <Button variant="destructive-ghost" onClick={() => setConfirmDelete(true)}>
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            ) : null}
          </>
        }
      />

      {editable ? (
        <RoleEditor
          key={role.id}
          partnerId={partnerId}
          groups={groups}
          held={held}
          role={role}
          initial={{ name: role.name, description: role.description, permissions: role.permissions }}
        />
      ) : (
        <RoleView role={role} groups={groups} />
      )}

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title="Delete role?"
        description={<DeleteRoleText role={role} />}
        onConfirm={async () => {
          await deleteRole.mutateAsync(role);
          toast({ title: `Role “${role.name}” deleted` });
          void navigate({ to: '/partners/$partnerId/roles', params: { partnerId }, replace: true });
        }}
      />
    </div>
  );
}

function RoleView({ role, groups }: { role: Role; groups: ReturnType<typeof groupCatalog> }) {
  const selected = useMemo(() => new Set(role.permissions), [role.permissions]);
  const shown = groups.reduce((n, g) => n + g.permissions.filter((p) => selected.has(p.name)).length, 0);
  const platformOnly = role.permissions.length - shown;
  return (
    <>
      <Card aria-labelledby="role-details-heading">
        <CardHeader>
          <CardTitle id="role-details-heading">Details</CardTitle>
        </CardHeader>
        <CardContent className="py-4">
          <DescriptionList
            items={[
              {
                label: 'Description',
                wide: true,
                value: role.description ? (
                  <p className="whitespace-pre-wrap">{role.description}</p>
                ) : (
                  <span className="text-muted-foreground">No description</span>
                ),
              },
              { label: 'Assignments', value: plural(role.assignment_count, 'assignment', 'assignments') },
              ...(role.is_system ? [] : [{ label: 'Updated', value: <Time value={role.updated_at} mode="datetime" /> }]),
            ]}
          />
        </CardContent>
      </Card>
      <Card aria-labelledby="role-permissions-heading">
        <CardHeader>
          <CardTitle id="role-permissions-heading">Permissions</CardTitle>
          <span className="text-xs text-muted-foreground tabular-nums">{plural(shown, 'permission', 'permissions')} granted</span>
        </CardHeader>
        <PermissionPicker groups={groups} selected={selected} held={selected} readOnly />
        {platformOnly > 0 ? (
          <p className="border-t border-border px-4 py-2.5 text-xs text-muted-foreground">
            Also {plural(platformOnly, 'platform permission', 'platform permissions')}, which count only for platform staff and
            are not listed here.
          </p>
        ) : null}
      </Card>
    </>
  );
}

/** What a copy of `source` can keep: partner permissions the user holds. */
function duplicateOf(source: Role, catalog: CatalogPermission[], held: ReadonlySet<string>) {
  const scope = new Map(catalog.map((p) => [p.name, p.scope]));
  const kept: string[] = [];
  const notHeld: string[] = [];
  let platformOnly = 0;
  for (const p of source.permissions) {
    if (scope.get(p) !== 'partner') platformOnly += 1;
    else if (!held.has(p)) notHeld.push(p);
    else kept.push(p);
  }
  return { kept, notHeld, platformOnly };
}

/** /roles/new, optionally `?from=<roleId>` to start from a copy of another role. */
export function NewRolePage() {
  const { partnerId } = newRoleRoute.useParams();
  const { from } = newRoleRoute.useSearch();
  const catalog = usePermissionCatalog();
  const source = useRole(partnerId, from ?? '', Boolean(from));
  const partner = usePartnerSummary(partnerId);
  const held = useHeldPermissions();
  const canManage = useCan('roles.manage');
  useDocumentTitle('New role', partner.name);
  const groups = useMemo(() => groupCatalog(catalog.data ?? []), [catalog.data]);

  if (!canManage) {
    return (
      <Alert tone="warning" title="You cannot create roles" action={<BackToRoles partnerId={partnerId} />}>
        Creating roles needs the “Create, edit and delete custom roles” permission. Ask an administrator of this partner.
      </Alert>
    );
  }
  if (catalog.isError || source.isError) {
    const failed = catalog.isError ? catalog : source;
    return (
      <LoadErrorState
        error={failed.error}
        thing={catalog.isError ? 'permission catalog' : 'role to duplicate'}
        onRetry={() => void failed.refetch()}
        back={<BackToRoles partnerId={partnerId} />}
      />
    );
  }
  if (!catalog.data || (from && !source.data)) return <EditorSkeleton />;

  let initial = { name: '', description: '', permissions: [] as string[] };
  let notice: ReactNode = null;
  if (source.data) {
    const copy = duplicateOf(source.data, catalog.data, held);
    initial = { name: `${source.data.name} (copy)`, description: source.data.description, permissions: copy.kept };
    const left: string[] = [];
    if (copy.notHeld.length)
      left.push(`${plural(copy.notHeld.length, 'permission', 'permissions')} you do not hold (${copy.notHeld.join(', ')})`);
    if (copy.platformOnly) left.push(`${plural(copy.platformOnly, 'platform permission', 'platform permissions')}`);
    notice = (
      <Alert tone="info" title={`Starting from “${source.data.name}”`}>
        {plural(copy.kept.length, 'permission was', 'permissions were')} copied.
        {left.length ? ` Left out: ${left.join(' and ')}, which a custom role cannot get from you.` : ''}
      </Alert>
    );
  }

  return (
    <div className="grid gap-5">
      <PageHeader
        title="New role"
        description="A custom role of this partner: give it a name and exactly the permissions its users need."
      />
      <RoleEditor key={from ?? 'blank'} partnerId={partnerId} groups={groups} held={held} initial={initial} notice={notice} />
    </div>
  );
}
