/**
 * The one error type of the API. Its shape on the wire is
 * `{ "error": { "code", "message", "field"? } }` (api.md).
 */
export type ErrorCode =
  | 'validation_failed'
  | 'not_authenticated'
  | 'second_factor_required'
  | 'csrf_failed'
  | 'forbidden'
  | 'read_only'
  | 'sso_required'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'has_children'
  | 'required_by_policy'
  | 'invalid_credentials'
  | 'too_many_attempts'
  | 'origin_refused'
  | 'bad_request'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'device_offline'
  | 'agent_error'
  | 'agent_busy'
  | 'agent_timeout'
  | 'agents_unreachable'
  | 'enrollment_refused'
  | 'commands_halted'
  | 'no_targets'
  | 'own_task'
  | 'own_schedule'
  | 'approval_required'
  | 'internal_error';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_authenticated: 401,
  invalid_credentials: 401,
  second_factor_required: 401,
  csrf_failed: 403,
  forbidden: 403,
  // Something the caller can see but nobody in its partner may change (a platform-published script).
  read_only: 403,
  origin_refused: 403,
  sso_required: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  has_children: 422,
  required_by_policy: 422,
  too_many_attempts: 429,
  bad_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // Live requests to an agent (processes, disk usage): it is not connected, it failed, it did not answer,
  // or this process cannot reach agents at all.
  device_offline: 409,
  agent_error: 502,
  // The agent does one of some requests at a time (a disk scan) and is on another.
  agent_busy: 409,
  agent_timeout: 504,
  agents_unreachable: 503,
  // A site code or enrollment token that does not (or no longer) buys an agent identity.
  enrollment_refused: 403,
  // Commands: the partner's kill switch is engaged; a task resolved to no device; approving one's own task.
  commands_halted: 409,
  no_targets: 422,
  own_task: 403,
  // Approving a schedule one created or last edited; a schedule firing above the threshold without approval.
  own_schedule: 403,
  approval_required: 409,
  internal_error: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.extra.field ? { field: this.extra.field } : {}) } };
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const staleVersion = (what: string) =>
  new AppError('conflict', `${what} was changed by someone else; reload it and try again`, { field: 'version' });
