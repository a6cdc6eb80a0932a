import type { ReactNode } from 'react';
import { cn } from './cn';

/** Long text cut to one line, with the full value on hover (and for copy). */
export function Truncate({ text, className, children }: { text: string; className?: string; children?: ReactNode }) {
  return (
    <span title={text} className={cn('block min-w-0 truncate', className)}>
      {children ?? text}
    </span>
  );
}
