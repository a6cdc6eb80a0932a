import { useState } from 'react';
import type { ReactNode } from 'react';
import { Button } from '../../ui/button';
import { cn } from '../../ui/cn';
import { CopyValue } from '../../ui/copy-button';
import type { AuditEvent } from './api';
import { diffValues, prettyJson } from './diff';
import type { DiffKind, DiffRow } from './diff';

const MARKERS: Record<DiffKind, { symbol: string; word: string; className: string }> = {
  added: { symbol: '+', word: 'Added', className: 'text-success-text' },
  removed: { symbol: '−', word: 'Removed', className: 'text-destructive-text' },
  changed: { symbol: '~', word: 'Changed', className: 'text-warning-text' },
  same: { symbol: '', word: 'Unchanged', className: 'text-muted-foreground' },
};

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid min-w-0 grid-cols-[6.5rem_minmax(0,1fr)] items-baseline gap-2">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="min-w-0 text-xs break-all text-foreground">{children}</dd>
    </div>
  );
}

function Value({ text, tone }: { text: string | null; tone?: 'added' | 'removed' }) {
  if (text === null) return <span className="text-muted-foreground">—</span>;
  return (
    <span
      className={cn(
        'font-mono text-xs break-all whitespace-pre-wrap',
        tone === 'added' && 'text-success-text',
        tone === 'removed' && 'text-destructive-text',
        !tone && 'text-foreground',
      )}
    >
      {text === '' ? '""' : text}
    </span>
  );
}

/** A list that changed (e.g. a role's permissions): what came and went, not two long arrays. */
function ListChange({ row }: { row: DiffRow }) {
  const added = row.listAdded ?? [];
  const removed = row.listRemoved ?? [];
  return (
    <div className="grid gap-0.5">
      {removed.length ? (
        <p className="flex gap-1.5">
          <span className="shrink-0 text-destructive-text">Removed</span>
          <span className="font-mono break-all text-foreground">{removed.join(', ')}</span>
        </p>
      ) : null}
      {added.length ? (
        <p className="flex gap-1.5">
          <span className="shrink-0 text-success-text">Added</span>
          <span className="font-mono break-all text-foreground">{added.join(', ')}</span>
        </p>
      ) : null}
      {!added.length && !removed.length ? <p className="text-muted-foreground">Same items, new order</p> : null}
    </div>
  );
}

function DiffTable({ rows, mode }: { rows: DiffRow[]; mode: 'create' | 'delete' | 'update' }) {
  return (
    <table className="w-full table-fixed border-collapse text-xs">
      <caption className="sr-only">Changes recorded with this event</caption>
      <thead>
        <tr className="border-b border-border text-left text-muted-foreground">
          <th scope="col" className="w-6 py-1 font-medium">
            <span className="sr-only">Change</span>
          </th>
          <th scope="col" className="w-48 py-1 pr-3 font-medium">
            Field
          </th>
          {mode === 'update' ? (
            <>
              <th scope="col" className="py-1 pr-3 font-medium">
                Before
              </th>
              <th scope="col" className="py-1 font-medium">
                After
              </th>
            </>
          ) : (
            <th scope="col" className="py-1 font-medium">
              {mode === 'create' ? 'Value' : 'Value before'}
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const marker = MARKERS[row.kind];
          return (
            <tr key={row.path} className="border-b border-border/60 align-top last:border-0">
              <td className={cn('py-1 font-mono font-semibold', marker.className)}>
                <span aria-hidden="true">{marker.symbol}</span>
                <span className="sr-only">{marker.word}</span>
              </td>
              <th scope="row" className="py-1 pr-3 text-left font-mono font-normal break-all text-muted-foreground">
                {row.path}
              </th>
              {mode === 'update' && (row.listAdded || row.listRemoved) ? (
                <td colSpan={2} className="py-1">
                  <ListChange row={row} />
                </td>
              ) : mode === 'update' ? (
                <>
                  <td className="py-1 pr-3">
                    <Value text={row.before} tone={row.kind === 'removed' || row.kind === 'changed' ? 'removed' : undefined} />
                  </td>
                  <td className="py-1">
                    <Value text={row.after} tone={row.kind === 'added' || row.kind === 'changed' ? 'added' : undefined} />
                  </td>
                </>
              ) : (
                <td className="py-1">
                  <Value text={mode === 'create' ? row.after : row.before} />
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Changes({ event }: { event: AuditEvent }) {
  const [showUnchanged, setShowUnchanged] = useState(false);
  const hasBefore = event.before !== null && event.before !== undefined;
  const hasAfter = event.after !== null && event.after !== undefined;
  if (!hasBefore && !hasAfter) {
    return <p className="text-xs text-muted-foreground">No details were recorded with this event.</p>;
  }
  const mode = hasBefore && hasAfter ? 'update' : hasAfter ? 'create' : 'delete';
  const rows = diffValues(event.before, event.after);
  const unchanged = rows.filter((r) => r.kind === 'same').length;
  const shown = mode === 'update' && !showUnchanged ? rows.filter((r) => r.kind !== 'same') : rows;
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h4 className="text-xs font-semibold text-foreground">
          {mode === 'update' ? 'Changes' : mode === 'create' ? 'State after' : 'State before'}
        </h4>
        {mode === 'update' && unchanged > 0 ? (
          <Button
            size="sm"
            variant="link"
            className="text-xs"
            onClick={() => setShowUnchanged((v) => !v)}
            aria-pressed={showUnchanged}
          >
            {showUnchanged ? 'Hide' : 'Show'} {unchanged} unchanged {unchanged === 1 ? 'field' : 'fields'}
          </Button>
        ) : null}
      </div>
      {shown.length > 0 ? (
        <DiffTable rows={shown} mode={mode} />
      ) : (
        <p className="text-xs text-muted-foreground">Nothing changed in the recorded fields.</p>
      )}
      <details className="group text-xs">
        <summary className="w-fit cursor-pointer rounded text-muted-foreground hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring">
          Raw JSON
        </summary>
        <div className="mt-2 grid gap-2 lg:grid-cols-2">
          {(['before', 'after'] as const).map((side) => (
            <div key={side} className="grid min-w-0 gap-1">
              <span className="text-muted-foreground">{side === 'before' ? 'Before' : 'After'}</span>
              <pre className="max-h-72 overflow-auto rounded-md border border-border bg-background p-2 font-mono text-xs whitespace-pre-wrap break-all text-foreground">
                {prettyJson(event[side])}
              </pre>
            </div>
          ))}
        </div>
      </details>
    </div>
  );
}

/** The expanded row: who, from where, the chain position, and what changed. */
export function EventDetails({ event }: { event: AuditEvent }) {
  return (
    <div className="grid gap-x-8 gap-y-4 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
      <dl className="grid content-start gap-1.5">
        <Meta label="Event">#{event.seq}</Meta>
        <Meta label="Time (UTC)">
          <span className="font-mono">{event.occurred_at}</span>
        </Meta>
        <Meta label="Actor">
          {event.actor_label} <span className="text-muted-foreground">({event.actor_type.replace('_', ' ')})</span>
        </Meta>
        {event.actor_id ? (
          <Meta label="Actor id">
            <CopyValue value={event.actor_id} label="actor id" />
          </Meta>
        ) : null}
        {event.api_key_id ? (
          <Meta label="API key">
            <CopyValue value={event.api_key_id} label="API key id" />
          </Meta>
        ) : null}
        <Meta label="Target">
          {event.target_type ?? '—'}
          {event.target_id ? <CopyValue value={event.target_id} label="target id" className="flex" /> : null}
        </Meta>
        <Meta label="Address">
          <span className="font-mono">{event.ip ?? '—'}</span>
        </Meta>
        {event.request_id ? (
          <Meta label="Request">
            <CopyValue value={event.request_id} label="request id" />
          </Meta>
        ) : null}
        <Meta label="Hash">
          <CopyValue value={event.hash} label="event hash" />
        </Meta>
      </dl>
      <Changes event={event} />
    </div>
  );
}
