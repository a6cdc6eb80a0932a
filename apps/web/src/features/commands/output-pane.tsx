import { useEffect, useLayoutEffect, useRef } from 'react';
import { cn } from '../../ui/cn';
import { CopyIcon, useCopy } from '../../ui/copy-button';
import { Button } from '../../ui/button';

/**
 * A run's stdout or stderr: untrusted text from the agent, shown only as text
 * (a React text node in a <pre>, never HTML). Follows the end while output
 * streams in, unless the reader scrolled up.
 */
export function OutputPane({
  label,
  text,
  truncated,
  tone = 'normal',
  live,
  emptyText,
}: {
  label: string;
  text: string;
  truncated: boolean;
  tone?: 'normal' | 'error';
  live: boolean;
  emptyText: string;
}) {
  const ref = useRef<HTMLPreElement>(null);
  const stuck = useRef(true);
  const [copied, copy] = useCopy();

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stuck.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => {
      stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <section aria-label={label} className="grid gap-1.5">
      <div className="flex items-center justify-between gap-2">
        <h3 className={cn('text-xs font-semibold', tone === 'error' ? 'text-destructive-text' : 'text-foreground')}>{label}</h3>
        <div className="flex items-center gap-2">
          {truncated ? (
            <span className="text-xs text-warning-text" data-testid="output-truncated">
              Cut at the output limit: the rest was not kept
            </span>
          ) : null}
          {text ? (
            <Button
              size="sm"
              variant="subtle"
              onClick={() => copy(text)}
              aria-label={copied ? `${label} copied` : `Copy ${label.toLowerCase()}`}
            >
              <CopyIcon copied={copied} />
              {copied ? 'Copied' : 'Copy'}
            </Button>
          ) : null}
        </div>
      </div>
      <pre
        ref={ref}
        tabIndex={0}
        aria-label={label}
        data-testid={tone === 'error' ? 'run-stderr' : 'run-stdout'}
        className={cn(
          'max-h-[28rem] min-h-24 overflow-auto rounded-md border border-border bg-muted/60 px-3 py-2 font-mono text-xs leading-relaxed break-all whitespace-pre-wrap text-foreground focus-visible:outline-2 focus-visible:outline-ring',
          tone === 'error' && 'border-destructive-text/30',
        )}
      >
        {text || <span className="text-muted-foreground">{live ? 'Waiting for output…' : emptyText}</span>}
      </pre>
    </section>
  );
}
