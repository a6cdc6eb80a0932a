// The checked-in Kysely types are what kysely-codegen makes of the migrated schema.
import fs from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DB_TYPES_FILE, generateDbTypes } from '../scripts/db-types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

it('src/platform/db/schema.ts is up to date (run `npm run db:types` after a migration)', async () => {
  const generated = await generateDbTypes(database.ownerUrl);
  expect(await fs.readFile(DB_TYPES_FILE, 'utf8')).toBe(generated);
});
