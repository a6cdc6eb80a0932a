import { formatDate, formatDateTime, formatRelative } from './format';

/** A date as text, with the exact time (and UTC value) on hover. */
export function Time({ value, mode = 'date' }: { value: string | null | undefined; mode?: 'date' | 'datetime' | 'relative' }) {
  if (!value) return <span className="text-muted-foreground">—</span>;
  const text = mode === 'date' ? formatDate(value) : mode === 'datetime' ? formatDateTime(value) : formatRelative(value);
  return (
    <time dateTime={value} title={`${formatDateTime(value)} (${value})`} className="whitespace-nowrap">
      {text}
    </time>
  );
}
