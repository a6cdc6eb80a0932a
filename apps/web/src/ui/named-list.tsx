import { SearchX } from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { toListParams } from '../api/list';
import type { ListSearch } from '../api/list';
import { Button } from './button';
import { cursorListProps, DataTable } from './data-table';
import type { Column } from './data-table';
import { DeletedBadge } from './deleted-badge';
import { EmptyState } from './empty-state';
import { formatCount } from './format';
import { CheckboxToggle, ListToolbar, SearchInput } from './list-toolbar';
import { RowActions } from './row-actions';
import { Time } from './time';
import { Truncate } from './truncate';

/**
 * The lists of named things (partners, organizations, sites): a name that links
 * to the thing, soft delete with “Show deleted” and Restore, a created date.
 */
export interface NamedRow {
  id: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
}

/** Which dialog of a named list is open, and for which row. */
export type NamedListDialog<T> = { kind: 'create' } | { kind: 'edit'; row: T } | { kind: 'delete'; row: T } | null;

/** id of the cell holding a row's name: the row's other links and actions are described by it. */
export function nameCellId(prefix: string, id: string): string {
  return `${prefix}-${id}-name`;
}

/** Props for the router link a column renders (the kit does not know the routes). */
export interface NamedListLinkProps {
  className: string;
  children: ReactNode;
  'aria-describedby'?: string;
}

/** The Name column: a link to the row, or plain text and a Deleted badge once it is deleted. */
export function nameColumn<T extends NamedRow>({
  idPrefix,
  skeletonClassName,
  renderLink,
}: {
  /** "organization" gives the cell the id `organization-<id>-name`. */
  idPrefix: string;
  skeletonClassName: string;
  renderLink: (row: T, props: NamedListLinkProps) => ReactNode;
}): Column<T> {
  return {
    id: 'name',
    header: 'Name',
    sortField: 'name',
    skeletonClassName,
    cell: (row) => (
      <div id={nameCellId(idPrefix, row.id)} className="flex min-w-0 items-center gap-2">
        {row.deleted_at ? (
          <Truncate text={row.name} className="text-muted-foreground" />
        ) : (
          renderLink(row, {
            className: 'min-w-0 font-medium text-foreground hover:text-link hover:underline',
            children: <Truncate text={row.name} />,
          })
        )}
        {row.deleted_at ? <DeletedBadge deletedAt={row.deleted_at} /> : null}
      </div>
    ),
  };
}

/** The Description column, hidden on narrow screens. */
export function descriptionColumn<T extends NamedRow & { description: string | null }>({
  skeletonClassName,
}: {
  skeletonClassName: string;
}): Column<T> {
  return {
    id: 'description',
    header: 'Description',
    className: 'hidden text-muted-foreground lg:table-cell',
    skeletonClassName,
    cell: (row) => (row.description ? <Truncate text={row.description} /> : <span aria-label="None">—</span>),
  };
}

/** A count of the row's children that links to them (plain text once the row is deleted). */
export function countColumn<T extends NamedRow>({
  id,
  header,
  className,
  skeletonClassName,
  idPrefix,
  count,
  noun,
  renderLink,
}: {
  id: string;
  header: string;
  className: string;
  skeletonClassName: string;
  /** The name column's idPrefix: the link is described by the row's name. */
  idPrefix: string;
  count: (row: T) => number;
  /** What is counted, for screen readers: ["site", "sites"]. */
  noun: [string, string];
  renderLink: (row: T, props: NamedListLinkProps) => ReactNode;
}): Column<T> {
  return {
    id,
    header,
    className,
    skeletonClassName,
    cell: (row) => {
      const n = count(row);
      return row.deleted_at ? (
        <span className="text-muted-foreground">{formatCount(n)}</span>
      ) : (
        renderLink(row, {
          'aria-describedby': nameCellId(idPrefix, row.id),
          className: 'text-link hover:underline',
          children: (
            <>
              {formatCount(n)}
              <span className="sr-only">{n === 1 ? ` ${noun[0]}` : ` ${noun[1]}`}</span>
            </>
          ),
        })
      );
    },
  };
}

/** The Created column, sortable, hidden on small screens. */
export function createdColumn<T extends NamedRow>(): Column<T> {
  return {
    id: 'created',
    header: 'Created',
    sortField: 'created_at',
    className: 'hidden w-36 text-muted-foreground md:table-cell',
    skeletonClassName: 'w-20',
    cell: (row) => <Time value={row.created_at} />,
  };
}

/** Edit and Delete, or Restore once the row is deleted. */
export function rowActionsColumn<T extends NamedRow>({
  idPrefix,
  onEdit,
  onDelete,
  onRestore,
  isRestoring,
}: {
  /** The name column's idPrefix: the buttons are described by the row's name. */
  idPrefix: string;
  onEdit: (row: T) => void;
  onDelete: (row: T) => void;
  onRestore: (row: T) => void;
  isRestoring: (row: T) => boolean;
}): Column<T> {
  return {
    id: 'actions',
    header: 'Actions',
    srOnlyHeader: true,
    className: 'w-44 text-right',
    skeletonClassName: 'ml-auto w-24',
    cell: (row) => (
      <RowActions
        deleted={row.deleted_at !== null}
        describedBy={nameCellId(idPrefix, row.id)}
        onEdit={() => onEdit(row)}
        onDelete={() => onDelete(row)}
        onRestore={() => onRestore(row)}
        restoring={isRestoring(row)}
      />
    ),
  };
}

export interface NamedListTableProps<T extends NamedRow> {
  /** Names the table for screen readers. */
  label: string;
  /** ["organization", "organizations"]: counts, search label and empty states. */
  noun: [string, string];
  columns: Column<T>[];
  list: Parameters<typeof cursorListProps>[0];
  rows: T[];
  total: number | null;
  search: ListSearch;
  onSearchChange: (patch: Partial<ListSearch>) => void;
  /** The “New …” button, or null when the user may not create. */
  createButton: ReactNode;
  /** The empty state of a list with nothing in it yet. */
  emptyIcon: LucideIcon;
  emptyDescription: ReactNode;
}

/** Search, “Show deleted” and the table of a named list, with its empty states. */
export function NamedListTable<T extends NamedRow>({
  label,
  noun,
  columns,
  list,
  rows,
  total,
  search,
  onSearchChange,
  createButton,
  emptyIcon,
  emptyDescription,
}: NamedListTableProps<T>) {
  const params = toListParams(search);
  const filtered = params.q !== '';
  const listIsEmpty = list.status === 'success' && rows.length === 0 && !filtered;
  const [singular, pluralNoun] = noun;

  return (
    <>
      <ListToolbar actions={listIsEmpty ? null : createButton}>
        <SearchInput label={`Search ${pluralNoun}`} value={search.q ?? ''} onChange={(q) => onSearchChange({ q })} />
        <CheckboxToggle
          label="Show deleted"
          checked={params.includeDeleted}
          onChange={(checked) => onSearchChange({ deleted: checked ? 1 : undefined })}
        />
      </ListToolbar>
      <DataTable
        label={label}
        noun={noun}
        columns={columns}
        rows={rows}
        rowKey={(row) => row.id}
        rowClassName={(row) => (row.deleted_at ? 'bg-muted/40' : undefined)}
        sort={params.sort}
        onSortChange={(sort) => onSearchChange({ sort })}
        {...cursorListProps(list)}
        total={total}
        empty={
          filtered ? (
            <EmptyState
              icon={SearchX}
              title={`No ${pluralNoun} match “${params.q}”`}
              description={`Check the spelling, or clear the search to see every ${singular}.`}
              action={<Button onClick={() => onSearchChange({ q: undefined })}>Clear search</Button>}
            />
          ) : (
            <EmptyState
              icon={emptyIcon}
              title={`No ${pluralNoun} yet — create the first one`}
              description={emptyDescription}
              action={createButton}
            />
          )
        }
      />
    </>
  );
}
