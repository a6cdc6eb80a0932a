import { AlertTriangle, Info } from 'lucide-react';
import type { ReactNode } from 'react';
import { cn } from './cn';

export interface AlertProps {
  tone?: 'danger' | 'warning' | 'info';
  title?: string;
  children?: ReactNode;
  action?: ReactNode;
  className?: string;
}

/** An inline message; errors use role="alert" so they are announced. */
export function Alert({ tone = 'danger', title, children, action, className }: AlertProps) {
  const Icon = tone === 'info' ? Info : AlertTriangle;
  return (
    <div
      role={tone === 'info' ? 'status' : 'alert'}
      className={cn(
        'flex items-start gap-2.5 rounded-md border px-3 py-2.5 text-[13px]',
        tone === 'danger' && 'border-destructive-text/35 bg-destructive-text/10 text-foreground',
        tone === 'warning' && 'border-warning-text/35 bg-warning-text/10 text-foreground',
        tone === 'info' && 'border-link/30 bg-link/10 text-foreground',
        className,
      )}
    >
      <Icon
        aria-hidden="true"
        className={cn(
          'mt-px size-4 shrink-0',
          tone === 'danger' && 'text-destructive-text',
          tone === 'warning' && 'text-warning-text',
          tone === 'info' && 'text-link',
        )}
      />
      <div className="grid min-w-0 flex-1 gap-0.5">
        {title ? <p className="font-medium">{title}</p> : null}
        {children ? <div className="text-foreground/90">{children}</div> : null}
      </div>
      {action ? <div className="shrink-0">{action}</div> : null}
    </div>
  );
}
