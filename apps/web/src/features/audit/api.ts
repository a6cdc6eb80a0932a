import { keepPreviousData, useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { API_BASE, api } from '../../api/client';
import type { Page, Query } from '../../api/client';

export interface AuditEvent {
  id: number;
  /** Position in the partner's (or the platform's) hash chain. */
  seq: number;
  occurred_at: string;
  actor_type: 'user' | 'api_key' | 'agent' | 'system';
  actor_id: string | null;
  actor_label: string;
  api_key_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
  hash: string;
}

export interface ChainVerification {
  valid: boolean;
  events: number;
  first_invalid_seq: number | null;
  message: string;
}

/** The filters as they live in the URL: `?action=role.&actor=ann&from=2026-01-01`. */
export interface AuditSearch {
  q?: string;
  actor?: string;
  action?: string;
  target?: string;
  /** Local calendar days, YYYY-MM-DD, both included. */
  from?: string;
  to?: string;
}

export const AUDIT_FILTER_KEYS = ['q', 'actor', 'action', 'target', 'from', 'to'] as const;

/** Action families offered in the filter; any exact action also works (from a row). */
export const ACTION_PREFIXES: { value: string; label: string }[] = [
  { value: 'auth.', label: 'Sign-in and sign-out' },
  { value: 'organization.', label: 'Organizations' },
  { value: 'site.', label: 'Sites' },
  { value: 'partner.', label: 'Partner' },
  { value: 'role.', label: 'Roles' },
  { value: 'role_assignment.', label: 'Role assignments' },
  { value: 'user.', label: 'Users' },
  { value: 'session.', label: 'Sessions' },
  { value: 'two_factor.', label: 'Two-factor' },
  { value: 'sso.', label: 'Single sign-on' },
  { value: 'audit.', label: 'Audit log' },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  return s && s.length <= max ? s : undefined;
}

function day(value: unknown): string | undefined {
  return typeof value === 'string' && DAY.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** validateSearch of the audit routes: malformed values are dropped, not sent. */
export function validateAuditSearch(search: Record<string, unknown>): AuditSearch {
  const out: AuditSearch = {};
  const q = text(search.q, 200);
  const actor = text(search.actor, 320);
  const action = text(search.action, 100);
  const target = text(search.target, 100);
  const from = day(search.from);
  const to = day(search.to);
  if (q) out.q = q;
  if (actor) out.actor = actor;
  if (action) out.action = action;
  if (target) out.target = target;
  if (from) out.from = from;
  if (to) out.to = to;
  return out;
}

export function hasAuditFilters(search: AuditSearch): boolean {
  return AUDIT_FILTER_KEYS.some((k) => search[k] !== undefined);
}

/** Start of a local calendar day as an ISO timestamp. */
function startOfDay(value: string, addDays = 0): string {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + addDays).toISOString();
}

/** The API's query for these filters (`to` is exclusive there, so the next midnight). */
export function toAuditQuery(search: AuditSearch): Query {
  return {
    q: search.q,
    actor: search.actor,
    action: search.action,
    target_id: search.target,
    from: search.from ? startOfDay(search.from) : undefined,
    to: search.to ? startOfDay(search.to, 1) : undefined,
  };
}

/** `/partners/:id/audit-events`, or the platform chain at `/audit-events`. */
export function auditBasePath(partnerId: string | null): string {
  return partnerId ? `/partners/${encodeURIComponent(partnerId)}/audit-events` : '/audit-events';
}

/** The CSV export with the same filters: a plain GET the browser downloads with the session cookie. */
export function auditExportHref(partnerId: string | null, search: AuditSearch): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(toAuditQuery(search))) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE}${auditBasePath(partnerId)}/export${qs ? `?${qs}` : ''}`;
}

export const AUDIT_PAGE_SIZE = 50;

/**
 * Newest first, "Load more" through next_cursor. Every read is itself an audit
 * event, so the list is fetched when the page opens or its filters change,
 * never behind the user's back (no refetch on window focus or reconnect).
 */
export function useAuditEvents(partnerId: string | null, search: AuditSearch) {
  const query = toAuditQuery(search);
  return useInfiniteQuery({
    queryKey: ['audit', partnerId ?? 'platform', 'events', query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<AuditEvent>>(
        auditBasePath(partnerId),
        { ...query, limit: AUDIT_PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
}

export function useVerifyChain(partnerId: string | null) {
  return useMutation({
    mutationFn: () => api.post<ChainVerification>(`${auditBasePath(partnerId)}/verify`),
  });
}
