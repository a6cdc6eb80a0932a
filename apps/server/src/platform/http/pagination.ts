import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { AppError } from './errors.js';
import type { ListQuery } from './schemas.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number;
}

type SortKey = 'name' | 'created_at';

/**
 * Keyset pagination shared by every list: sort by name (case-insensitive) or
 * created_at, ties broken by id, cursor = the last row's sort key and id. Search
 * is a case-insensitive substring match on name. `table` is the alias of the
 * listed table in the query.
 */
export async function paginate<DB, TB extends keyof DB & string, Row extends { id: string; name: string; created_at: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  table: TB,
  params: ListQuery,
): Promise<Page<Row>> {
  const limit = params.limit ?? 50;
  const sortParam = params.sort ?? 'name';
  const descending = sortParam.startsWith('-');
  const key = sortParam.replace(/^-/, '') as SortKey;
  const column = key === 'name' ? sql`lower(${sql.ref(`${table}.name`)})` : sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);

  let q = query;
  if (!params.include_deleted) q = q.where(sql.ref(`${table}.deleted_at`), 'is', null);
  if (params.q) q = q.where(sql<boolean>`${sql.ref(`${table}.name`)} ilike ${'%' + escapeLike(params.q) + '%'}`);

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
    const [value, lastId] = decodeCursor(params.cursor, key);
    const cmp = descending ? sql.raw('<') : sql.raw('>');
    const typed = key === 'created_at' ? sql`${value}::timestamptz` : sql`${value}`;
    q = q.where(sql<boolean>`(${column}, ${id}) ${cmp} (${typed}, ${lastId}::uuid)`);
  }
  const dir = sql.raw(descending ? 'desc' : 'asc');
  const rows = await q
    .orderBy(sql`${column} ${dir}`)
    .orderBy(sql`${id} ${dir}`)
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit) as Row[];
  const last = items[items.length - 1];
  const next_cursor =
    rows.length > limit && last ? encodeCursor(key === 'name' ? last.name.toLowerCase() : last.created_at, last.id) : null;
  return total === undefined ? { items, next_cursor } : { items, next_cursor, total };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string, key: SortKey): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(parsed[1]) &&
      (key !== 'created_at' || !Number.isNaN(Date.parse(parsed[0])))
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'cursor is not valid for this list and sort', { field: 'cursor' });
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
    const [value, lastId] = decodeKeysetCursor(params.cursor, sort.type);
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
  const next_cursor =
    rows.length > limit && last ? Buffer.from(JSON.stringify([String(sort.valueOf(last)), last.id])).toString('base64url') : null;
  return total === undefined ? { items, next_cursor } : { items, next_cursor, total };
}

function decodeKeysetCursor(cursor: string, type: SortOrder<unknown>['type']): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(parsed[1]) &&
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
