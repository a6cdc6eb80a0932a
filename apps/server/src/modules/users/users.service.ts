import { audit, type Actor } from '../../platform/audit/audit.js';
import { canDelegate, type Principal } from '../../platform/auth/principal.js';
import type { Tx } from '../../platform/db/database.js';
import { toCsv } from '../../platform/http/csv.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import type { ModuleContext } from '../../platform/modules/define.js';
import type { AccessService } from '../access/index.js';
import { invitationMail, INVITATION_DAYS } from './user-mail.js';
import { userTokensRepo, usersRepo, type UserRecord } from './users.repository.js';
import type { InviteUser, UpdateUser, UserRole, UserRow, UsersQuery } from './users.schemas.js';

const EXPORT_MAX_ROWS = 10_000;

type Assignment = Awaited<ReturnType<AccessService['assignmentsOfUsers']>>[number];

/** Where a narrow `users.view` reaches: the users holding a role inside it. null = the whole partner. */
interface Reach {
  organizationIds: Set<string>;
  siteIds: Set<string>;
}

/**
 * A partner's users (FEATURES IAM1, IAM8): invite by email, suspend,
 * reactivate, delete, restore, rename, list with their roles, export. Nobody hands out
 * a role or scope they could not assign themselves (the access module checks
 * that), and nobody acts on a user who holds more than they do (security.md 6).
 */
export class UsersService {
  constructor(
    private readonly ctx: ModuleContext,
    private readonly access: AccessService,
  ) {}

  list(partnerId: string, q: UsersQuery, principal: Principal): Promise<Page<UserRow>> {
    const { status, role_id, ...params } = q;
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const reach = reachOf(principal, partnerId);
      const onlyIds = await this.restrictTo(tx, partnerId, reach, role_id);
      const page = await usersRepo.list(
        tx,
        { ...(status ? { status } : {}), onlyIds, ...(params.q ? { q: params.q } : {}) },
        params,
      );
      return { ...page, items: await this.withRoles(tx, partnerId, page.items, reach) };
    });
  }

  get(partnerId: string, userId: string, principal: Principal): Promise<UserRow> {
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const reach = reachOf(principal, partnerId);
      const user = await usersRepo.get(tx, userId);
      if (!user || user.tenant_id !== partnerId) throw notFound('user');
      const [row] = await this.withRoles(tx, partnerId, [user], reach);
      // A narrow viewer sees only the users holding a role inside their reach.
      if (!row || (reach && row.roles.length === 0)) throw notFound('user');
      return row;
    });
  }

  async invite(
    partnerId: string,
    input: InviteUser,
    principal: Principal,
    actor: Actor,
  ): Promise<UserRow & { invitation_sent: boolean }> {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    const created = await this.ctx.db.withTenant(partnerId, async (tx) => {
      if (!(await usersRepo.partnerActive(tx, partnerId)))
        throw new AppError('conflict', 'this partner is suspended or deleted: nobody can be invited to it');
      const userId = await uniqueEmail(() => usersRepo.insertInvited(tx, { tenant_id: partnerId, email, name }));
      const assignment = await this.access.createAssignmentIn(
        tx,
        partnerId,
        {
          user_id: userId,
          role_id: input.role_id,
          scope_type: input.scope_type,
          ...(input.organization_id ? { organization_id: input.organization_id } : {}),
          ...(input.site_id ? { site_id: input.site_id } : {}),
        },
        principal,
        actor,
      );
      const link = await userTokensRepo.issue(tx, {
        userId,
        tenantId: partnerId,
        purpose: 'invitation',
        createdBy: principal.userId,
        validMinutes: INVITATION_DAYS * 24 * 60,
      });
      const partnerName = (await usersRepo.partnerName(tx, partnerId)) ?? '';
      await audit(tx, partnerId, actor, {
        action: 'user.invite',
        targetType: 'user',
        targetId: userId,
        after: {
          email,
          name,
          role: assignment.role_name,
          scope: scopeLabel(assignment, partnerName),
          expires_at: link.expiresAt,
        },
      });
      return { userId, link, partnerName, roleLabel: scopeLabel(assignment, partnerName) };
    });
    const sent = await this.sendInvitation(email, name, created.partnerName, created.roleLabel, created.link.token, principal);
    return { ...(await this.get(partnerId, created.userId, principal)), invitation_sent: sent };
  }

  async resendInvitation(
    partnerId: string,
    userId: string,
    principal: Principal,
    actor: Actor,
  ): Promise<UserRow & { invitation_sent: boolean }> {
    const issued = await this.ctx.db.withTenant(partnerId, async (tx) => {
      const user = await this.target(tx, partnerId, userId);
      if (user.status !== 'invited') throw new AppError('conflict', `${user.email} has already accepted the invitation`);
      // Sending the link hands out the user's roles: only someone who could grant them may.
      await this.assertOutranks(tx, user, principal, 'send an invitation to');
      const link = await userTokensRepo.issue(tx, {
        userId,
        tenantId: partnerId,
        purpose: 'invitation',
        createdBy: principal.userId,
        validMinutes: INVITATION_DAYS * 24 * 60,
      });
      const partnerName = (await usersRepo.partnerName(tx, partnerId)) ?? '';
      const [first] = await this.access.assignmentsOfUsers(tx, partnerId, [userId]);
      await audit(tx, partnerId, actor, {
        action: 'user.invitation_resend',
        targetType: 'user',
        targetId: userId,
        after: { email: user.email, expires_at: link.expiresAt },
      });
      return { user, link, partnerName, roleLabel: first ? scopeLabel(first, partnerName) : 'a user' };
    });
    const sent = await this.sendInvitation(
      issued.user.email,
      issued.user.name,
      issued.partnerName,
      issued.roleLabel,
      issued.link.token,
      principal,
    );
    return { ...(await this.get(partnerId, userId, principal)), invitation_sent: sent };
  }

  async suspend(partnerId: string, userId: string, principal: Principal, actor: Actor): Promise<UserRow> {
    await this.change(partnerId, userId, principal, 'suspend', async (tx, user) => {
      if (user.status === 'suspended') return;
      await usersRepo.setStatus(tx, userId, 'suspended');
      // Whatever they had open stops working now: sessions (and so live sockets) and links.
      const ended = await this.ctx.sessions.revokeUserSessions(tx, userId, { reason: 'user suspended' });
      await userTokensRepo.revokeOpen(tx, userId);
      await audit(tx, partnerId, actor, {
        action: 'user.suspend',
        targetType: 'user',
        targetId: userId,
        before: { status: user.status },
        after: { status: 'suspended', sessions_ended: ended.length },
      });
    });
    return this.get(partnerId, userId, principal);
  }

  async reactivate(partnerId: string, userId: string, principal: Principal, actor: Actor): Promise<UserRow> {
    await this.change(partnerId, userId, principal, 'reactivate', async (tx, user, hasPassword) => {
      if (user.status !== 'suspended') return;
      // Someone who never chose a password is invited again (resend the invitation to let them in).
      const status = hasPassword ? 'active' : 'invited';
      await usersRepo.setStatus(tx, userId, status);
      await audit(tx, partnerId, actor, {
        action: 'user.reactivate',
        targetType: 'user',
        targetId: userId,
        before: { status: user.status },
        after: { status },
      });
    });
    return this.get(partnerId, userId, principal);
  }

  async delete(partnerId: string, userId: string, principal: Principal, actor: Actor): Promise<void> {
    await this.change(partnerId, userId, principal, 'delete', async (tx, user) => {
      await usersRepo.softDelete(tx, userId);
      const ended = await this.ctx.sessions.revokeUserSessions(tx, userId, { reason: 'user deleted' });
      await userTokensRepo.revokeOpen(tx, userId);
      await audit(tx, partnerId, actor, {
        action: 'user.delete',
        targetType: 'user',
        targetId: userId,
        before: { email: user.email, name: user.name, status: user.status },
        after: { sessions_ended: ended.length },
      });
    });
  }

  /**
   * Brings a deleted user back suspended, so nobody regains access without an
   * explicit reactivate; a user who is not deleted is answered unchanged.
   */
  async restore(partnerId: string, userId: string, principal: Principal, actor: Actor): Promise<UserRow> {
    await this.change(partnerId, userId, principal, 'restore', async (tx, user) => {
      if (!user.deleted_at) return;
      await uniqueEmail(() => usersRepo.restore(tx, userId));
      await audit(tx, partnerId, actor, {
        action: 'user.restore',
        targetType: 'user',
        targetId: userId,
        before: { email: user.email, status: user.status, deleted_at: user.deleted_at },
        after: { status: 'suspended' },
      });
    });
    return this.get(partnerId, userId, principal);
  }

  async update(partnerId: string, userId: string, input: UpdateUser, principal: Principal, actor: Actor): Promise<UserRow> {
    await this.change(partnerId, userId, principal, 'edit', async (tx, user) => {
      const name = input.name.trim();
      if (!(await usersRepo.update(tx, userId, input.version, { name }))) throw staleVersion('user');
      await audit(tx, partnerId, actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: userId,
        before: { name: user.name },
        after: { name },
      });
    });
    return this.get(partnerId, userId, principal);
  }

  /** CSV of the users the list would show (IAM8); formula cells are neutralised. The export is audited. */
  exportCsv(partnerId: string, q: UsersQuery, principal: Principal, actor: Actor): Promise<string> {
    return this.ctx.db.withTenant(partnerId, async (tx) => {
      const reach = reachOf(principal, partnerId);
      const onlyIds = await this.restrictTo(tx, partnerId, reach, q.role_id);
      const rows = await usersRepo.all(
        tx,
        { ...(q.status ? { status: q.status } : {}), onlyIds, ...(q.q ? { q: q.q } : {}) },
        q.include_deleted ?? false,
        EXPORT_MAX_ROWS,
      );
      const users = await this.withRoles(tx, partnerId, rows, reach);
      const partnerName = (await usersRepo.partnerName(tx, partnerId)) ?? '';
      await audit(tx, partnerId, actor, {
        action: 'user.export',
        targetType: 'user',
        after: {
          rows: users.length,
          ...(q.q ? { q: q.q } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.role_id ? { role_id: q.role_id } : {}),
        },
      });
      return toCsv(
        ['name', 'email', 'status', 'roles', 'last_seen_at', 'created_at', 'deleted_at'],
        users.map((u) => [
          u.name,
          u.email,
          u.status,
          u.roles.map((r) => scopeLabel(r, partnerName)).join('; '),
          u.last_seen_at,
          u.created_at,
          u.deleted_at,
        ]),
      );
    });
  }

  // --------------------------------------------------------------------------

  /** Loads the target, refuses acting on oneself and on users above the caller, then runs the change. */
  private async change(
    partnerId: string,
    userId: string,
    principal: Principal,
    verb: 'suspend' | 'reactivate' | 'delete' | 'restore' | 'edit',
    fn: (tx: Tx, user: UserRecord, hasPassword: boolean) => Promise<void>,
  ): Promise<void> {
    await this.ctx.db.withTenant(partnerId, async (tx) => {
      // Only a restore reaches a deleted user.
      const user = await this.target(tx, partnerId, userId, verb === 'restore');
      if (verb !== 'edit' && userId === principal.userId) {
        throw new AppError('forbidden', `you cannot ${verb} your own account`);
      }
      await this.assertOutranks(tx, user, principal, verb);
      const credentials = await usersRepo.credentials(tx, userId);
      await fn(tx, user, Boolean(credentials?.password_hash));
    });
  }

  private async target(tx: Tx, partnerId: string, userId: string, includeDeleted = false): Promise<UserRecord> {
    const user = await usersRepo.get(tx, userId);
    if (!user || user.tenant_id !== partnerId || (user.deleted_at && !includeDeleted)) throw notFound('user');
    return user;
  }

  /** The caller could give every role the user holds, where they hold it: nobody acts on someone above them. */
  private async assertOutranks(tx: Tx, user: UserRecord, principal: Principal, verb: string): Promise<void> {
    const grants = await this.ctx.sessions.grantsOf(tx, user.id);
    const above = grants.find((g) => !canDelegate(principal, g.permissions, g.scope));
    if (above) {
      const missing = [...above.permissions].filter((p) => !canDelegate(principal, [p], above.scope)).sort();
      throw new AppError(
        'forbidden',
        `you cannot ${verb} ${user.email}: they hold permissions you do not hold (${missing.join(', ')})`,
      );
    }
  }

  /** The user ids a list is limited to: by role, and for a narrow viewer by reach; null = no limit. */
  private async restrictTo(tx: Tx, partnerId: string, reach: Reach | null, roleId: string | undefined): Promise<string[] | null> {
    let ids: Set<string> | null = null;
    if (roleId) ids = new Set(await this.access.usersWithRole(tx, partnerId, roleId));
    if (reach) {
      const all = await this.access.listAssignmentsIn(tx, partnerId);
      const visible = new Set(all.filter((a) => inReach(a, reach)).map((a) => a.user_id));
      ids = ids ? new Set([...ids].filter((id) => visible.has(id))) : visible;
    }
    return ids ? [...ids] : null;
  }

  private async withRoles(tx: Tx, partnerId: string, users: UserRecord[], reach: Reach | null): Promise<UserRow[]> {
    const assignments = await this.access.assignmentsOfUsers(
      tx,
      partnerId,
      users.map((u) => u.id),
    );
    const byUser = new Map<string, UserRole[]>();
    for (const a of assignments) {
      if (a.scope_type === 'platform' || (reach && !inReach(a, reach))) continue;
      const list = byUser.get(a.user_id) ?? [];
      list.push({
        assignment_id: a.id,
        role_id: a.role_id,
        role_name: a.role_name,
        scope_type: a.scope_type,
        organization_id: a.organization_id,
        organization_name: a.organization_name,
        site_id: a.site_id,
        site_name: a.site_name,
      });
      byUser.set(a.user_id, list);
    }
    return users.map(({ tenant_id, ...u }) => ({
      ...u,
      partner_id: tenant_id!,
      status: u.status as UserRow['status'],
      roles: byUser.get(u.id) ?? [],
    }));
  }

  /** Sends the invitation after the transaction committed; a refused mail leaves the user invited, to be sent again. */
  private async sendInvitation(
    to: string,
    name: string,
    partnerName: string,
    roleLabel: string,
    token: string,
    principal: Principal,
  ): Promise<boolean> {
    try {
      await this.ctx.mailer.send(
        invitationMail({
          to,
          name,
          inviter: { name: principal.name, email: principal.email },
          partnerName,
          roleLabel,
          url: `${this.ctx.config.publicUrl}/invite/${token}`,
        }),
      );
      return true;
    } catch {
      return false;
    }
  }
}

/** "Technician · X Corp", "Owner · Acme IT" (the partner, for partner-wide roles). */
export function scopeLabel(
  a: Pick<Assignment, 'role_name' | 'scope_type' | 'organization_name' | 'site_name'>,
  partnerName: string,
): string {
  const where =
    a.scope_type === 'site'
      ? `${a.organization_name} › ${a.site_name}`
      : a.scope_type === 'organization'
        ? a.organization_name
        : partnerName;
  return where ? `${a.role_name} · ${where}` : a.role_name;
}

/** What a principal's users.view (or users.manage) grants reach inside the partner; null = all of it. */
function reachOf(p: Principal, partnerId: string): Reach | null {
  const grants = p.grants.filter((g) => g.permissions.has('users.view') || g.permissions.has('users.manage'));
  if (grants.some((g) => g.scope.type === 'platform' || (g.scope.type === 'partner' && g.scope.partnerId === partnerId)))
    return null;
  const reach: Reach = { organizationIds: new Set(), siteIds: new Set() };
  for (const g of grants) {
    if (g.scope.type === 'organization' && g.scope.partnerId === partnerId) reach.organizationIds.add(g.scope.organizationId);
    if (g.scope.type === 'site' && g.scope.partnerId === partnerId) reach.siteIds.add(g.scope.siteId);
  }
  return reach;
}

function inReach(a: Pick<Assignment, 'scope_type' | 'organization_id' | 'site_id'>, reach: Reach): boolean {
  if (a.scope_type === 'organization') return reach.organizationIds.has(a.organization_id!);
  if (a.scope_type === 'site') return reach.siteIds.has(a.site_id!) || reach.organizationIds.has(a.organization_id!);
  return false;
}

async function uniqueEmail<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', 'a user with this email address already exists', { field: 'email' });
    throw error;
  }
}
