import { Check, Copy } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { Button } from '../../ui/button';
import { cn } from '../../ui/cn';

/** A command or link shown in full (wrapped, never cut), with a Copy button beside it. */
export function CopyCommand({
  label,
  value,
  hint,
  testId,
  className,
}: {
  label: string;
  value: string;
  hint?: string;
  testId?: string;
  className?: string;
}) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);

  return (
    <div className={cn('grid gap-1', className)}>
      <div className="flex items-baseline justify-between gap-2">
        <p id={`${id}-label`} className="text-xs font-medium text-foreground">
          {label}
        </p>
        {hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
      </div>
      <div className="flex items-start gap-2">
        <code
          aria-labelledby={`${id}-label`}
          data-testid={testId}
          className="min-w-0 flex-1 rounded-md border border-border bg-muted px-2.5 py-1.5 font-mono text-xs break-all text-foreground select-all"
        >
          {value}
        </code>
        <Button
          size="sm"
          className="mt-0.5"
          aria-label={copied ? `${label} copied` : `Copy ${label}`}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <span className="sr-only" role="status">
        {copied ? `${label} copied to the clipboard` : ''}
      </span>
    </div>
  );
}
