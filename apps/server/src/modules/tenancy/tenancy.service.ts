import type { Principal } from '../../platform/auth/principal.js';
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
    if (!principal.partnerId) return Promise.resolve({ items: [], next_cursor: null });
    return this.db.withTenant(principal.partnerId, (tx) => partnersRepo.list(tx, params));
  }

  async getPartner(partnerId: string): Promise<PartnerRow> {
    return (await this.db.withTenant(partnerId, (tx) => partnersRepo.get(tx, partnerId))) ?? throwNotFound('partner');
  }

  createPartner(input: { name: string }): Promise<PartnerRow> {
    const name = input.name.trim();
    return this.db.withPlatform(async (tx) => {
      const base = slugify(name);
      let slug = base;
      for (let n = 2; await partnersRepo.slugTaken(tx, slug); n++) slug = `${base.slice(0, 55)}-${n}`;
      return partnersRepo.insert(tx, { name, slug });
    });
  }

  updatePartner(partnerId: string, input: UpdatePartner): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await partnersRepo.get(tx, partnerId)) ?? throwNotFound('partner');
      if (current.deleted_at) throw new AppError('conflict', 'restore the partner before editing it');
      const name = input.name?.trim();
      return (
        (await partnersRepo.update(tx, partnerId, input.version, name === undefined ? {} : { name })) ??
        throwStale('partner')
      );
    });
  }

  deletePartner(partnerId: string): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await partnersRepo.get(tx, partnerId)) ?? throwNotFound('partner');
      if (current.deleted_at) return current;
      const children = await organizationsRepo.activeCount(tx);
      if (children > 0) {
        throw new AppError('has_children', `partner still has ${children} organization(s); delete them first`);
      }
      return (await partnersRepo.setDeleted(tx, partnerId, true))!;
    });
  }

  restorePartner(partnerId: string): Promise<PartnerRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await partnersRepo.get(tx, partnerId))) throw notFound('partner');
      return (await partnersRepo.setDeleted(tx, partnerId, false))!;
    });
  }

  // Organizations ----------------------------------------------------------

  listOrganizations(partnerId: string, params: ListQuery): Promise<Page<OrganizationRow>> {
    return this.db.withTenant(partnerId, async (tx) => {
      await this.requirePartner(tx, partnerId);
      return organizationsRepo.list(tx, params);
    });
  }

  async getOrganization(partnerId: string, organizationId: string): Promise<OrganizationRow> {
    return (
      (await this.db.withTenant(partnerId, (tx) => organizationsRepo.get(tx, organizationId))) ?? throwNotFound('organization')
    );
  }

  createOrganization(partnerId: string, input: CreateOrganization): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const partner = await this.requirePartner(tx, partnerId);
      if (partner.deleted_at) throw notFound('partner');
      return uniqueName(() => organizationsRepo.insert(tx, partnerId, { ...input, name: input.name.trim() }), 'organization');
    });
  }

  updateOrganization(partnerId: string, organizationId: string, input: UpdateOrganization): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (current.deleted_at) throw new AppError('conflict', 'restore the organization before editing it');
      const { version, ...values } = input;
      if (values.name !== undefined) values.name = values.name.trim();
      return uniqueName(
        async () => (await organizationsRepo.update(tx, organizationId, version, values)) ?? throwStale('organization'),
        'organization',
      );
    });
  }

  deleteOrganization(partnerId: string, organizationId: string): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (current.deleted_at) return current;
      if (current.site_count > 0) {
        throw new AppError('has_children', `organization "${current.name}" still has ${current.site_count} site(s); delete them first`);
      }
      return (await organizationsRepo.setDeleted(tx, organizationId, true))!;
    });
  }

  restoreOrganization(partnerId: string, organizationId: string): Promise<OrganizationRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await organizationsRepo.get(tx, organizationId))) throw notFound('organization');
      return uniqueName(async () => (await organizationsRepo.setDeleted(tx, organizationId, false))!, 'organization');
    });
  }

  // Sites ------------------------------------------------------------------

  listSites(partnerId: string, organizationId: string, params: ListQuery): Promise<Page<SiteRow>> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await organizationsRepo.get(tx, organizationId))) throw notFound('organization');
      return sitesRepo.list(tx, organizationId, params);
    });
  }

  async getSite(partnerId: string, organizationId: string, siteId: string): Promise<SiteRow> {
    return (await this.db.withTenant(partnerId, (tx) => sitesRepo.get(tx, organizationId, siteId))) ?? throwNotFound('site');
  }

  createSite(partnerId: string, organizationId: string, input: CreateSite): Promise<SiteRow> {
    if (input.timezone !== undefined) assertTimezone(input.timezone);
    return this.db.withTenant(partnerId, async (tx) => {
      const org = (await organizationsRepo.get(tx, organizationId)) ?? throwNotFound('organization');
      if (org.deleted_at) throw new AppError('conflict', 'the organization is deleted; restore it before adding sites');
      return uniqueName(() => sitesRepo.insert(tx, partnerId, organizationId, { ...input, name: input.name.trim() }), 'site');
    });
  }

  updateSite(partnerId: string, organizationId: string, siteId: string, input: UpdateSite): Promise<SiteRow> {
    if (input.timezone !== undefined) assertTimezone(input.timezone);
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await sitesRepo.get(tx, organizationId, siteId)) ?? throwNotFound('site');
      if (current.deleted_at) throw new AppError('conflict', 'restore the site before editing it');
      const { version, ...values } = input;
      if (values.name !== undefined) values.name = values.name.trim();
      return uniqueName(
        async () => (await sitesRepo.update(tx, organizationId, siteId, version, values)) ?? throwStale('site'),
        'site',
      );
    });
  }

  deleteSite(partnerId: string, organizationId: string, siteId: string): Promise<SiteRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      const current = (await sitesRepo.get(tx, organizationId, siteId)) ?? throwNotFound('site');
      if (current.deleted_at) return current;
      return (await sitesRepo.setDeleted(tx, organizationId, siteId, true))!;
    });
  }

  restoreSite(partnerId: string, organizationId: string, siteId: string): Promise<SiteRow> {
    return this.db.withTenant(partnerId, async (tx) => {
      if (!(await sitesRepo.get(tx, organizationId, siteId))) throw notFound('site');
      const org = (await organizationsRepo.get(tx, organizationId))!;
      if (org.deleted_at) throw new AppError('has_children', 'the organization is deleted; restore it first');
      return uniqueName(async () => (await sitesRepo.setDeleted(tx, organizationId, siteId, false))!, 'site');
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
    throw new AppError('validation_failed', `timezone "${tz}" is not an IANA time zone (e.g. Europe/Berlin)`, { field: 'timezone' });
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
