import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Principal, Visibility } from '../../platform/auth/principal.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { AppError, notFound, staleVersion } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import type { ListQuery } from '../../platform/http/schemas.js';
import { organizationsRepo, partnersRepo, sitesRepo } from './tenancy.repository.js';
import type {
  CreateOrganization,
  CreateSite,
  OrganizationRow,
  PartnerRow,
  SiteRow,
  UpdateOrganization,
  UpdatePartner,
  UpdateSite,
} from './tenancy.schemas.js';

/**
 * The hierarchy Partner › Organization › Site (TEN1) with soft delete and restore
 * (TEN3). Partner data is read and written only inside withTenant(); creating and
 * listing partners is platform work.
 */
export class TenancyService {
  constructor(private readonly db: Database) {}

  // Partners ---------------------------------------------------------------

  listPartners(principal: Principal, params: ListQuery): Promise<Page<PartnerRow>> {
    if (principal.isPlatformAdmin) return this.db.withPlatform((tx) => partnersRepo.list(tx, params));
    // Everyone else sees the one partner they belong to, through its own tenant context.
    if (!principal.partnerId) return Promise.resolve({ items: [], next_cursor: null });
    return this.db.withTenant(principal.partnerId, (tx) => partnersRepo.list(tx, params));
  }

  async getPartner(partnerId: string): Promise<PartnerRow> {
    return (await this.db.withTenant(partnerId, (tx) => partnersRepo.get(tx, partnerId))) ?? throwNotFound('partner');
  }

  createPartner(input: { name: string }, actor: Actor): Promise<PartnerRow> {
    const name = input.name.trim();
    return this.db.withPlatform(async (tx) => {
      const base = slugify(name);
      let slug = base;
      for (let n = 2; await partnersRepo.slugTaken(tx, slug); n++) slug = `${base.slice(0, 55)}-${n}`;
      const created = await partnersRepo.insert(tx, { name, slug });
      await audit(tx, null, actor, { action: 'partner.create', targetType: 'partner', targetId: created.id, after: created });
      return created;
    });
  }

  updatePartner(partnerId: string, input: UpdatePartner, actor: Actor): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await partnersRepo.get(tx, partnerId)) ?? throwNotFound('partner');
      if (current.deleted_at) throw new AppError('conflict', 'restore the partner before editing it');
      const name = input.name?.trim();
      const updated =
        (await partnersRepo.update(tx, partnerId, input.version, name === undefined ? {} : { name })) ?? throwStale('partner');
      await audit(tx, partnerId, actor, {
        action: 'partner.update',
        targetType: 'partner',
        targetId: partnerId,
        before: current,
        after: updated,
      });
      return updated;
    });
  }

  deletePartner(partnerId: string, actor: Actor): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await partnersRepo.get(tx, partnerId)) ?? throwNotFound('partner');
      if (current.deleted_at) return current;
      const children = await organizationsRepo.activeCount(tx);
      if (children > 0) {
        throw new AppError('has_children', `partner still has ${children} organization(s); delete them first`);
      }
      const deleted = (await partnersRepo.setDeleted(tx, partnerId, true))!;
      await audit(tx, partnerId, actor, {
        action: 'partner.delete',
        targetType: 'partner',
        targetId: partnerId,
        before: current,
      });
      return deleted;
    });
  }

  restorePartner(partnerId: string, actor: Actor): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await partnersRepo.get(tx, partnerId))) throw notFound('partner');
      const restored = (await partnersRepo.setDeleted(tx, partnerId, false))!;
      await audit(tx, partnerId, actor, { action: 'partner.restore', targetType: 'partner', targetId: partnerId });
      return restored;
    });
  }

  // Organizations ----------------------------------------------------------

  /** visibility null: all of the partner's organizations; otherwise only those the caller's grants reach. */
  listOrganizations(partnerId: string, params: ListQuery, visibility: Visibility | null): Promise<Page<OrganizationRow>> {
    return this.db.withTenant(partnerId, async (tx) => {
      await this.requirePartner(tx, partnerId);
      return organizationsRepo.list(tx, params, visibility?.organizationIds ?? null);
    });
  }

  async getOrganization(partnerId: string, organizationId: string): Promise<OrganizationRow> {
    return (
      (await this.db.withTenant(partnerId, (tx) => organizationsRepo.get(tx, organizationId))) ?? throwNotFound('organization')
    );
  }

  createOrganization(partnerId: string, input: CreateOrganization, actor: Actor): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const partner = await this.requirePartner(tx, partnerId);
      if (partner.deleted_at) throw notFound('partner');
      const created = await uniqueName(
        () => organizationsRepo.insert(tx, partnerId, { ...input, name: input.name.trim() }),
        'organization',
      );
      await audit(tx, partnerId, actor, { action: 'organization.create', ...organizationTarget(created), after: created });
      return created;
    });
  }

  updateOrganization(
    partnerId: string,
    organizationId: string,
    input: UpdateOrganization,
    actor: Actor,
  ): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (current.deleted_at) throw new AppError('conflict', 'restore the organization before editing it');
      const { version, ...values } = input;
      if (values.name !== undefined) values.name = values.name.trim();
      const updated = await uniqueName(
        async () => (await organizationsRepo.update(tx, organizationId, version, values)) ?? throwStale('organization'),
        'organization',
      );
      await audit(tx, partnerId, actor, {
        action: 'organization.update',
        ...organizationTarget(updated),
        before: current,
        after: updated,
      });
      return updated;
    });
  }

  deleteOrganization(partnerId: string, organizationId: string, actor: Actor): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (current.deleted_at) return current;
      if (current.site_count > 0) {
        throw new AppError(
          'has_children',
          `organization "${current.name}" still has ${current.site_count} site(s); delete them first`,
        );
      }
      const deleted = (await organizationsRepo.setDeleted(tx, organizationId, true))!;
      await audit(tx, partnerId, actor, { action: 'organization.delete', ...organizationTarget(current), before: current });
      return deleted;
    });
  }

  restoreOrganization(partnerId: string, organizationId: string, actor: Actor): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await organizationsRepo.get(tx, organizationId))) throw notFound('organization');
      const restored = await uniqueName(
        async () => (await organizationsRepo.setDeleted(tx, organizationId, false))!,
        'organization',
      );
      await audit(tx, partnerId, actor, { action: 'organization.restore', ...organizationTarget(restored) });
      return restored;
    });
  }

  // Sites ------------------------------------------------------------------

  listSites(partnerId: string, organizationId: string, params: ListQuery, visibility: Visibility | null): Promise<Page<SiteRow>> {
    const onlySites = visibility && !visibility.wholeOrganizationIds.has(organizationId) ? visibility.siteIds : null;
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await organizationsRepo.get(tx, organizationId))) throw notFound('organization');
      return sitesRepo.list(tx, organizationId, params, onlySites);
    });
  }

  async getSite(partnerId: string, organizationId: string, siteId: string): Promise<SiteRow> {
    return (await this.db.withTenant(partnerId, (tx) => sitesRepo.get(tx, organizationId, siteId))) ?? throwNotFound('site');
  }

  createSite(partnerId: string, organizationId: string, input: CreateSite, actor: Actor): Promise<SiteRow> {
    if (input.timezone !== undefined) assertTimezone(input.timezone);
    return this.db.withTenant(partnerId, async (tx) => {
      const org = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (org.deleted_at) throw new AppError('conflict', 'the organization is deleted; restore it before adding sites');
      const created = await uniqueName(
        () => sitesRepo.insert(tx, partnerId, organizationId, { ...input, name: input.name.trim() }),
        'site',
      );
      await audit(tx, partnerId, actor, { action: 'site.create', ...siteTarget(created), after: created });
      return created;
    });
  }

  updateSite(partnerId: string, organizationId: string, siteId: string, input: UpdateSite, actor: Actor): Promise<SiteRow> {
    if (input.timezone !== undefined) assertTimezone(input.timezone);
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await sitesRepo.get(tx, organizationId, siteId)) ?? throwNotFound('site');
      if (current.deleted_at) throw new AppError('conflict', 'restore the site before editing it');
      const { version, ...values } = input;
      if (values.name !== undefined) values.name = values.name.trim();
      const updated = await uniqueName(
        async () => (await sitesRepo.update(tx, organizationId, siteId, version, values)) ?? throwStale('site'),
        'site',
      );
      await audit(tx, partnerId, actor, { action: 'site.update', ...siteTarget(updated), before: current, after: updated });
      return updated;
    });
  }

  deleteSite(partnerId: string, organizationId: string, siteId: string, actor: Actor): Promise<SiteRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await sitesRepo.get(tx, organizationId, siteId)) ?? throwNotFound('site');
      if (current.deleted_at) return current;
      const deleted = (await sitesRepo.setDeleted(tx, organizationId, siteId, true))!;
      await audit(tx, partnerId, actor, { action: 'site.delete', ...siteTarget(current), before: current });
      return deleted;
    });
  }

  restoreSite(partnerId: string, organizationId: string, siteId: string, actor: Actor): Promise<SiteRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await sitesRepo.get(tx, organizationId, siteId))) throw notFound('site');
      const org = (await organizationsRepo.get(tx, organizationId))!;
      if (org.deleted_at) throw new AppError('has_children', 'the organization is deleted; restore it first');
      const restored = await uniqueName(async () => (await sitesRepo.setDeleted(tx, organizationId, siteId, false))!, 'site');
      await audit(tx, partnerId, actor, { action: 'site.restore', ...siteTarget(restored) });
      return restored;
    });
  }

  /** Used by the demo seed and counts on dashboards. */
  countOrganizations(partnerId: string): Promise<number> {
    return this.db.withTenant(partnerId, (tx) => organizationsRepo.activeCount(tx));
  }

  private async requirePartner(tx: Tx, partnerId: string) {
    return (await partnersRepo.get(tx, partnerId)) ?? throwNotFound('partner');
  }
}

const organizationTarget = (o: { id: string }) => ({ targetType: 'organization', targetId: o.id });
const siteTarget = (x: { id: string }) => ({ targetType: 'site', targetId: x.id });

function throwNotFound(what: string): never {
  throw notFound(what);
}

function throwStale(what: string): never {
  throw staleVersion(what);
}

async function uniqueName<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('conflict', `another ${what} here already has this name`, { field: 'name' });
    }
    throw error;
  }
}

function assertTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new AppError('validation_failed', `timezone "${tz}" is not an IANA time zone (e.g. Europe/Berlin)`, {
      field: 'timezone',
    });
  }
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return slug || 'partner';
}
