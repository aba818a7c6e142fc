import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CoachlineError } from '../domain';
import { isConnectionError } from '../store';
import type { ErrorBody } from '../contract';

/**
 * Every code the API can answer with, and its HTTP status: the one mapping from the
 * domain's and the app's stable codes to HTTP. An unknown code is a bug (500).
 */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  bad_request: 400,
  bad_json: 400,
  unauthorized: 401,
  forbidden_role: 403,
  not_supervisor: 403,
  forbidden_mode: 403,
  not_in_distribution: 403,
  not_supervisable: 403,
  emergency_call: 403,
  own_call: 403,
  not_session_owner: 403,
  not_yourself: 403,
  forbidden_conference: 403,
  forbidden_takeover: 403,
  route_not_found: 404,
  call_not_found: 404,
  session_not_found: 404,
  user_not_found: 404,
  number_not_found: 404,
  participant_not_found: 404,
  call_not_live: 409,
  conference_call: 409,
  internal_call: 409,
  session_not_active: 409,
  participant_busy: 409,
  session_leg_gone: 409,
  external_transfer: 409,
  coach_taken: 409,
  supervisor_busy: 409,
  not_available: 409,
  session_not_live: 409,
  user_exists: 409,
  number_exists: 409,
  token_in_use: 409,
  sip_username_in_use: 409,
  user_in_session: 409,
  last_admin: 409,
  concurrent_update: 409,
  body_too_large: 413,
  too_many_auth_failures: 429,
  too_many_sessions: 429,
  request_timeout: 408,
  headers_too_large: 431,
  bad_cursor: 400,
  uri_too_long: 414,
  unsupported_media_type: 415,
  target_not_found: 422,
  target_ambiguous: 422,
  target_not_agent: 422,
  unknown_user: 422,
  participant_unreachable: 422,
  no_device: 422,
  illegal_transition: 409,
  signaling_unavailable: 503,
  owner_unavailable: 503,
  web_not_built: 503,
  media_unavailable: 503,
  overloaded: 503,
  store_unavailable: 503,
};

/** A refusal made by the HTTP layer itself (auth, roles). */
export class ApiError extends CoachlineError {
  constructor(code: 'unauthorized' | 'forbidden_role' | 'route_not_found' | 'too_many_auth_failures', message: string, details?: { retryAfterSec: number }) {
    super(code, message, details);
    this.name = 'ApiError';
  }
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** Fastify's own client errors (body parsing, limits), by their codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

export function toErrorReply(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  const e = err as FastifyError & { validation?: unknown };
  if (e?.validation) {
    return { status: 400, body: errorBody('bad_request', e.message), internal: false };
  }
  if (err instanceof CoachlineError && Object.hasOwn(STATUS_OF_CODE, err.code)) {
    const body = errorBody(err.code, err.message);
    const sessionId = err.details?.sessionId;
    if (typeof sessionId === 'string') body.error.sessionId = sessionId;
    return { status: STATUS_OF_CODE[err.code]!, body, internal: false };
  }
  if (isConnectionError(err)) {
    return { status: 503, body: errorBody('store_unavailable', 'shared state (Redis) is unavailable'), internal: false };
  }
  const fcode = typeof e?.code === 'string' && Object.hasOwn(FASTIFY_CODES, e.code) ? FASTIFY_CODES[e.code] : undefined;
  if (fcode) return { status: STATUS_OF_CODE[fcode]!, body: errorBody(fcode, e.message), internal: false };
  if (err instanceof SyntaxError || (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)) {
    // Body parser errors not listed above (bad JSON, bad content length…): the client's.
    const status = typeof e.statusCode === 'number' ? e.statusCode : 400;
    return { status, body: errorBody(status === 400 ? 'bad_json' : 'bad_request', e.message), internal: false };
  }
  return { status: 500, body: errorBody('internal', 'internal error; it has been logged'), internal: true };
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const r = toErrorReply(err);
  if (r.internal) request.log.error({ err }, 'request failed');
  else request.log.info({ code: r.body.error.code, status: r.status }, 'request refused');
  if (r.status === 401) void reply.header('www-authenticate', 'Bearer');
  const retryAfter = err instanceof CoachlineError ? err.details?.retryAfterSec : undefined;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  // A client refused for its credentials gets no kept-alive connection to try again on.
  if (r.status === 401 || r.body.error.code === 'too_many_auth_failures') void reply.header('connection', 'close');
  void reply.code(r.status).send(r.body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
