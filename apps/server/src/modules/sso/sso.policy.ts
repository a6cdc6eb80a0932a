import type { Database } from '../../platform/db/database.js';
import { domainsRepo, settingsRepo } from './sso.repository.js';
import { domainOf } from './sso.service.js';

export const SSO_REQUIRED_MESSAGE = 'your organization signs in with single sign-on: choose "Continue with single sign-on"';

/**
 * Whether a password sign-in must be refused because the partner requires
 * single sign-on. Asked before the password is checked, so the answer never
 * tells whether a password was right. An existing account is judged by its
 * partner (platform staff have none: never refused); an unknown email by the
 * partner claiming its domain, so that known and unknown emails answer alike.
 */
export async function passwordSignInRefused(
  db: Database,
  email: string,
  user: { tenant_id: string | null } | undefined,
): Promise<boolean> {
  let partnerId: string | null;
  if (user) {
    partnerId = user.tenant_id;
  } else {
    const domain = domainOf(email);
    partnerId = domain ? await db.withPlatform((tx) => domainsRepo.partnerOf(tx, domain)) : null;
  }
  if (!partnerId) return false;
  const settings = await db.withTenant(partnerId, (tx) => settingsRepo.get(tx));
  return Boolean(settings?.enabled && settings.require_sso);
}
