import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Reads a secret kept in the data folder, creating it with mode 0600 on first use.
 * The file is written exclusively so two processes starting at once agree on one value.
 */
export async function readOrCreateSecretFile(file: string, create: () => string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const value = create();
  try {
    await fs.writeFile(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw error;
  }
}
