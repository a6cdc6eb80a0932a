import { Pencil, RotateCcw, Trash2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from './button';

export interface RowActionsProps {
  /** A deleted row offers Restore only. */
  deleted?: boolean;
  /** id of the cell holding the row's name: screen readers hear "Delete, Acme". */
  describedBy: string;
  onEdit: () => void;
  onDelete: () => void;
  onRestore?: () => void;
  restoring?: boolean;
  /** More actions before Edit (e.g. Run now); give them `aria-describedby={describedBy}` too. */
  children?: ReactNode;
}

export function RowActions({ deleted, describedBy, onEdit, onDelete, onRestore, restoring, children }: RowActionsProps) {
  if (deleted) {
    return (
      <div className="flex justify-end">
        <Button size="sm" variant="ghost" aria-describedby={describedBy} onClick={onRestore} loading={restoring}>
          {restoring ? null : <RotateCcw aria-hidden="true" />}
          Restore
        </Button>
      </div>
    );
  }
  return (
    <div className="flex justify-end gap-0.5">
      {children}
      <Button size="sm" variant="subtle" aria-describedby={describedBy} onClick={onEdit}>
        <Pencil aria-hidden="true" />
        Edit
      </Button>
      <Button size="sm" variant="destructive-subtle" aria-describedby={describedBy} onClick={onDelete}>
        <Trash2 aria-hidden="true" />
        Delete
      </Button>
    </div>
  );
}
