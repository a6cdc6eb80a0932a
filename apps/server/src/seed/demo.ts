import { SYSTEM_ACTOR } from '../platform/audit/audit.js';
import { appendCredentials, generatePassword } from '../platform/auth/first-admin.js';
import { createUserWithPassword } from '../platform/auth/users.js';
import type { Database } from '../platform/db/database.js';
import { TenancyService } from '../modules/tenancy/index.js';

export const DEMO_USER_EMAIL = 'tech@acme.example';

export interface DemoData {
  email: string;
  password: string;
  /** Where the local agent enrolls this machine: the demo partner's own office. */
  localSite: { partnerId: string; organizationId: string; siteId: string };
}

/**
 * Demo data for a first look (OPS5): written only when there are no partners yet.
 * Returns the demo user's generated password, or null when nothing was seeded.
 */
export async function seedDemoData(db: Database, dataDir: string): Promise<DemoData | null> {
  const tenancy = new TenancyService(db);
  const existing = await db.withPlatform((tx) => tx.selectFrom('partners').select('id').limit(1).executeTakeFirst());
  if (existing) return null;

  const acme = await tenancy.createPartner({ name: 'Acme IT' }, SYSTEM_ACTOR);
  const hierarchy: [string, string, [string, string][]][] = [
    [
      'Contoso Ltd',
      'Accounting firm, 40 seats',
      [
        ['Head Office', 'Europe/London'],
        ['Manchester Branch', 'Europe/London'],
      ],
    ],
    [
      'Fabrikam Inc',
      'Manufacturer with two plants',
      [
        ['Plant North', 'America/Chicago'],
        ['Plant South', 'America/Chicago'],
        ['Remote Workers', 'UTC'],
      ],
    ],
  ];
  for (const [name, description, sites] of hierarchy) {
    const org = await tenancy.createOrganization(acme.id, { name, description }, SYSTEM_ACTOR);
    for (const [site, timezone] of sites) await tenancy.createSite(acme.id, org.id, { name: site, timezone }, SYSTEM_ACTOR);
  }
  // The MSP's own machines: the server's host joins them as its first device.
  const internal = await tenancy.createOrganization(
    acme.id,
    { name: 'Acme IT (internal)', description: 'The MSP’s own machines' },
    SYSTEM_ACTOR,
  );
  const office = await tenancy.createSite(acme.id, internal.id, { name: 'Office', timezone: 'UTC' }, SYSTEM_ACTOR);
  const password = generatePassword();
  await createUserWithPassword(db, {
    email: DEMO_USER_EMAIL,
    name: 'Alex Morgan',
    password,
    partnerId: acme.id,
    roleKey: 'owner',
  });
  await appendCredentials(dataDir, `demo partner user (Acme IT): ${DEMO_USER_EMAIL} / ${password}`);
  return {
    email: DEMO_USER_EMAIL,
    password,
    localSite: { partnerId: acme.id, organizationId: internal.id, siteId: office.id },
  };
}
