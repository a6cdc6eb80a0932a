import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { isUuid } from '../db/database.js';
import { AppError } from './errors.js';
import type { ListQuery } from './schemas.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number;
}

/**
 * Keyset pagination shared by every list: sort by name (case-insensitive) or
 * created_at, ties broken by id, cursor = the last row's sort key and id. Search
 * is a case-insensitive substring match on name. `table` is the alias of the
 * listed table in the query.
 */
export function paginate<DB, TB extends keyof DB & string, Row extends { id: string; name: string; created_at: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  table: TB,
  params: ListQuery,
): Promise<Page<Row>> {
  const sortParam = params.sort ?? 'name';
  const descending = sortParam.startsWith('-');
  const sort: SortOrder<Row> =
    sortParam.replace(/^-/, '') === 'name'
      ? { expr: sql`lower(${sql.ref(`${table}.name`)})`, type: 'text', valueOf: (r) => r.name.toLowerCase(), descending }
      : { expr: sql.ref(`${table}.created_at`), type: 'timestamptz', valueOf: (r) => r.created_at, descending };

  let q = query;
  if (!params.include_deleted) q = q.where(sql.ref(`${table}.deleted_at`), 'is', null);
  if (params.q) q = q.where(sql<boolean>`${sql.ref(`${table}.name`)} ilike ${'%' + escapeLike(params.q) + '%'}`);
  return paginateBy(q, `${table}.id`, sort, params);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** A sort order for paginateBy: an SQL expression that is never null, and its value in a row. */
export interface SortOrder<Row> {
  expr: RawBuilder<unknown>;
  /** The SQL type the cursor value is cast back to. */
  type: 'text' | 'timestamptz' | 'int';
  valueOf: (row: Row) => string | number;
  descending: boolean;
}

/**
 * Keyset pagination on any sort expression, ties broken by `idRef`; cursor =
 * the last row's sort value and id. For lists whose sorts go beyond name and
 * created_at (e.g. devices by last seen or status).
 */
export async function paginateBy<DB, TB extends keyof DB & string, Row extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  idRef: string,
  sort: SortOrder<Row>,
  params: { limit?: number; cursor?: string; include_total?: boolean },
): Promise<Page<Row>> {
  const limit = params.limit ?? 50;
  const id = sql.ref(idRef);
  let q = query;
  const total = params.include_total
    ? Number(
        (
          (await q
            .clearSelect()
            .select(sql<number>`count(*)`.as('n'))
            .executeTakeFirst()) as { n: number } | undefined
        )?.n ?? 0,
      )
    : undefined;
  if (params.cursor) {
    const [value, lastId] = decodeCursor(params.cursor, sort.type);
    const cmp = sql.raw(sort.descending ? '<' : '>');
    q = q.where(sql<boolean>`(${sort.expr}, ${id}) ${cmp} (cast(${value} as ${sql.raw(sort.type)}), ${lastId}::uuid)`);
  }
  const dir = sql.raw(sort.descending ? 'desc' : 'asc');
  const rows = await q
    .orderBy(sql`${sort.expr} ${dir}`)
    .orderBy(sql`${id} ${dir}`)
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit) as Row[];
  const last = items[items.length - 1];
  const next_cursor = rows.length > limit && last ? encodeCursor(String(sort.valueOf(last)), last.id) : null;
  return total === undefined ? { items, next_cursor } : { items, next_cursor, total };
}

function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string, type: SortOrder<unknown>['type']): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      isUuid(parsed[1]) &&
      (type !== 'timestamptz' || parsed[0] === '-infinity' || !Number.isNaN(Date.parse(parsed[0]))) &&
      (type !== 'int' || /^-?\d{1,9}$/.test(parsed[0]))
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor is not valid for this list and sort', { field: 'cursor' });
}
