import type { EnrollRequest, EnrollResponse } from '@cloudrmm/protocol';
import type { Logger } from 'pino';
import { audit, type Actor } from '../../platform/audit/audit.js';
import type { Principal } from '../../platform/auth/principal.js';
import { lockedFor, recordFailure, type ThrottleKey } from '../../platform/auth/throttle.js';
import type { Database, Tx } from '../../platform/db/database.js';
import type { Bus } from '../../platform/bus/bus.js';
import { SERVER_VERSION } from '../../platform/gateway/version.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { enrollDevice } from '../devices/index.js';
import type { TenancyService } from '../tenancy/index.js';
import {
  ENROLLMENT_TOKEN_PATTERN,
  hashEnrollmentToken,
  newEnrollmentToken,
  newSiteCode,
  SITE_CODE_PATTERN,
} from './enrollment-secrets.js';
import { siteCodesRepo, tokensRepo, type SiteCodeRow, type TokenForUse } from './enrollment.repository.js';
import type {
  CreateEnrollmentToken,
  EnrollmentTokenQuery,
  EnrollmentTokenRow,
  InstallCommands,
  SiteEnrollment,
} from './enrollment.schemas.js';
import { installCommands, installUrl } from './install/install-commands.js';

/** A refused enrollment; `guessed` marks codes and tokens that do not exist, which count towards the IP's lock. */
class EnrollmentRefused extends AppError {
  constructor(
    message: string,
    readonly guessed = false,
  ) {
    super('enrollment_refused', message);
  }
}

const USED_UP = 'this enrollment token has been used up';

/**
 * Enrollment (AGT1, AGT2; security.md 23, 24). Each site has one public code
 * (its install link), made on first read, rotatable and switchable off; and
 * any number of one-time tokens, site-bound, expiring, with bounded uses, of
 * which only a hash is kept. Either one buys an agent identity at
 * POST /api/agent/v1/enroll.
 */
export class EnrollmentService {
  constructor(
    private readonly db: Database,
    private readonly tenancy: TenancyService,
    private readonly publicUrl: string,
    private readonly log: Logger,
    private readonly bus: Bus,
    /** The public half of the command key, handed to every agent that enrolls (AGT18). */
    private readonly commandKey?: () => Promise<{ key_id: string; public_key: string }>,
  ) {}

  // Site code ---------------------------------------------------------------

  async siteEnrollment(partnerId: string, organizationId: string, siteId: string, actor: Actor): Promise<SiteEnrollment> {
    await this.liveSite(partnerId, organizationId, siteId);
    return this.db.withTenant(partnerId, async (tx) =>
      this.present(await this.codeOf(tx, partnerId, organizationId, siteId, actor)),
    );
  }

  /** A new code: the old install link and commands stop working at once. */
  async rotate(partnerId: string, organizationId: string, siteId: string, actor: Actor): Promise<SiteEnrollment> {
    await this.liveSite(partnerId, organizationId, siteId);
    return this.db.withTenant(partnerId, async (tx) => {
      await this.codeOf(tx, partnerId, organizationId, siteId, actor);
      const row = await siteCodesRepo.setCode(tx, siteId, newSiteCode());
      // The code itself stays out of the log: readers of the audit log need not hold devices.enroll.
      await audit(tx, partnerId, actor, {
        action: 'site_enrollment.rotate',
        targetType: 'site',
        targetId: siteId,
        after: { enabled: row.enabled, rotated_at: row.rotated_at },
      });
      return this.present(row);
    });
  }

  async setEnabled(
    partnerId: string,
    organizationId: string,
    siteId: string,
    enabled: boolean,
    actor: Actor,
  ): Promise<SiteEnrollment> {
    await this.liveSite(partnerId, organizationId, siteId);
    return this.db.withTenant(partnerId, async (tx) => {
      const before = await this.codeOf(tx, partnerId, organizationId, siteId, actor);
      const row = await siteCodesRepo.setEnabled(tx, siteId, enabled);
      await audit(tx, partnerId, actor, {
        action: 'site_enrollment.update',
        targetType: 'site',
        targetId: siteId,
        before: { enabled: before.enabled },
        after: { enabled: row.enabled },
      });
      return this.present(row);
    });
  }

  // Tokens ------------------------------------------------------------------

  async listTokens(partnerId: string, organizationId: string, siteId: string, q: EnrollmentTokenQuery) {
    await this.site(partnerId, organizationId, siteId);
    return this.db.withTenant(partnerId, (tx) => tokensRepo.list(tx, siteId, q));
  }

  async createToken(
    partnerId: string,
    organizationId: string,
    siteId: string,
    input: CreateEnrollmentToken,
    /** The user who made it; null for tokens the server makes itself (the local agent's). */
    createdBy: string | null,
    actor: Actor,
  ): Promise<EnrollmentTokenRow & { token: string; command: InstallCommands }> {
    await this.liveSite(partnerId, organizationId, siteId);
    return this.db.withTenant(partnerId, async (tx) => {
      let token = '';
      let id: string | null = null;
      // The token is random; on the (astronomically rare) clash of its hash, draw again.
      for (let attempt = 0; id === null && attempt < 5; attempt++) {
        const fresh = newEnrollmentToken();
        token = fresh.token;
        id = await tokensRepo.insert(tx, {
          tenant_id: partnerId,
          organization_id: organizationId,
          site_id: siteId,
          name: (input.name ?? '').trim(),
          prefix: fresh.prefix,
          token_hash: fresh.hash,
          max_uses: input.max_uses ?? 1,
          expires_in_hours: input.expires_in_hours ?? 24,
          created_by: createdBy,
        });
      }
      if (id === null) throw new Error('could not draw a free enrollment token');
      const row = (await tokensRepo.get(tx, siteId, id))!;
      await audit(tx, partnerId, actor, {
        action: 'enrollment_token.create',
        targetType: 'enrollment_token',
        targetId: id,
        after: row,
      });
      return { ...row, token, command: installCommands(this.publicUrl, { token }) };
    });
  }

  /** Revoking a revoked token changes nothing and is not an error. */
  async revokeToken(
    partnerId: string,
    organizationId: string,
    siteId: string,
    tokenId: string,
    principal: Principal,
    actor: Actor,
  ) {
    await this.site(partnerId, organizationId, siteId);
    await this.db.withTenant(partnerId, async (tx) => {
      const row = await tokensRepo.get(tx, siteId, tokenId);
      if (!row) throw notFound('enrollment token');
      if (row.revoked_at) return;
      await tokensRepo.revoke(tx, tokenId, principal.userId);
      await audit(tx, partnerId, actor, {
        action: 'enrollment_token.revoke',
        targetType: 'enrollment_token',
        targetId: tokenId,
        before: row,
      });
    });
  }

  // Enrollment (gateway) ----------------------------------------------------

  /**
   * Buys an agent identity with a site code or a token (or both: then the
   * token must be of the code's site). Unknown codes and tokens count towards
   * a lock of the caller's address, so they cannot be guessed.
   */
  async enroll(input: EnrollRequest, from: { ip: string; requestId: string }): Promise<EnrollResponse> {
    if (input.site_code === undefined && input.token === undefined) {
      throw new AppError(
        'validation_failed',
        'send site_code or token: the site code from the install link, or an enrollment token',
        {
          field: 'site_code',
        },
      );
    }
    const throttle: ThrottleKey = { kind: 'enrollment_ip', value: from.ip };
    // The lock check and the lookup of what was presented are independent reads: both at once.
    const lookup = this.lookup(input);
    lookup.catch(() => undefined);
    const locked = await lockedFor(this.db, [throttle]);
    if (locked > 0) {
      throw new AppError(
        'too_many_attempts',
        `too many unknown site codes or tokens from this address; try again in ${Math.ceil(locked / 60)} minute(s)`,
        { retryAfterSeconds: locked },
      );
    }
    try {
      const enrolled = await this.enrollWith(input, from, await lookup);
      // After the commit: the dashboard's device lists refresh (GW8).
      this.bus.publish('device.enrolled', {
        tenantId: enrolled.partner_id,
        organizationId: enrolled.organization_id,
        siteId: enrolled.site_id,
        deviceId: enrolled.device_id,
      });
      return enrolled;
    } catch (error) {
      if (error instanceof EnrollmentRefused) {
        // The reason, never the code or token presented.
        this.log.info({ ip: from.ip, reqId: from.requestId, reason: error.message }, 'enrollment refused');
        if (error.guessed) await recordFailure(this.db, [throttle]);
      }
      throw error;
    }
  }

  /** Whether an install link's code works now: known, enabled, and its site not deleted. */
  async installCodeWorks(code: string): Promise<boolean> {
    if (!SITE_CODE_PATTERN.test(code)) return false;
    const row = await this.db.withPlatform((tx) => siteCodesRepo.findByCode(tx, code));
    if (!row?.enabled) return false;
    const site = await this.tenancy.getSite(row.tenant_id, row.organization_id, row.site_id).catch(siteGone);
    return site !== null && site.deleted_at === null;
  }

  /** Lets the install routes count unknown codes like the enrollment does. */
  recordGuess(ip: string): Promise<void> {
    return recordFailure(this.db, [{ kind: 'enrollment_ip', value: ip }]);
  }

  isLocked(ip: string): Promise<number> {
    return lockedFor(this.db, [{ kind: 'enrollment_ip', value: ip }]);
  }

  /** No partner is known yet: finds it, in platform context, from the code or token presented. */
  private lookup(input: EnrollRequest) {
    const { site_code: code, token } = input;
    const validCode = code !== undefined && SITE_CODE_PATTERN.test(code);
    const validToken = token !== undefined && ENROLLMENT_TOKEN_PATTERN.test(token);
    if (!validCode && !validToken) return Promise.resolve({ code: undefined, token: undefined });
    return this.db.withPlatform(async (tx) => ({
      code: validCode ? await siteCodesRepo.findByCode(tx, code) : undefined,
      token: validToken ? await tokensRepo.findByHash(tx, hashEnrollmentToken(token)) : undefined,
    }));
  }

  private async enrollWith(
    input: EnrollRequest,
    from: { ip: string; requestId: string },
    found: Awaited<ReturnType<EnrollmentService['lookup']>>,
  ): Promise<EnrollResponse> {
    const { site_code: code, token } = input;
    if (code !== undefined && !found.code) throw new EnrollmentRefused('unknown site code', true);
    if (token !== undefined && !found.token) throw new EnrollmentRefused('unknown enrollment token', true);
    if (found.code && found.token && found.code.site_id !== found.token.site_id) {
      throw new EnrollmentRefused('the token belongs to another site');
    }
    const target = (found.token ?? found.code)!;
    const tenantId = target.tenant_id;
    const site = await this.tenancy.getSite(tenantId, target.organization_id, target.site_id).catch(siteGone);
    if (!site || site.deleted_at !== null) {
      throw new EnrollmentRefused('this site has been deleted; ask your IT provider for a new install link or token');
    }

    // Loaded (or made, on first use) before the enrollment's transaction: the agent needs it to run anything.
    const commandKey = await this.commandKey?.();
    return this.db.withTenant(tenantId, async (tx) => {
      if (code !== undefined) {
        const current = await siteCodesRepo.get(tx, target.site_id);
        // Rotated since the lookup: the old code is as unknown as any other.
        if (current?.code !== code) throw new EnrollmentRefused('unknown site code', true);
        if (!current.enabled) throw new EnrollmentRefused('enrollment by site code is disabled for this site');
      }
      const tokenId = found.token?.id ?? null;
      if (tokenId) await this.usableToken(tx, tokenId);
      const enrolled = await enrollDevice(tx, {
        tenantId,
        organizationId: target.organization_id,
        siteId: target.site_id,
        via: tokenId ? 'token' : 'site_code',
        enrollmentTokenId: tokenId,
        remoteIp: from.ip,
        agent: input,
      });
      // Last before the audit event and the commit: the token's row stays locked only that long.
      const used = tokenId ? await this.spendToken(tx, tokenId) : null;
      const actor: Actor = {
        type: 'agent',
        id: enrolled.agentId,
        label: `agent on ${input.hostname}`,
        ip: from.ip,
        requestId: from.requestId,
      };
      await audit(tx, tenantId, actor, {
        action: 'device.enroll',
        targetType: 'device',
        targetId: enrolled.deviceId,
        // What paid for it, by name: the site code or the token's public prefix, never the secret.
        after: {
          hostname: input.hostname,
          os: input.os,
          arch: input.arch,
          agent_version: input.agent_version,
          organization_id: target.organization_id,
          site_id: target.site_id,
          agent_id: enrolled.agentId,
          via: used ? 'token' : 'site_code',
          ...(used && tokenId ? { via_id: tokenId, via_prefix: used.prefix, use: `${used.use_count} of ${used.max_uses}` } : {}),
        },
      });
      return {
        agent_id: enrolled.agentId,
        device_id: enrolled.deviceId,
        credential: enrolled.credential,
        partner_id: tenantId,
        organization_id: target.organization_id,
        site_id: target.site_id,
        server_version: SERVER_VERSION,
        ...(commandKey ? { command_key: commandKey } : {}),
      };
    });
  }

  /** Refuses a token that cannot pay for an enrollment, before any device is made (no lock taken). */
  private async usableToken(tx: Tx, id: string): Promise<void> {
    refuseUnusable(await tokensRepo.stateForUse(tx, id));
  }

  /**
   * Spends one use in one conditional update, so concurrent enrollments with
   * one token never exceed its uses; when it cannot, says why.
   */
  private async spendToken(tx: Tx, id: string): Promise<{ prefix: string; use_count: number; max_uses: number }> {
    const spent = await tokensRepo.spend(tx, id);
    if (spent) return spent;
    refuseUnusable(await tokensRepo.stateForUse(tx, id));
    throw new EnrollmentRefused(USED_UP);
  }

  // ------------------------------------------------------------------------

  /** The site's code, made on first use. */
  private async codeOf(tx: Tx, partnerId: string, organizationId: string, siteId: string, actor: Actor): Promise<SiteCodeRow> {
    const existing = await siteCodesRepo.get(tx, siteId);
    if (existing) return existing;
    const made = await siteCodesRepo.insertIfMissing(tx, {
      site_id: siteId,
      tenant_id: partnerId,
      organization_id: organizationId,
      code: newSiteCode(),
    });
    // Two first reads at once: only the one that made it records it.
    if (Number(made[0]?.numInsertedOrUpdatedRows ?? 0) > 0) {
      await audit(tx, partnerId, actor, {
        action: 'site_enrollment.create',
        targetType: 'site',
        targetId: siteId,
        after: { enabled: true },
      });
    }
    return (await siteCodesRepo.get(tx, siteId))!;
  }

  private present(row: SiteCodeRow): SiteEnrollment {
    return {
      site_code: row.code,
      enabled: row.enabled,
      rotated_at: row.rotated_at,
      install_url: installUrl(this.publicUrl, row.code),
      commands: installCommands(this.publicUrl, { siteCode: row.code }),
    };
  }

  /** The site, in this organization of this partner (404 otherwise: another partner's ids included). */
  site(partnerId: string, organizationId: string, siteId: string) {
    return this.tenancy.getSite(partnerId, organizationId, siteId);
  }

  /** Devices join only sites that are not deleted. */
  private async liveSite(partnerId: string, organizationId: string, siteId: string) {
    const site = await this.site(partnerId, organizationId, siteId);
    if (site.deleted_at) throw new AppError('conflict', 'the site is deleted; restore it to enroll devices in it');
    return site;
  }
}

function refuseUnusable(t: TokenForUse | undefined): void {
  if (!t) throw new EnrollmentRefused('unknown enrollment token', true);
  if (t.revoked) throw new EnrollmentRefused('this enrollment token was revoked');
  if (t.expired) throw new EnrollmentRefused('this enrollment token has expired');
  if (t.use_count >= t.max_uses) throw new EnrollmentRefused(USED_UP);
}

/** A site that is not there (any more) is an answer; any other failure is not. */
function siteGone(error: unknown): null {
  if (error instanceof AppError && error.code === 'not_found') return null;
  throw error;
}
