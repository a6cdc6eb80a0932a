import { CircleCheck, CirclePause } from 'lucide-react';
import { Badge } from '../../ui/badge';
import type { Partner } from './api';

export function PartnerStatusBadge({ status }: { status: Partner['status'] }) {
  if (status === 'suspended') {
    return (
      <Badge tone="warning">
        <CirclePause aria-hidden="true" />
        Suspended
      </Badge>
    );
  }
  return (
    <Badge tone="success">
      <CircleCheck aria-hidden="true" />
      Active
    </Badge>
  );
}
