import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';
import { api } from './client';
import type { Page, Query } from './client';

export const SORT_KEYS = ['name', '-name', 'created_at', '-created_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const DEFAULT_SORT: SortKey = 'name';

export const PAGE_SIZE = 50;

/** Filters of a list as they live in the URL: `?q=...&sort=...&deleted=1`. */
export type ListSearch = {
  q?: string;
  sort?: SortKey;
  deleted?: 1;
};

function isSortKey(value: unknown): value is SortKey {
  return typeof value === 'string' && (SORT_KEYS as readonly string[]).includes(value);
}

/** validateSearch for every list route; unknown or malformed values are dropped. */
export function validateListSearch(search: Record<string, unknown>): ListSearch {
  const out: ListSearch = {};
  const q = search.q;
  if ((typeof q === 'string' || typeof q === 'number') && String(q).trim() !== '') {
    out.q = String(q);
  }
  if (isSortKey(search.sort) && search.sort !== DEFAULT_SORT) out.sort = search.sort;
  const deleted = search.deleted;
  if (deleted === 1 || deleted === '1' || deleted === true || deleted === 'true') out.deleted = 1;
  return out;
}

/** What the API needs for a list: normalised so equal filters share a cache entry. */
export interface ListParams {
  q: string;
  sort: SortKey;
  includeDeleted: boolean;
}

export function toListParams(search: ListSearch): ListParams {
  return {
    q: search.q?.trim() ?? '',
    sort: search.sort ?? DEFAULT_SORT,
    includeDeleted: search.deleted === 1,
  };
}

/**
 * A cursor-paginated list ("Load more" via next_cursor). Keeps showing the
 * previous rows while a new filter loads, so the table does not flash.
 * `filters` are the list's own field filters (`status=invited`).
 */
export function useCursorList<T>(queryKey: QueryKey, path: string, params: ListParams, enabled = true, filters: Query = {}) {
  return useInfiniteQuery({
    queryKey: [...queryKey, params, filters],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<T>>(
        path,
        {
          ...filters,
          limit: PAGE_SIZE,
          cursor: pageParam ?? undefined,
          sort: params.sort,
          q: params.q || undefined,
          include_deleted: params.includeDeleted || undefined,
          include_total: pageParam === null ? true : undefined,
        },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** Flattens the pages and reads the total from the first page, when sent. */
export function flattenPages<T>(pages: Page<T>[] | undefined): { items: T[]; total: number | null } {
  if (!pages || pages.length === 0) return { items: [], total: null };
  const items = pages.flatMap((p) => p.items);
  const total = pages[0]?.total;
  return { items, total: typeof total === 'number' ? total : null };
}
