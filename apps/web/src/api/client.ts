/**
 * The one way the dashboard talks to the API: JSON in and out, the session
 * cookie, the CSRF header on every state-changing request, and one error type.
 */

export const API_BASE = '/api/v1';

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  /** Seconds from a Retry-After header (429), when the server sent one. */
  readonly retryAfter: number | null;

  constructor(init: { status: number; code: string; message: string; field?: string | null; retryAfter?: number | null }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.field = init.field ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

let csrfToken: string | null = null;

/** Set from the login and session responses; sent on every unsafe request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

let onUnauthorized: (() => void) | null = null;

/** Called when any request (except the auth ones that expect it) answers 401. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  /** The caller handles 401 itself (session probe, login). */
  expectUnauthorized?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

const UNSAFE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

function buildUrl(path: string, query?: Query): string {
  const url = `${API_BASE}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.round((date - Date.now()) / 1000));
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown };
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody | null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = null;
  }
  const err = body?.error;
  return new ApiError({
    status: response.status,
    code: typeof err?.code === 'string' ? err.code : fallbackCode(response.status),
    message: typeof err?.message === 'string' && err.message ? sentence(err.message) : fallbackMessage(response.status),
    field: typeof err?.field === 'string' ? err.field : null,
    retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
  });
}

/** API messages are lower-case phrases ("name must not be empty"); people read them as sentences. */
function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

function fallbackCode(status: number): string {
  switch (status) {
    case 400:
      return 'validation_failed';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'too_many_attempts';
    default:
      return status >= 500 ? 'server_error' : 'request_failed';
  }
}

function fallbackMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Your session has ended. Sign in again.';
    case 403:
      return 'You do not have permission to do that.';
    case 404:
      return 'Not found. It may have been deleted, or you may not have access to it.';
    case 409:
      return 'This was changed by someone else. Reload and try again.';
    case 429:
      return 'Too many requests. Wait a moment and try again.';
    default:
      return status >= 500
        ? `The server had a problem (HTTP ${status}). Try again in a moment.`
        : `The request failed (HTTP ${status}).`;
  }
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const method = options.method ?? 'GET';
  const headers = new Headers({ ...options.headers, Accept: 'application/json' });
  const hasBody = options.body !== undefined;
  if (hasBody) headers.set('Content-Type', 'application/json');
  if (UNSAFE_METHODS.has(method) && csrfToken) headers.set('X-CSRF-Token', csrfToken);

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: hasBody ? JSON.stringify(options.body) : undefined,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      message: 'Could not reach the server. Check your connection and try again.',
    });
  }

  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.expectUnauthorized) onUnauthorized?.();
    throw error;
  }

  if (response.status === 204 || response.headers.get('Content-Length') === '0') {
    return { data: undefined as T, headers: response.headers };
  }
  const text = await response.text();
  return { data: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

export const api = {
  get: async <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> =>
    (await request<T>(path, { query, signal })).data,
  post: async <T>(path: string, body?: unknown): Promise<T> => (await request<T>(path, { method: 'POST', body })).data,
  patch: async <T>(path: string, body: unknown): Promise<T> => (await request<T>(path, { method: 'PATCH', body })).data,
  delete: async <T = void>(path: string): Promise<T> => (await request<T>(path, { method: 'DELETE' })).data,
};

/** The list envelope every collection endpoint answers with. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number;
}

/** A user-facing sentence for any thrown value. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
