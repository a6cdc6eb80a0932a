import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const DB_TYPES_FILE = path.resolve(import.meta.dirname, '../src/platform/db/schema.ts');
const CODEGEN = path.resolve(import.meta.dirname, '../../../node_modules/.bin/kysely-codegen');

/** Kysely types of the migrated schema, as kysely-codegen prints them for this database. */
export async function generateDbTypes(ownerUrl: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    CODEGEN,
    [
      '--url',
      ownerUrl,
      '--dialect',
      'postgres',
      '--include-pattern',
      'public.*',
      '--exclude-pattern',
      'public.schema_migrations',
      '--type-mapping',
      JSON.stringify({ timestamptz: 'string', int8: 'number' }),
      '--print',
      '--log-level',
      'error',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return '// Generated from the migrated schema by `npm run db:types`; a test fails when it is stale.\n' + stdout.trim() + '\n';
}
