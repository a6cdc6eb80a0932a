import { Link, getRouteApi } from '@tanstack/react-router';
import {
  AlertTriangle,
  Briefcase,
  ChevronRight,
  Download,
  Eye,
  FilterX,
  RotateCw,
  ScrollText,
  Search,
  ShieldAlert,
  ShieldCheck,
  X,
} from 'lucide-react';
import { Fragment, useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { useDocumentTitle } from '../../app/use-document-title';
import { Alert } from '../../ui/alert';
import { Badge } from '../../ui/badge';
import { Button } from '../../ui/button';
import { Card } from '../../ui/card';
import { cn } from '../../ui/cn';
import { EmptyState } from '../../ui/empty-state';
import { plural } from '../../ui/format';
import { Input } from '../../ui/input';
import { PageHeader } from '../../ui/page-header';
import { Skeleton } from '../../ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '../../ui/table';
import { Truncate } from '../../ui/truncate';
import { usePartnerSummary } from '../partners/use-partner-name';
import { ACTION_PREFIXES, auditExportHref, hasAuditFilters, useAuditEvents, useVerifyChain, validateAuditSearch } from './api';
import type { AuditEvent, AuditSearch, ChainVerification } from './api';
import { EventDetails } from './event-details';

const partnerRoute = getRouteApi('/_app/partners/$partnerId/audit');
const platformRoute = getRouteApi('/_app/audit');

/** /partners/:partnerId/audit: one partner's chain (audit.view). */
export function PartnerAuditPage() {
  const { partnerId } = partnerRoute.useParams();
  const search = partnerRoute.useSearch();
  const navigate = partnerRoute.useNavigate();
  return (
    <AuditLog
      partnerId={partnerId}
      search={search}
      onSearchChange={(patch) => void navigate({ search: (prev) => validateAuditSearch({ ...prev, ...patch }), replace: true })}
    />
  );
}

/** /audit: the platform's own chain (audit.view_platform), for platform staff. */
export function PlatformAuditPage() {
  const search = platformRoute.useSearch();
  const navigate = platformRoute.useNavigate();
  return (
    <AuditLog
      partnerId={null}
      search={search}
      onSearchChange={(patch) => void navigate({ search: (prev) => validateAuditSearch({ ...prev, ...patch }), replace: true })}
    />
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function EventTime({ value }: { value: string }) {
  const date = new Date(value);
  const text = Number.isNaN(date.getTime()) ? value : timeFormat.format(date);
  return (
    <time dateTime={value} title={value} className="whitespace-nowrap tabular-nums">
      {text}
    </time>
  );
}

function ActorCell({ event }: { event: AuditEvent }) {
  return (
    <div className="flex min-w-0 items-center gap-1.5">
      <Truncate text={event.actor_label} className="text-foreground" />
      {event.api_key_id ? <Badge tone="accent">API key</Badge> : null}
      {event.actor_type === 'agent' ? <Badge>Agent</Badge> : null}
      {event.actor_type === 'system' ? <Badge>System</Badge> : null}
    </div>
  );
}

function ActionCell({ action }: { action: string }) {
  const failed = /(^|[._])failed$/.test(action);
  return (
    <span
      className={cn('flex min-w-0 items-center gap-1.5 font-mono text-xs', failed ? 'text-destructive-text' : 'text-foreground')}
    >
      {failed ? <AlertTriangle className="size-3.5 shrink-0" aria-hidden="true" /> : null}
      <Truncate text={action} />
      {failed ? <span className="sr-only"> (failure)</span> : null}
    </span>
  );
}

/** A text filter that applies when typing pauses, on Enter, or when the field is left. */
function FilterText({
  label,
  value,
  onChange,
  placeholder,
  className,
  icon,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  className?: string;
  icon?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  const timer = useRef<number | undefined>(undefined);

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
    <div className={cn('grid gap-1', className)}>
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        {label}
      </label>
      <div className="relative">
        {icon ? (
          <Search
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
          />
        ) : null}
        <Input
          id={id}
          type="search"
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          className={cn('pr-7 [&::-webkit-search-cancel-button]:hidden', icon && 'pl-8')}
          onChange={(e) => {
            const next = e.target.value;
            setText(next);
            window.clearTimeout(timer.current);
            timer.current = window.setTimeout(() => commit(next), 350);
          }}
          onBlur={() => commit(text)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit(text);
            if (e.key === 'Escape' && text) {
              e.preventDefault();
              setText('');
              commit('');
            }
          }}
        />
        {text ? (
          <button
            type="button"
            aria-label={`Clear ${label.toLowerCase()}`}
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
    </div>
  );
}

function FilterBox({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="grid gap-1">
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

const selectClass =
  'h-8 w-full cursor-pointer rounded-md border border-input bg-background px-2 text-[13px] text-foreground shadow-xs focus-visible:border-ring focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40';

function Filters({ search, onChange }: { search: AuditSearch; onChange: (patch: Partial<AuditSearch>) => void }) {
  const action = search.action ?? '';
  const known = ACTION_PREFIXES.some((p) => p.value === action);
  return (
    <div className="flex flex-wrap items-end gap-x-3 gap-y-2 border-b border-border px-3 py-2.5">
      <FilterText
        label="Search"
        icon
        className="max-w-72 min-w-40 flex-1"
        value={search.q ?? ''}
        placeholder="Any field"
        onChange={(q) => onChange({ q: q || undefined })}
      />
      <FilterBox label="Action">
        {(id) => (
          <select
            id={id}
            value={action}
            onChange={(e) => onChange({ action: e.target.value || undefined })}
            className={cn(selectClass, 'w-40')}
          >
            <option value="">Any action</option>
            {action && !known ? <option value={action}>{action}</option> : null}
            {ACTION_PREFIXES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label} ({p.value}*)
              </option>
            ))}
          </select>
        )}
      </FilterBox>
      <FilterText
        label="Actor"
        className="w-36"
        value={search.actor ?? ''}
        placeholder="Email or name"
        onChange={(actor) => onChange({ actor: actor || undefined })}
      />
      <FilterText
        label="Target id"
        className="w-36"
        value={search.target ?? ''}
        placeholder="Exact id"
        onChange={(target) => onChange({ target: target || undefined })}
      />
      <FilterBox label="From">
        {(id) => (
          <Input
            id={id}
            type="date"
            className="w-32"
            value={search.from ?? ''}
            max={search.to}
            onChange={(e) => onChange({ from: e.target.value || undefined })}
          />
        )}
      </FilterBox>
      <FilterBox label="To">
        {(id) => (
          <Input
            id={id}
            type="date"
            className="w-32"
            value={search.to ?? ''}
            min={search.from}
            onChange={(e) => onChange({ to: e.target.value || undefined })}
          />
        )}
      </FilterBox>
      {hasAuditFilters(search) ? (
        <Button
          variant="subtle"
          onClick={() =>
            onChange({ q: undefined, actor: undefined, action: undefined, target: undefined, from: undefined, to: undefined })
          }
        >
          <FilterX aria-hidden="true" />
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

function VerifyResult({ result, onDismiss }: { result: ChainVerification; onDismiss: () => void }) {
  const dismiss = (
    <Button size="icon-sm" variant="subtle" aria-label="Dismiss the result" onClick={onDismiss}>
      <X aria-hidden="true" />
    </Button>
  );
  if (result.valid) {
    return (
      <div
        role="status"
        className="flex items-start gap-2.5 rounded-md border border-success-text/35 bg-success-text/10 px-3 py-2.5 text-[13px]"
      >
        <ShieldCheck className="mt-px size-4 shrink-0 text-success-text" aria-hidden="true" />
        <div className="grid min-w-0 flex-1 gap-0.5">
          <p className="font-medium text-foreground">
            All {result.events.toLocaleString()} {result.events === 1 ? 'event' : 'events'} intact
          </p>
          <p className="text-foreground/90">
            Every event matches its hash and links to the one before it: nothing was edited or deleted.
          </p>
        </div>
        {dismiss}
      </div>
    );
  }
  return (
    <div
      role="alert"
      className="flex items-start gap-2.5 rounded-md border border-destructive-text/35 bg-destructive-text/10 px-3 py-2.5 text-[13px]"
    >
      <ShieldAlert className="mt-px size-4 shrink-0 text-destructive-text" aria-hidden="true" />
      <div className="grid min-w-0 flex-1 gap-0.5">
        <p className="font-medium text-foreground">
          Chain broken at event {result.first_invalid_seq ?? '?'}
          <span className="font-normal text-muted-foreground"> ({plural(result.events, 'event', 'events')} checked)</span>
        </p>
        <p className="text-foreground/90">{result.message.charAt(0).toUpperCase() + result.message.slice(1)}.</p>
      </div>
      {dismiss}
    </div>
  );
}

const COLUMN_COUNT = 6;

function EventRows({ events }: { events: AuditEvent[] }) {
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());

  function toggle(id: number) {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  return (
    <>
      {events.map((event) => {
        const open = expanded.has(event.id);
        const detailsId = `audit-event-${event.id}-details`;
        return (
          <Fragment key={event.id}>
            <TableRow
              className={cn('cursor-pointer', open && 'border-b-0 bg-hover/50')}
              onClick={(e) => {
                // Selecting text or using a control inside the row is not a toggle.
                if ((e.target as HTMLElement).closest('button, a, input') || window.getSelection()?.toString()) return;
                toggle(event.id);
              }}
            >
              <TableCell className="h-9 w-9 pr-0">
                <button
                  type="button"
                  aria-expanded={open}
                  aria-controls={open ? detailsId : undefined}
                  aria-label={`${open ? 'Hide' : 'Show'} details of event ${event.seq}, ${event.action}`}
                  onClick={() => toggle(event.id)}
                  className="inline-flex size-6 cursor-pointer items-center justify-center rounded text-muted-foreground hover:bg-hover hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
                >
                  <ChevronRight className={cn('size-4 transition-transform', open && 'rotate-90')} aria-hidden="true" />
                </button>
              </TableCell>
              <TableCell className="h-9 w-48 text-muted-foreground">
                <EventTime value={event.occurred_at} />
              </TableCell>
              <TableCell className="h-9 w-64">
                <ActorCell event={event} />
              </TableCell>
              <TableCell className="h-9 w-56">
                <ActionCell action={event.action} />
              </TableCell>
              <TableCell className="h-9">
                {event.target_type || event.target_id ? (
                  <span className="flex min-w-0 items-baseline gap-1.5">
                    {event.target_type ? <span className="shrink-0 text-muted-foreground">{event.target_type}</span> : null}
                    {event.target_id ? <Truncate text={event.target_id} className="font-mono text-xs" /> : null}
                  </span>
                ) : (
                  <span className="text-muted-foreground" aria-label="None">
                    —
                  </span>
                )}
              </TableCell>
              <TableCell className="hidden h-9 w-36 font-mono text-xs text-muted-foreground md:table-cell">
                {event.ip ? <Truncate text={event.ip} /> : '—'}
              </TableCell>
            </TableRow>
            {open ? (
              <tr id={detailsId} className="border-b border-border bg-hover/25">
                <td colSpan={COLUMN_COUNT} className="px-4 pt-1 pb-4 pl-12">
                  <EventDetails event={event} />
                </td>
              </tr>
            ) : null}
          </Fragment>
        );
      })}
    </>
  );
}

function AuditTable({
  status,
  events,
  children,
  busy,
}: {
  status: 'pending' | 'success';
  events: AuditEvent[];
  children?: ReactNode;
  busy: boolean;
}) {
  return (
    <div aria-busy={busy || undefined}>
      <Table className={cn('table-fixed', busy && status === 'success' && 'opacity-70 transition-opacity')}>
        <TableCaption>Audit events, newest first</TableCaption>
        <TableHeader>
          <tr>
            <TableHead scope="col" className="w-9">
              <span className="sr-only">Details</span>
            </TableHead>
            <TableHead scope="col" className="w-48">
              Time
            </TableHead>
            <TableHead scope="col" className="w-64">
              Actor
            </TableHead>
            <TableHead scope="col" className="w-56">
              Action
            </TableHead>
            <TableHead scope="col">Target</TableHead>
            <TableHead scope="col" className="hidden w-36 md:table-cell">
              Address
            </TableHead>
          </tr>
        </TableHeader>
        <TableBody>
          {status === 'pending' ? (
            Array.from({ length: 8 }, (_, i) => (
              <TableRow key={i} className="hover:bg-transparent">
                {['w-4', 'w-32', 'w-36', 'w-28', 'w-48', 'w-20'].map((w, j) => (
                  <TableCell key={j} className={cn('h-9', j === 5 && 'hidden md:table-cell')}>
                    <Skeleton className={cn('h-3.5', w)} />
                  </TableCell>
                ))}
              </TableRow>
            ))
          ) : (
            <EventRows events={events} />
          )}
        </TableBody>
      </Table>
      {children}
    </div>
  );
}

export function AuditLog({
  partnerId,
  search,
  onSearchChange,
}: {
  partnerId: string | null;
  search: AuditSearch;
  onSearchChange: (patch: Partial<AuditSearch>) => void;
}) {
  const partner = usePartnerSummary(partnerId ?? undefined);
  const list = useAuditEvents(partnerId, search);
  const verify = useVerifyChain(partnerId);
  const events = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = hasAuditFilters(search);
  const platform = partnerId === null;
  useDocumentTitle(platform ? 'Platform audit log' : 'Audit log', platform ? undefined : partner.name);

  const header = (
    <PageHeader
      title={platform ? 'Platform audit log' : 'Audit log'}
      description={
        <div className="grid max-w-3xl gap-1">
          <p>
            {platform ? (
              'Platform-wide actions (partners created or deleted, platform staff), newest first.'
            ) : partner.name ? (
              <>
                Every sensitive action in <span className="font-medium text-foreground">{partner.name}</span>, newest first.
              </>
            ) : (
              'Every sensitive action in this partner, newest first.'
            )}{' '}
            Events are chained by hash: an edited or deleted event shows up when you verify.
          </p>
          <p className="flex items-center gap-1.5 text-xs">
            <Eye className="size-3.5 shrink-0" aria-hidden="true" />
            Viewing this log is itself recorded: each time you open, filter or export it, an event with your filters is added.
          </p>
        </div>
      }
      actions={
        <>
          <Button onClick={() => verify.mutate()} loading={verify.isPending}>
            {verify.isPending ? null : <ShieldCheck aria-hidden="true" />}
            Verify integrity
          </Button>
          <Button asChild>
            <a href={auditExportHref(partnerId, search)} download>
              <Download aria-hidden="true" />
              Export CSV
            </a>
          </Button>
        </>
      }
    />
  );

  let body: ReactNode;
  if (list.isError && !list.data) {
    body = (
      <EmptyState
        role="alert"
        tone="danger"
        icon={AlertTriangle}
        title="Could not load the audit log"
        description={errorMessage(list.error)}
        action={
          <Button onClick={() => void list.refetch()}>
            <RotateCw aria-hidden="true" />
            Retry
          </Button>
        }
      />
    );
  } else if (list.data && events.length === 0) {
    body = filtered ? (
      <EmptyState
        icon={FilterX}
        title="No events match these filters"
        description="Widen the dates, pick another action, or clear the filters to see every event."
        action={
          <Button
            onClick={() =>
              onSearchChange({
                q: undefined,
                actor: undefined,
                action: undefined,
                target: undefined,
                from: undefined,
                to: undefined,
              })
            }
          >
            Clear filters
          </Button>
        }
      />
    ) : (
      <EmptyState
        icon={ScrollText}
        title="No events yet"
        description={
          platform
            ? 'Platform actions, such as creating a partner, are recorded here as they happen.'
            : 'Sign-ins and changes to organizations, sites and roles are recorded here as they happen. Make a change, then come back.'
        }
        action={
          partnerId ? (
            <Button asChild>
              <Link to="/partners/$partnerId/organizations" params={{ partnerId }}>
                <Briefcase aria-hidden="true" />
                Go to organizations
              </Link>
            </Button>
          ) : null
        }
      />
    );
  } else {
    body = (
      <AuditTable status={list.data ? 'success' : 'pending'} events={events} busy={list.isPlaceholderData || !list.data}>
        {!list.data ? (
          <p className="sr-only" role="status">
            Loading audit events…
          </p>
        ) : (
          <div className="flex min-h-11 items-center justify-between gap-3 border-t border-border px-3 py-2 text-xs text-muted-foreground">
            <span role="status">
              {list.hasNextPage
                ? `Showing the newest ${plural(events.length, 'event', 'events')}`
                : plural(events.length, 'event', 'events')}
            </span>
            {list.hasNextPage ? (
              <Button size="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
                Load more
              </Button>
            ) : null}
          </div>
        )}
      </AuditTable>
    );
  }

  return (
    <div className="grid gap-5">
      {header}
      {verify.data ? <VerifyResult result={verify.data} onDismiss={() => verify.reset()} /> : null}
      {verify.isError ? <Alert title="Could not verify the audit log">{errorMessage(verify.error)}</Alert> : null}
      <Card>
        <Filters search={search} onChange={onSearchChange} />
        {body}
        {list.isError && list.data ? (
          <div className="border-t border-border px-3 py-2">
            <Alert>Could not load more events: {errorMessage(list.error)}</Alert>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
