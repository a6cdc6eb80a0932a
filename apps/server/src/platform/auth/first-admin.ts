import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { createUserWithPassword } from './users.js';

export const INITIAL_CREDENTIALS_FILE = 'initial-admin.txt';

export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/**
 * First start: creates the platform admin. There is no setup page or endpoint at
 * all, so nothing can be re-run later through an alternate path (security.md 7).
 * Returns the password only when it was generated now, so it is shown once.
 */
export async function ensureFirstAdmin(
  db: Database,
  opts: { email: string; password: string | null; dataDir: string },
): Promise<{ created: boolean; email: string; generatedPassword: string | null }> {
  const existing = await db.withPlatform((tx) =>
    tx
      .selectFrom('users')
      .select('email')
      .where('is_platform_admin', '=', true)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  );
  if (existing) return { created: false, email: existing.email, generatedPassword: null };
  const password = opts.password ?? generatePassword();
  try {
    await createUserWithPassword(db, { email: opts.email, name: 'Platform admin', password, partnerId: null, roleKey: 'owner' });
  } catch (error) {
    // Another process of the cluster created it first.
    if ((error as { code?: string }).code === '23505') return { created: false, email: opts.email, generatedPassword: null };
    throw error;
  }
  const generatedPassword = opts.password ? null : password;
  if (generatedPassword) {
    await appendCredentials(opts.dataDir, `platform admin: ${opts.email} / ${generatedPassword}`);
  }
  return { created: true, email: opts.email, generatedPassword };
}

/** Writes first-run credentials where only this machine's owner can read them (mode 0600). */
export async function appendCredentials(dataDir: string, line: string): Promise<void> {
  const file = path.join(dataDir, INITIAL_CREDENTIALS_FILE);
  await fs.mkdir(dataDir, { recursive: true });
  await fs.appendFile(file, line + '\n', { mode: 0o600 });
  await fs.chmod(file, 0o600);
}
