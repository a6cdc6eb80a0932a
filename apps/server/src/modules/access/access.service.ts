import { audit, type Actor } from '../../platform/audit/audit.js';
import { canDelegate, type Principal, type Scope } from '../../platform/auth/principal.js';
import type { PermissionCatalog } from '../../platform/auth/permissions.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import { assignmentsRepo, lookups, rolesRepo } from './access.repository.js';
import type { AssignmentQuery, AssignmentRow, CreateAssignment, CreateRole, RoleRow, UpdateRole } from './access.schemas.js';

/**
 * Roles (IAM4) and where users hold them (IAM5). Nobody hands out a permission
 * they do not hold, or at a scope they do not cover (security.md 6).
 */
export class AccessService {
  constructor(
    private readonly db: Database,
    private readonly catalog: PermissionCatalog,
  ) {}

  listPermissions() {
    return [...this.catalog].map(([name, info]) => ({
      name,
      module: info.module,
      description: info.description,
      scope: info.scope,
    }));
  }

  // Roles ------------------------------------------------------------------

  listRoles(partnerId: string): Promise<RoleRow[]> {
    return this.db.withTenant(partnerId, (tx) => rolesRepo.list(tx));
  }

  async getRole(partnerId: string, roleId: string): Promise<RoleRow> {
    const role = await this.db.withTenant(partnerId, (tx) => this.visibleRole(tx, partnerId, roleId));
    return role;
  }

  createRole(partnerId: string, input: CreateRole, principal: Principal, actor: Actor): Promise<RoleRow> {
    this.assertGrantable(input.permissions, principal, { type: 'partner', partnerId });
    return this.db.withTenant(partnerId, async (tx) => {
      const id = await uniqueRoleName(() =>
        rolesRepo.insert(tx, partnerId, { name: input.name.trim(), description: input.description ?? '' }),
      );
      await rolesRepo.setPermissions(tx, partnerId, id, input.permissions);
      const role = (await rolesRepo.get(tx, id))!;
      await audit(tx, partnerId, actor, { action: 'role.create', targetType: 'role', targetId: id, after: role });
      return role;
    });
  }

  updateRole(partnerId: string, roleId: string, input: UpdateRole, principal: Principal, actor: Actor): Promise<RoleRow> {
    if (input.permissions) this.assertGrantable(input.permissions, principal, { type: 'partner', partnerId });
    return this.db.withTenant(partnerId, async (tx) => {
      const before = await this.visibleRole(tx, partnerId, roleId);
      if (before.is_system) throw new AppError('has_children', 'system roles cannot be changed; create a custom role instead');
      const values = {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      };
      if (!(await uniqueRoleName(() => rolesRepo.update(tx, roleId, input.version, values)))) throw staleVersion('role');
      if (input.permissions) await rolesRepo.setPermissions(tx, partnerId, roleId, input.permissions);
      const after = (await rolesRepo.get(tx, roleId))!;
      await audit(tx, partnerId, actor, { action: 'role.update', targetType: 'role', targetId: roleId, before, after });
      return after;
    });
  }

  deleteRole(partnerId: string, roleId: string, actor: Actor): Promise<void> {
    return this.db.withTenant(partnerId, async (tx) => {
      const role = await this.visibleRole(tx, partnerId, roleId);
      if (role.is_system) throw new AppError('has_children', 'system roles cannot be deleted');
      if (role.assignment_count > 0) {
        throw new AppError(
          'has_children',
          `role "${role.name}" is still assigned ${role.assignment_count} time(s); remove those assignments first`,
        );
      }
      await rolesRepo.softDelete(tx, roleId);
      await audit(tx, partnerId, actor, { action: 'role.delete', targetType: 'role', targetId: roleId, before: role });
    });
  }

  // Assignments ------------------------------------------------------------

  listAssignments(partnerId: string | null, q: AssignmentQuery): Promise<AssignmentRow[]> {
    return this.inScope(partnerId, (tx) => assignmentsRepo.list(tx, partnerId, q));
  }

  createAssignment(partnerId: string, input: CreateAssignment, principal: Principal, actor: Actor): Promise<AssignmentRow> {
    return this.db.withTenant(partnerId, (tx) => this.createAssignmentIn(tx, partnerId, input, principal, actor));
  }

  /** The same, in the caller's transaction (an invitation writes the user and their role together). */
  async createAssignmentIn(
    tx: Tx,
    partnerId: string,
    input: CreateAssignment,
    principal: Principal,
    actor: Actor,
  ): Promise<AssignmentRow> {
    const user = await lookups.user(tx, input.user_id);
    if (!user || user.tenant_id !== partnerId)
      throw new AppError('validation_failed', 'user_id is not a user of this partner', { field: 'user_id' });
    const role = await this.visibleRole(tx, partnerId, input.role_id, 'role_id');
    const scope = await this.scopeOf(tx, partnerId, input);
    this.assertGrantable(this.partnerPermissions(role.permissions), principal, scope);
    const id = await uniqueAssignment(() =>
      assignmentsRepo.insert(tx, {
        tenant_id: partnerId,
        user_id: user.id,
        role_id: role.id,
        scope_type: input.scope_type,
        organization_id: scope.type === 'organization' || scope.type === 'site' ? scope.organizationId : null,
        site_id: scope.type === 'site' ? scope.siteId : null,
        created_by: principal.userId,
      }),
    );
    const row = (await assignmentsRepo.get(tx, id))!;
    await audit(tx, partnerId, actor, { action: 'role_assignment.create', targetType: 'user', targetId: user.id, after: row });
    return row;
  }

  /** The role assignments of these users of the partner, in the caller's transaction (the users list shows them). */
  assignmentsOfUsers(tx: Tx, partnerId: string, userIds: string[]): Promise<AssignmentRow[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return assignmentsRepo.listForUsers(tx, partnerId, userIds);
  }

  /** The partner's role assignments, in the caller's transaction (the users list narrows what a site-level viewer sees). */
  listAssignmentsIn(tx: Tx, partnerId: string, q: AssignmentQuery = {}): Promise<AssignmentRow[]> {
    return assignmentsRepo.list(tx, partnerId, q);
  }

  /** Users of the partner holding this role at any scope, in the caller's transaction (the users list filters by role). */
  async usersWithRole(tx: Tx, partnerId: string, roleId: string): Promise<string[]> {
    return [...new Set((await assignmentsRepo.list(tx, partnerId, { role_id: roleId })).map((r) => r.user_id))];
  }

  deleteAssignment(partnerId: string | null, assignmentId: string, principal: Principal, actor: Actor): Promise<void> {
    return this.inScope(partnerId, async (tx) => {
      const row = await assignmentsRepo.get(tx, assignmentId);
      if (!row || (partnerId === null && row.scope_type !== 'platform')) throw notFound('role assignment');
      const role = (await rolesRepo.get(tx, row.role_id))!;
      const scope: Scope =
        row.scope_type === 'platform'
          ? { type: 'platform' }
          : row.scope_type === 'partner'
            ? { type: 'partner', partnerId: partnerId! }
            : row.scope_type === 'organization'
              ? { type: 'organization', partnerId: partnerId!, organizationId: row.organization_id! }
              : { type: 'site', partnerId: partnerId!, organizationId: row.organization_id!, siteId: row.site_id! };
      // Taking a role away needs the same power as giving it: nobody demotes someone above them.
      this.assertGrantable(
        scope.type === 'platform' ? this.known(role.permissions) : this.partnerPermissions(role.permissions),
        principal,
        scope,
      );
      if (
        partnerId &&
        role.key === 'owner' &&
        row.scope_type === 'partner' &&
        (await assignmentsRepo.otherOwners(tx, partnerId, row.id)) === 0
      ) {
        throw new AppError('has_children', 'this is the last Owner of the partner; make someone else Owner first');
      }
      await assignmentsRepo.delete(tx, row.id);
      await audit(tx, partnerId, actor, {
        action: 'role_assignment.delete',
        targetType: 'user',
        targetId: row.user_id,
        before: row,
      });
    });
  }

  /** Platform staff hold system roles platform-wide. */
  createPlatformAssignment(
    input: { user_id: string; role_id: string },
    principal: Principal,
    actor: Actor,
  ): Promise<AssignmentRow> {
    return this.db.withPlatform(async (tx) => {
      const user = await lookups.user(tx, input.user_id);
      if (!user || user.tenant_id !== null)
        throw new AppError('validation_failed', 'user_id is not a platform staff user', { field: 'user_id' });
      const role = await rolesRepo.get(tx, input.role_id);
      if (!role || !role.is_system)
        throw new AppError('validation_failed', 'platform staff can only hold system roles', { field: 'role_id' });
      this.assertGrantable(this.known(role.permissions), principal, { type: 'platform' });
      const id = await uniqueAssignment(() =>
        assignmentsRepo.insert(tx, {
          tenant_id: null,
          user_id: user.id,
          role_id: role.id,
          scope_type: 'platform',
          organization_id: null,
          site_id: null,
          created_by: principal.userId,
        }),
      );
      const row = (await assignmentsRepo.get(tx, id))!;
      await audit(tx, null, actor, { action: 'role_assignment.create', targetType: 'user', targetId: user.id, after: row });
      return row;
    });
  }

  // ------------------------------------------------------------------------

  /** A role's permissions that this server knows (a removed module's rows grant nothing). */
  private known(permissions: string[]): string[] {
    return permissions.filter((p) => this.catalog.has(p));
  }

  /** What a role grants inside a partner: platform permissions count only platform-wide. */
  private partnerPermissions(permissions: string[]): string[] {
    return this.known(permissions).filter((p) => this.catalog.get(p)!.scope !== 'platform');
  }

  private assertGrantable(permissions: string[], principal: Principal, scope: Scope): void {
    const unknown = permissions.filter((p) => !this.catalog.has(p));
    if (unknown.length)
      throw new AppError('validation_failed', `unknown permission(s): ${unknown.join(', ')}`, { field: 'permissions' });
    if (scope.type !== 'platform') {
      const platformOnly = permissions.filter((p) => this.catalog.get(p)!.scope === 'platform');
      if (platformOnly.length) {
        throw new AppError(
          'validation_failed',
          `platform permission(s) cannot be given inside a partner: ${platformOnly.join(', ')}`,
          { field: 'permissions' },
        );
      }
    }
    if (!canDelegate(principal, permissions, scope)) {
      const missing = permissions.filter((p) => !canDelegate(principal, [p], scope));
      throw new AppError('forbidden', `you cannot give permissions you do not hold at that scope: ${missing.join(', ')}`);
    }
  }

  private async visibleRole(tx: Tx, partnerId: string, roleId: string, field?: string): Promise<RoleRow> {
    const role = await rolesRepo.get(tx, roleId);
    // Under RLS a partner sees system roles and its own; the check keeps platform reads honest too.
    if (!role || (role.partner_id !== null && role.partner_id !== partnerId)) {
      if (field) throw new AppError('validation_failed', `${field} is not a role of this partner`, { field });
      throw notFound('role');
    }
    return role;
  }

  private async scopeOf(tx: Tx, partnerId: string, input: CreateAssignment): Promise<Scope> {
    if (input.scope_type === 'partner') {
      if (input.organization_id || input.site_id)
        throw new AppError('validation_failed', 'a partner-wide assignment takes no organization_id or site_id', {
          field: 'scope_type',
        });
      return { type: 'partner', partnerId };
    }
    if (input.scope_type === 'organization') {
      if (!input.organization_id || input.site_id)
        throw new AppError('validation_failed', 'an organization assignment needs organization_id (and no site_id)', {
          field: 'organization_id',
        });
      if (!(await lookups.organization(tx, input.organization_id)))
        throw new AppError('validation_failed', 'organization_id is not an organization of this partner', {
          field: 'organization_id',
        });
      return { type: 'organization', partnerId, organizationId: input.organization_id };
    }
    if (!input.site_id) throw new AppError('validation_failed', 'a site assignment needs site_id', { field: 'site_id' });
    const site = await lookups.site(tx, input.site_id);
    if (!site) throw new AppError('validation_failed', 'site_id is not a site of this partner', { field: 'site_id' });
    if (input.organization_id && input.organization_id !== site.organization_id) {
      throw new AppError('validation_failed', 'site_id is not in organization_id', { field: 'site_id' });
    }
    return { type: 'site', partnerId, organizationId: site.organization_id, siteId: site.id };
  }

  private inScope<T>(partnerId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return partnerId ? this.db.withTenant(partnerId, fn) : this.db.withPlatform(fn);
  }
}

async function uniqueRoleName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', 'a role with this name already exists', { field: 'name' });
    throw error;
  }
}

async function uniqueAssignment<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', 'the user already holds this role at this scope');
    throw error;
  }
}
