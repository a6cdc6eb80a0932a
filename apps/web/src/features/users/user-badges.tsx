import { CircleCheck, CirclePause, MailQuestion } from 'lucide-react';
import { Badge } from '../../ui/badge';
import { roleScopeLabel } from './api';
import type { UserRole, UserStatus } from './api';

const STATUS = {
  active: { tone: 'success', icon: CircleCheck, label: 'Active' },
  invited: { tone: 'accent', icon: MailQuestion, label: 'Invited' },
  suspended: { tone: 'warning', icon: CirclePause, label: 'Suspended' },
} as const;

/** Status as icon + word (colour is only the third signal). */
export function UserStatusBadge({ status }: { status: UserStatus }) {
  const s = STATUS[status];
  const Icon = s.icon;
  return (
    <Badge tone={s.tone}>
      <Icon aria-hidden="true" />
      {s.label}
    </Badge>
  );
}

export const STATUS_LABELS: Record<UserStatus, string> = { active: 'Active', invited: 'Invited', suspended: 'Suspended' };

/** One chip per role: "Technician · X Corp". */
export function RoleChip({ role, partnerName }: { role: UserRole; partnerName: string | undefined }) {
  const label = roleScopeLabel(role, partnerName);
  const text = `${label.role} · ${label.where}`;
  return (
    <span
      title={text}
      className="inline-flex max-w-full min-w-0 items-center gap-1 rounded-md border border-border bg-muted px-1.5 py-px text-xs text-foreground"
    >
      <span className="shrink-0 font-medium">{label.role}</span>
      <span aria-hidden="true" className="text-muted-foreground">
        ·
      </span>
      <span className="sr-only">at</span>
      <span className="min-w-0 truncate text-muted-foreground">{label.where}</span>
    </span>
  );
}

export function RoleChips({ roles, partnerName }: { roles: UserRole[]; partnerName: string | undefined }) {
  if (roles.length === 0) return <span className="text-xs text-muted-foreground">No role</span>;
  return (
    <ul className="flex min-w-0 flex-wrap gap-1" aria-label="Roles">
      {roles.map((r) => (
        <li key={r.assignment_id} className="min-w-0 max-w-full">
          <RoleChip role={r} partnerName={partnerName} />
        </li>
      ))}
    </ul>
  );
}
