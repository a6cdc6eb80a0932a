import type { Database } from '../db/database.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';

/**
 * Creates a user with a password. Platform staff have no partner; a partner user
 * is written inside that partner's tenant context.
 */
export async function createUserWithPassword(
  db: Database,
  input: { email: string; name: string; password: string; partnerId: string | null },
): Promise<{ id: string }> {
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new Error(`passwords need at least ${MIN_PASSWORD_LENGTH} characters`);
  const values = {
    email: input.email.toLowerCase(),
    name: input.name,
    password_hash: await hashPassword(input.password),
    tenant_id: input.partnerId,
    is_platform_admin: input.partnerId === null,
  };
  const insert = (tx: Parameters<Parameters<Database['withPlatform']>[0]>[0]) =>
    tx.insertInto('users').values(values).returning('id').executeTakeFirstOrThrow();
  return input.partnerId ? db.withTenant(input.partnerId, insert) : db.withPlatform(insert);
}
