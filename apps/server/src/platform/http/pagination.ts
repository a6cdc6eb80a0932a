import { sql, type SelectQueryBuilder } from 'kysely';
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
