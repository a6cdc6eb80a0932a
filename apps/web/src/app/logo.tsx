import { cn } from '../ui/cn';

/** The CloudRMM mark: a cloud on the accent colour (follows --primary, so partner branding applies). */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={cn('size-7 shrink-0', className)}>
      <rect width="32" height="32" rx="7" className="fill-primary" />
      <path
        d="M10.5 21.5h11a4.5 4.5 0 0 0 .6-8.96A6 6 0 0 0 10.6 13.1 4.2 4.2 0 0 0 10.5 21.5Z"
        fill="none"
        className="stroke-primary-foreground"
        strokeWidth="2.2"
        strokeLinejoin="round"
      />
      <circle cx="16" cy="17" r="1.6" className="fill-primary-foreground" />
    </svg>
  );
}

export function Wordmark({ className }: { className?: string }) {
  return (
    <span className={cn('inline-flex items-center gap-2', className)}>
      <LogoMark />
      <span className="text-[15px] font-semibold tracking-tight text-foreground">
        Cloud<span className="text-link">RMM</span>
      </span>
    </span>
  );
}
