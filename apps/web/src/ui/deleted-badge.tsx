import { Trash2 } from 'lucide-react';
import { Badge } from './badge';
import { formatDateTime } from './format';

export function DeletedBadge({ deletedAt }: { deletedAt: string }) {
  return (
    <Badge tone="danger" title={`Deleted ${formatDateTime(deletedAt)}`}>
      <Trash2 aria-hidden="true" />
      Deleted
    </Badge>
  );
}
