import type { ComponentProps } from 'react';
import { cn } from './cn';

const fieldBase =
  'w-full rounded-md border border-input bg-background px-2.5 text-[13px] text-foreground shadow-xs transition-colors placeholder:text-muted-foreground focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 disabled:cursor-not-allowed disabled:opacity-60 aria-invalid:border-destructive-text aria-invalid:focus-visible:outline-destructive-text/40';

export function Input({ className, type = 'text', ...props }: ComponentProps<'input'>) {
  return <input type={type} className={cn(fieldBase, 'h-8', className)} {...props} />;
}

export function Textarea({ className, rows = 3, ...props }: ComponentProps<'textarea'>) {
  return <textarea rows={rows} className={cn(fieldBase, 'min-h-16 resize-y py-1.5', className)} {...props} />;
}
