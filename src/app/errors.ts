import { CoachlineError, RefusalCode } from '../domain';

/**
 * Refusals and failures of the application layer, each with a stable code. The
 * domain's RefusalCodes pass through unchanged; the API maps codes to HTTP statuses.
 */
export type AppErrorCode =
  | RefusalCode
  | 'call_not_found'
  | 'session_not_found'
  | 'user_not_found'
  | 'number_not_found'
  | 'user_exists'
  | 'number_exists'
  | 'unknown_user'
  | 'token_in_use'
  | 'sip_username_in_use'
  | 'user_in_session'
  | 'last_admin'
  | 'concurrent_update'
  | 'too_many_sessions'
  | 'bad_cursor'
  | 'bad_request'
  | 'no_device'
  | 'session_not_live'
  | 'not_session_owner'
  | 'forbidden_role'
  | 'not_yourself'
  | 'signaling_unavailable'
  | 'owner_unavailable'
  | 'media_unavailable'
  | 'overloaded'
  | 'participant_not_found'
  | 'participant_unreachable'
  | 'participant_busy'
  | 'session_leg_gone';

export class AppError extends CoachlineError {
  declare readonly code: AppErrorCode;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = 'AppError';
  }
}
