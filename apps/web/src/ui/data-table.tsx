import { AlertTriangle, ArrowDown, ArrowUp, ChevronsUpDown, RotateCw } from 'lucide-react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';
import type { SortKey } from '../api/list';
import { Button } from './button';
import { cn } from './cn';
import { EmptyState } from './empty-state';
import { plural } from './format';
import { Skeleton } from './skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from './table';

export type SortField = 'name' | 'created_at';

export interface Column<T, F extends string = SortField> {
  id: string;
  header: string;
  /** Makes the header a sort button for this API sort field. */
  sortField?: F;
  cell: (row: T) => ReactNode;
  /** Applied to both the header and the cells (widths, alignment, hiding). */
  className?: string;
  /** Header text visually hidden (e.g. the actions column). */
  srOnlyHeader?: boolean;
  /** Width of the skeleton bar while loading. */
  skeletonClassName?: string;
}

export interface DataTableProps<T, S extends string = SortKey, F extends string = SortField> {
  /** Names the table for screen readers ("Organizations"). */
  label: string;
  /** Noun for counts: ["organization", "organizations"]. */
  noun: [string, string];
  columns: Column<T, F>[];
  rows: T[];
  rowKey: (row: T) => string;
  rowClassName?: (row: T) => string | undefined;
  sort: S;
  onSortChange: (sort: S) => void;
  /**
   * The sort a click on a header asks for. Only needed for lists whose sort
   * fields are not the common name/created_at pair (e.g. devices).
   */
  nextSort?: (current: S, field: F) => S;
  status: 'pending' | 'error' | 'success';
  error: unknown;
  onRetry: () => void;
  /** Shown instead of the table when the list loaded and has no rows. */
  empty: ReactNode;
  total: number | null;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  onLoadMore: () => void;
  /** A refetch with new filters is in flight while old rows are shown. */
  isRefreshing?: boolean;
  /** Row selection for bulk actions: a checkbox per row and one for every row shown. */
  selection?: RowSelection<T>;
}

export interface RowSelection<T> {
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
  /** Names the row's checkbox ("Select web-01"). */
  rowLabel: (row: T) => string;
}

function SelectAll<T>({ rows, rowKey, selection }: { rows: T[]; rowKey: (row: T) => string; selection: RowSelection<T> }) {
  const keys = rows.map(rowKey);
  const chosen = keys.filter((k) => selection.selected.has(k)).length;
  return (
    <input
      type="checkbox"
      aria-label="Select every row shown"
      className="size-4 cursor-pointer rounded border-input align-middle accent-primary"
      checked={keys.length > 0 && chosen === keys.length}
      ref={(el) => {
        if (el) el.indeterminate = chosen > 0 && chosen < keys.length;
      }}
      onChange={(e) => {
        const next = new Set(selection.selected);
        for (const k of keys) {
          if (e.target.checked) next.add(k);
          else next.delete(k);
        }
        selection.onChange(next);
      }}
    />
  );
}

/** What DataTable reads from a cursor list's query (a useInfiniteQuery result). */
interface CursorListQuery {
  status: 'pending' | 'error' | 'success';
  error: unknown;
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  isPlaceholderData: boolean;
}

/**
 * The DataTable props that follow from a cursor list's query: its loading and
 * error states, Retry, Load more, and the dimmed rows while new filters load.
 * `<DataTable {...cursorListProps(list)} rows={items} total={total} … />`
 */
export function cursorListProps(
  list: CursorListQuery,
): Pick<
  DataTableProps<unknown>,
  'status' | 'error' | 'onRetry' | 'hasNextPage' | 'isFetchingNextPage' | 'onLoadMore' | 'isRefreshing'
> {
  return {
    status: list.status,
    error: list.error,
    onRetry: () => void list.refetch(),
    hasNextPage: list.hasNextPage,
    isFetchingNextPage: list.isFetchingNextPage,
    onLoadMore: () => void list.fetchNextPage(),
    isRefreshing: list.isPlaceholderData,
  };
}

function defaultNextSort(current: SortKey, field: SortField): SortKey {
  if (field === 'name') return current === 'name' ? '-name' : 'name';
  // Dates: newest first on the first click.
  return current === '-created_at' ? 'created_at' : '-created_at';
}

function sortDirection(current: string, field: string): 'ascending' | 'descending' | undefined {
  if (current === field) return 'ascending';
  if (current === `-${field}`) return 'descending';
  return undefined;
}

/** The one list table: sortable headers, loading skeleton, empty and error states, Load more. */
export function DataTable<T, S extends string = SortKey, F extends string = SortField>({
  label,
  noun,
  columns,
  rows,
  rowKey,
  rowClassName,
  sort,
  onSortChange,
  nextSort,
  status,
  error,
  onRetry,
  empty,
  total,
  hasNextPage,
  isFetchingNextPage,
  onLoadMore,
  isRefreshing = false,
  selection,
}: DataTableProps<T, S, F>) {
  const cycleSort = nextSort ?? (defaultNextSort as unknown as (current: S, field: F) => S);
  if (status === 'error') {
    return (
      <EmptyState
        role="alert"
        tone="danger"
        icon={AlertTriangle}
        title={`Could not load ${noun[1]}`}
        description={errorMessage(error)}
        action={
          <Button onClick={onRetry}>
            <RotateCw aria-hidden="true" />
            Retry
          </Button>
        }
      />
    );
  }

  if (status === 'success' && rows.length === 0) return <>{empty}</>;

  const loading = status === 'pending';

  return (
    <div aria-busy={loading || isRefreshing || undefined}>
      <Table className={cn('table-fixed', isRefreshing && 'opacity-70 transition-opacity')}>
        <TableCaption>{label}</TableCaption>
        <TableHeader>
          <tr>
            {selection ? (
              <TableHead scope="col" className="w-10 pr-0">
                <SelectAll rows={rows} rowKey={rowKey} selection={selection} />
              </TableHead>
            ) : null}
            {columns.map((column) => {
              const direction = column.sortField ? sortDirection(sort, column.sortField) : undefined;
              const SortIcon = direction === 'ascending' ? ArrowUp : direction === 'descending' ? ArrowDown : ChevronsUpDown;
              return (
                <TableHead
                  key={column.id}
                  scope="col"
                  aria-sort={column.sortField ? (direction ?? 'none') : undefined}
                  className={column.className}
                >
                  {column.sortField ? (
                    <button
                      type="button"
                      onClick={() => onSortChange(cycleSort(sort, column.sortField as F))}
                      className={cn(
                        '-mx-1.5 inline-flex cursor-pointer items-center gap-1 rounded px-1.5 py-0.5 hover:bg-hover hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring',
                        direction && 'text-foreground',
                      )}
                    >
                      {column.header}
                      <SortIcon className={cn('size-3.5', !direction && 'opacity-50')} aria-hidden="true" />
                      <span className="sr-only">{direction ? `, sorted ${direction}` : ', sortable'}</span>
                    </button>
                  ) : (
                    <span className={cn(column.srOnlyHeader && 'sr-only')}>{column.header}</span>
                  )}
                </TableHead>
              );
            })}
          </tr>
        </TableHeader>
        <TableBody>
          {loading
            ? Array.from({ length: 6 }, (_, i) => (
                <TableRow key={i} className="hover:bg-transparent">
                  {selection ? <TableCell className="w-10 pr-0" /> : null}
                  {columns.map((column) => (
                    <TableCell key={column.id} className={column.className}>
                      <Skeleton className={cn('h-3.5 w-24', column.skeletonClassName)} />
                    </TableCell>
                  ))}
                </TableRow>
              ))
            : rows.map((row) => (
                <TableRow
                  key={rowKey(row)}
                  className={cn(rowClassName?.(row), selection?.selected.has(rowKey(row)) && 'bg-link/5')}
                >
                  {selection ? (
                    <TableCell className="w-10 pr-0">
                      <input
                        type="checkbox"
                        aria-label={`Select ${selection.rowLabel(row)}`}
                        className="size-4 cursor-pointer rounded border-input align-middle accent-primary"
                        checked={selection.selected.has(rowKey(row))}
                        onChange={(e) => {
                          const next = new Set(selection.selected);
                          if (e.target.checked) next.add(rowKey(row));
                          else next.delete(rowKey(row));
                          selection.onChange(next);
                        }}
                      />
                    </TableCell>
                  ) : null}
                  {columns.map((column) => (
                    <TableCell key={column.id} className={column.className}>
                      {column.cell(row)}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
        </TableBody>
      </Table>
      {loading ? (
        <p className="sr-only" role="status">
          Loading {noun[1]}…
        </p>
      ) : (
        <div className="flex min-h-11 items-center justify-between gap-3 border-t border-border px-3 py-2 text-xs text-muted-foreground">
          <span role="status">
            {total !== null && total > rows.length
              ? `Showing ${rows.length.toLocaleString()} of ${plural(total, noun[0], noun[1])}`
              : total === null && hasNextPage
                ? `Showing the first ${plural(rows.length, noun[0], noun[1])}`
                : plural(total ?? rows.length, noun[0], noun[1])}
          </span>
          {hasNextPage ? (
            <Button size="sm" onClick={onLoadMore} loading={isFetchingNextPage}>
              Load more
            </Button>
          ) : null}
        </div>
      )}
    </div>
  );
}
