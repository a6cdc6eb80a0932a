import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { cn } from './cn';

export interface EmptyStateProps {
  icon: LucideIcon;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
  tone?: 'neutral' | 'danger';
  role?: 'status' | 'alert';
}

export function EmptyState({ icon: Icon, title, description, action, className, tone = 'neutral', role }: EmptyStateProps) {
  return (
    <div role={role} className={cn('flex flex-col items-center justify-center gap-3 px-6 py-12 text-center', className)}>
      <div
        className={cn(
          'flex size-10 items-center justify-center rounded-full border',
          tone === 'danger'
            ? 'border-destructive-text/30 bg-destructive-text/10 text-destructive-text'
            : 'border-border bg-muted text-muted-foreground',
        )}
      >
        <Icon className="size-5" aria-hidden="true" />
      </div>
      <div className="grid max-w-md gap-1">
        <p className="text-sm font-semibold text-foreground">{title}</p>
        {description ? <div className="text-[13px] text-muted-foreground">{description}</div> : null}
      </div>
      {action ? <div className="mt-1 flex flex-wrap items-center justify-center gap-2">{action}</div> : null}
    </div>
  );
}
