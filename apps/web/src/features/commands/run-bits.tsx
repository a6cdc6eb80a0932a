import { Link } from '@tanstack/react-router';
import { ArrowLeft, Ban, CheckCircle2, Clock, Hourglass, Loader2, Send, ShieldQuestion, TimerOff, XCircle } from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import type { Approval, RunStatus } from './api';

/* Small pieces the command pages share: a run's status, a task's approval. */

const STATUS: Record<
  RunStatus,
  { label: string; tone: 'neutral' | 'success' | 'warning' | 'danger' | 'accent'; icon: LucideIcon; spin?: boolean }
> = {
  queued: { label: 'Queued', tone: 'neutral', icon: Clock },
  sent: { label: 'Sent', tone: 'accent', icon: Send },
  running: { label: 'Running', tone: 'accent', icon: Loader2, spin: true },
  succeeded: { label: 'Succeeded', tone: 'success', icon: CheckCircle2 },
  failed: { label: 'Failed', tone: 'danger', icon: XCircle },
  timed_out: { label: 'Timed out', tone: 'danger', icon: TimerOff },
  cancelled: { label: 'Cancelled', tone: 'neutral', icon: Ban },
  expired: { label: 'Expired', tone: 'warning', icon: Hourglass },
};

export function runStatusLabel(status: RunStatus): string {
  return STATUS[status]?.label ?? status;
}

/** Icon and word, never colour alone. */
export function RunStatusBadge({ status }: { status: RunStatus }) {
  const s = STATUS[status] ?? { label: status, tone: 'neutral' as const, icon: Clock };
  const Icon = s.icon;
  return (
    <Badge tone={s.tone} data-testid="run-status">
      <Icon aria-hidden="true" className={s.spin ? 'animate-spin' : undefined} />
      {s.label}
    </Badge>
  );
}

export function ApprovalBadge({ approval }: { approval: Approval }) {
  if (approval === 'pending') {
    return (
      <Badge tone="warning">
        <ShieldQuestion aria-hidden="true" />
        Waiting for approval
      </Badge>
    );
  }
  if (approval === 'approved') {
    return (
      <Badge tone="success">
        <CheckCircle2 aria-hidden="true" />
        Approved
      </Badge>
    );
  }
  if (approval === 'rejected') {
    return (
      <Badge tone="danger">
        <XCircle aria-hidden="true" />
        Rejected
      </Badge>
    );
  }
  return null;
}

/** The way back from a run or a task to the history. */
export function AllRunsLink({ partnerId }: { partnerId: string }) {
  return (
    <Button asChild>
      <Link to="/partners/$partnerId/runs" params={{ partnerId }}>
        <ArrowLeft aria-hidden="true" />
        All runs
      </Link>
    </Button>
  );
}
