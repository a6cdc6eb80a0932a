import { sql } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { paginateBy, type Page } from '../../platform/http/pagination.js';
import type { Script, ScriptQuery, StoredParameter } from './scripts.schemas.js';

/**
 * All SQL of the script library. RLS shows a partner its own scripts and the
 * platform's (tenant_id null); writes can only ever touch its own.
 */

/** The fields one saved version of a script holds. */
export interface ScriptContent {
  name: string;
  description: string;
  category: string;
  language: Script['language'];
  target_os: Script['target_os'];
  body: string;
  parameters: StoredParameter[];
  default_timeout_seconds: number;
  run_as: Script['run_as'];
}

export type ScriptRow = Script & { tenant_id: string | null };

const displayName = (alias: string) =>
  sql<string | null>`coalesce(nullif(${sql.ref(`${alias}.name`)}, ''), ${sql.ref(`${alias}.email`)})`;

const scriptBase = (tx: Tx) =>
  tx
    .selectFrom('scripts as s')
    .leftJoin('users as u', 'u.id', 's.updated_by')
    .where('s.deleted_at', 'is', null)
    .select([
      's.id',
      's.tenant_id',
      sql<'partner' | 'platform'>`case when s.tenant_id is null then 'platform' else 'partner' end`.as('owner'),
      's.name',
      's.description',
      's.category',
      's.language',
      's.target_os',
      's.body',
      's.parameters',
      's.default_timeout_seconds',
      's.run_as',
      's.version',
      's.copied_from',
      's.created_at',
      's.updated_at',
      displayName('u').as('updated_by_name'),
    ]);

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

const contentOf = (c: ScriptContent) => ({ ...c, parameters: JSON.stringify(c.parameters) });

export const scriptsRepo = {
  list(tx: Tx, query: ScriptQuery): Promise<Page<ScriptRow>> {
    let q = scriptBase(tx);
    if (query.include_platform === false) q = q.where('s.tenant_id', 'is not', null);
    if (query.language) q = q.where('s.language', '=', query.language);
    if (query.os) q = q.where(sql<boolean>`${query.os} = any(s.target_os)`);
    if (query.category !== undefined) q = q.where(sql<boolean>`lower(s.category) = lower(${query.category.trim()})`);
    if (query.q) {
      const like = '%' + escapeLike(query.q) + '%';
      q = q.where((eb) =>
        eb.or([eb('s.name', 'ilike', like), eb('s.description', 'ilike', like), eb('s.category', 'ilike', like)]),
      );
    }
    return paginateBy(
      q,
      's.id',
      { expr: sql`lower(s.name)`, type: 'text', valueOf: (r) => r.name.toLowerCase(), descending: false },
      query,
    ) as unknown as Promise<Page<ScriptRow>>;
  },

  get: (tx: Tx, id: string) =>
    scriptBase(tx).where('s.id', '=', id).executeTakeFirst() as unknown as Promise<ScriptRow | undefined>,

  async insert(
    tx: Tx,
    tenantId: string,
    content: ScriptContent,
    by: string | null,
    copiedFrom: string | null = null,
  ): Promise<string> {
    const { id } = await tx
      .insertInto('scripts')
      .values({ tenant_id: tenantId, ...contentOf(content), copied_from: copiedFrom, created_by: by, updated_by: by })
      .returning('id')
      .executeTakeFirstOrThrow();
    await scriptsRepo.addVersion(tx, id, tenantId, 1, content, by);
    return id;
  },

  /** Saves the new content if `version` is still current; false when stale. Writes its history row. */
  async update(tx: Tx, id: string, tenantId: string, version: number, content: ScriptContent, by: string | null) {
    const row = await tx
      .updateTable('scripts')
      .set({ ...contentOf(content), updated_by: by, version: sql`version + 1` })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returning('version')
      .executeTakeFirst();
    if (!row) return false;
    await scriptsRepo.addVersion(tx, id, tenantId, row.version, content, by);
    return true;
  },

  softDelete: (tx: Tx, id: string, tenantId: string, by: string | null) =>
    tx
      .updateTable('scripts')
      .set({ deleted_at: sql`now()`, updated_by: by })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .execute(),

  addVersion: (tx: Tx, scriptId: string, tenantId: string, version: number, c: ScriptContent, by: string | null) =>
    tx
      .insertInto('script_versions')
      .values({ script_id: scriptId, tenant_id: tenantId, version, ...contentOf(c), edited_by: by })
      .execute(),

  versions: (tx: Tx, scriptId: string) =>
    tx
      .selectFrom('script_versions as v')
      .leftJoin('users as u', 'u.id', 'v.edited_by')
      .select([
        'v.version',
        'v.name',
        'v.description',
        'v.category',
        'v.language',
        'v.target_os',
        'v.body',
        'v.parameters',
        'v.default_timeout_seconds',
        'v.run_as',
        displayName('u').as('edited_by_name'),
        'v.edited_at',
      ])
      .where('v.script_id', '=', scriptId)
      .orderBy('v.version', 'desc')
      .execute() as unknown as Promise<(ScriptContent & { version: number; edited_by_name: string | null; edited_at: string })[]>,

  /** Every category in use (the partner's and the platform's), sorted. */
  categories: async (tx: Tx): Promise<string[]> =>
    (
      await sql<{ category: string }>`select min(category) as category from scripts
        where deleted_at is null and category <> '' group by lower(category) order by lower(min(category))`.execute(tx)
    ).rows.map((r) => r.category),
};
