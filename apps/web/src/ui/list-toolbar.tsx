import { Search, X } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { cn } from './cn';
import { Select } from './select';

export interface SearchInputProps {
  /** The value in the URL. */
  value: string;
  /** Called after typing pauses, and at once on Enter or clear. */
  onChange: (value: string) => void;
  label: string;
  placeholder?: string;
  className?: string;
}

export function SearchInput({ value, onChange, label, placeholder, className }: SearchInputProps) {
  const id = useId();
  const [text, setText] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  const timer = useRef<number | undefined>(undefined);

  // The URL changed from elsewhere (back button, "Clear search"): show it.
  if (value !== lastValue) {
    setLastValue(value);
    setText(value);
  }

  useEffect(() => () => window.clearTimeout(timer.current), []);

  function commit(next: string) {
    window.clearTimeout(timer.current);
    if (next.trim() !== value.trim()) onChange(next.trim());
  }

  return (
    <div className={cn('relative w-full max-w-xs', className)}>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <Search
        aria-hidden="true"
        className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
      />
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder ?? label}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => commit(next), 250);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(text);
          if (e.key === 'Escape' && text) {
            e.preventDefault();
            setText('');
            commit('');
          }
        }}
        className="h-8 w-full rounded-md border border-input bg-background pr-8 pl-8 text-[13px] text-foreground placeholder:text-muted-foreground focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 [&::-webkit-search-cancel-button]:hidden"
      />
      {text ? (
        <button
          type="button"
          aria-label="Clear search"
          onClick={() => {
            setText('');
            commit('');
          }}
          className="absolute top-1/2 right-1.5 inline-flex size-5 -translate-y-1/2 cursor-pointer items-center justify-center rounded text-muted-foreground hover:bg-hover hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
        >
          <X className="size-3.5" aria-hidden="true" />
        </button>
      ) : null}
    </div>
  );
}

export function CheckboxToggle({
  checked,
  onChange,
  label,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="size-4 cursor-pointer rounded border-input accent-primary"
      />
      <label htmlFor={id} className="cursor-pointer text-[13px] text-muted-foreground select-none hover:text-foreground">
        {label}
      </label>
    </div>
  );
}

/** Search, filters and the primary action above a table. */
export function ListToolbar({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-border px-3 py-2.5">
      {children}
      {actions ? <div className="ml-auto flex items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export interface FilterOption {
  value: string;
  label: string;
}

/**
 * One filter of a list: "any" first, then the options. A value that is not
 * among them (from a shared link, or beyond the first page) stays chosen.
 */
export function FilterSelect({
  label,
  value,
  onChange,
  anyLabel,
  options,
  chosenLabel,
  className,
  disabled,
  title,
}: {
  /** The accessible name ("Status"). */
  label: string;
  value: string | undefined;
  /** undefined for "any". */
  onChange: (value: string | undefined) => void;
  anyLabel: string;
  options: readonly FilterOption[];
  /** The name of a chosen value that is not among the options. */
  chosenLabel: string;
  className?: string;
  disabled?: boolean;
  title?: string;
}) {
  return (
    <Select
      aria-label={label}
      className={className}
      value={value ?? ''}
      disabled={disabled}
      title={title}
      onChange={(e) => onChange(e.target.value || undefined)}
    >
      <option value="">{anyLabel}</option>
      {value && !options.some((o) => o.value === value) ? <option value={value}>{chosenLabel}</option> : null}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </Select>
  );
}
