import { Check, Copy } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { Button } from './button';
import { cn } from './cn';

/** Copies text to the clipboard; `copied` is true for `resetMs` after it worked. */
export function useCopy(resetMs = 1500): [copied: boolean, copy: (text: string) => void] {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), resetMs);
    return () => window.clearTimeout(timer);
  }, [copied, resetMs]);

  return [
    copied,
    (text) => {
      void navigator.clipboard?.writeText(text).then(() => setCopied(true));
    },
  ];
}

/** Shows a value in monospace with a button that copies it. */
export function CopyValue({ value, label, className }: { value: string; label: string; className?: string }) {
  const [copied, copy] = useCopy();

  return (
    <span className={cn('inline-flex max-w-full min-w-0 items-center gap-1', className)}>
      <span title={value} className="truncate font-mono text-xs text-muted-foreground">
        {value}
      </span>
      <button
        type="button"
        aria-label={copied ? `${label} copied` : `Copy ${label}`}
        onClick={() => copy(value)}
        className="inline-flex size-6 shrink-0 cursor-pointer items-center justify-center rounded text-muted-foreground hover:bg-hover hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
      >
        {copied ? (
          <Check className="size-3.5 text-success-text" aria-hidden="true" />
        ) : (
          <Copy className="size-3.5" aria-hidden="true" />
        )}
      </button>
    </span>
  );
}

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
  const [copied, copy] = useCopy();

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
          onClick={() => copy(value)}
        >
          <CopyIcon copied={copied} />
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <span className="sr-only" role="status">
        {copied ? `${label} copied to the clipboard` : ''}
      </span>
    </div>
  );
}

/** The icon of a Copy button: a tick once copied. */
export function CopyIcon({ copied }: { copied: boolean }) {
  return copied ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />;
}
