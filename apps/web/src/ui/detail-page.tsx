import { Pencil, RotateCcw, Trash2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Alert } from './alert';
import { Button } from './button';
import { Card, CardContent, CardHeader, CardTitle } from './card';
import { DescriptionList } from './description-list';
import type { DescriptionItem } from './description-list';
import { formatDateTime } from './format';
import { Skeleton } from './skeleton';

/** Edit and Delete in the header of a detail page. */
export function EditDeleteActions({ onEdit, onDelete }: { onEdit: () => void; onDelete: () => void }) {
  return (
    <>
      <Button onClick={onEdit}>
        <Pencil aria-hidden="true" />
        Edit
      </Button>
      <Button variant="destructive-ghost" onClick={onDelete}>
        <Trash2 aria-hidden="true" />
        Delete
      </Button>
    </>
  );
}

/** The warning on the page of a deleted thing, with Restore for those who may restore it. */
export function DeletedAlert({
  thing,
  deletedAt,
  canRestore,
  restoring,
  onRestore,
  children,
}: {
  /** "organization": “This organization was deleted …”. */
  thing: string;
  deletedAt: string;
  canRestore: boolean;
  restoring: boolean;
  onRestore: () => void;
  /** What deleting it means, under the title. */
  children: ReactNode;
}) {
  return (
    <Alert
      tone="warning"
      title={`This ${thing} was deleted ${formatDateTime(deletedAt)}`}
      action={
        canRestore ? (
          <Button size="sm" loading={restoring} onClick={onRestore}>
            {restoring ? null : <RotateCcw aria-hidden="true" />}
            Restore
          </Button>
        ) : null
      }
    >
      {children}
    </Alert>
  );
}

/** The Description item of a Details card: the whole width, or “No description”. */
export function descriptionItem(description: string | null): DescriptionItem {
  return {
    label: 'Description',
    wide: true,
    value: description ? (
      <p className="whitespace-pre-wrap">{description}</p>
    ) : (
      <span className="text-muted-foreground">No description</span>
    ),
  };
}

/** The Details card of a detail page; a skeleton while the thing loads (`items` null). */
export function DetailsCard({ thing, items }: { thing: string; items: DescriptionItem[] | null }) {
  const headingId = `${thing}-details-heading`;
  return (
    <Card aria-labelledby={headingId}>
      <CardHeader>
        <CardTitle id={headingId}>Details</CardTitle>
      </CardHeader>
      <CardContent className="py-4">
        {items ? (
          <DescriptionList items={items} />
        ) : (
          <div className="grid gap-3" aria-busy="true">
            <Skeleton className="h-4 w-2/3" />
            <Skeleton className="h-4 w-1/3" />
            <span className="sr-only" role="status">
              {`Loading ${thing}…`}
            </span>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

/** The loading state of a detail page: its title, a summary and a list. */
export function DetailPageSkeleton({ thing }: { thing: string }) {
  return (
    <div className="grid gap-5" aria-busy="true">
      <Skeleton className="h-7 w-72" />
      <Skeleton className="h-28" />
      <Skeleton className="h-64" />
      <span className="sr-only" role="status">
        {`Loading ${thing}…`}
      </span>
    </div>
  );
}
