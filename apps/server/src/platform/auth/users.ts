import type { Database, Tx } from '../db/database.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';

/**
 * Creates a user with a password. Platform staff have no partner; a partner user
 * is written inside that partner's tenant context.
 */
export async function createUserWithPassword(
  db: Database,
  input: { email: string; name: string; password: string; partnerId: string | null; roleKey: SystemRoleKey },
): Promise<{ id: string }> {
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new Error(`passwords need at least ${MIN_PASSWORD_LENGTH} characters`);
  const values = {
    email: input.email.toLowerCase(),
    name: input.name,
    password_hash: await hashPassword(input.password),
    tenant_id: input.partnerId,
    is_platform_admin: input.partnerId === null,
  };
  const insert = async (tx: Tx) => {
    const user = await tx.insertInto('users').values(values).returning('id').executeTakeFirstOrThrow();
    await assignSystemRole(tx, user.id, input.partnerId, input.roleKey);
    return user;
  };
  return input.partnerId ? db.withTenant(input.partnerId, insert) : db.withPlatform(insert);
}

export type SystemRoleKey = 'owner' | 'administrator' | 'technician' | 'readonly' | 'client_contact';

/** Gives a new user a system role over their whole partner (or the platform, for staff). */
export async function assignSystemRole(tx: Tx, userId: string, partnerId: string | null, roleKey: SystemRoleKey): Promise<void> {
  const role = await tx.selectFrom('roles').select('id').where('key', '=', roleKey).executeTakeFirstOrThrow();
  await tx
    .insertInto('role_assignments')
    .values({ user_id: userId, role_id: role.id, tenant_id: partnerId, scope_type: partnerId ? 'partner' : 'platform' })
    .execute();
}
