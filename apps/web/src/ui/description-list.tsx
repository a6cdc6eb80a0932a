import type { ReactNode } from 'react';
import { cn } from './cn';

export interface DescriptionItem {
  label: string;
  value: ReactNode;
  /** Span the full width (long text). */
  wide?: boolean;
}

export function DescriptionList({ items, className }: { items: DescriptionItem[]; className?: string }) {
  return (
    <dl className={cn('grid grid-cols-1 gap-x-8 gap-y-4 sm:grid-cols-2 xl:grid-cols-4', className)}>
      {items.map((item) => (
        <div key={item.label} className={cn('grid min-w-0 content-start gap-1', item.wide && 'sm:col-span-2 xl:col-span-4')}>
          <dt className="text-xs font-medium text-muted-foreground">{item.label}</dt>
          <dd className="min-w-0 text-[13px] break-words text-foreground">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
