import type { ComponentProps } from 'react';
import { cn } from './cn';

/** A native select styled like Input: keyboard and screen-reader behaviour come from the browser. */
export function Select({ className, ...props }: ComponentProps<'select'>) {
  return (
    <select
      className={cn(
        'h-8 w-full cursor-pointer rounded-md border border-input bg-background px-2 text-[13px] text-foreground shadow-xs focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 disabled:cursor-not-allowed disabled:opacity-60 aria-invalid:border-destructive-text',
        className,
      )}
      {...props}
    />
  );
}
