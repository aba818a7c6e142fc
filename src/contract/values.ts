/**
 * The contract's enumerations as plain constants, with no TypeBox import: the web page
 * imports these for its labels and loops without bundling the schema builder. The
 * schemas in the other files are built from the same arrays (one source).
 */

export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export const MODES = ['monitor', 'coach', 'barge'] as const;
/** A user's permissions: each mode, `conference` (add/remove participants), `takeover` (take a supervised call over). */
export const PERMISSIONS = [...MODES, 'conference', 'takeover'] as const;
export const STATUSES = ['available', 'busy', 'unavailable'] as const;
export const DIALECTS = ['default', 'polycom', 'yealink', 'snom', 'cisco', 'grandstream', 'rfc5373'] as const;

export const SESSION_STATES = ['requested', 'dialing', 'ringing', 'confirming', 'active', 'ended', 'failed'] as const;
/** Why a session ended or failed. */
export const SESSION_REASONS = [
  'no_answer', 'busy', 'declined', 'unreachable', 'not_confirmed', 'media_error', 'lock_lost', 'stopped', 'supervisor_hangup', 'target_left', 'call_ended', 'takeover',
] as const;

/** Page sizes of the listings (GET /v1/calls, GET /v1/calls/:id/timeline). */
export const CALLS_PAGE = { default: 50, max: 500 } as const;
export const TIMELINE_PAGE = { default: 200, max: 1000 } as const;

/** How a participant came into a call: the original legs, a transfer target, a consulted agent, one added by POST /participants, a supervisor who took the call over. */
export const PARTICIPANT_ORIGINS = ['call', 'transfer', 'consult', 'added', 'takeover'] as const;

export const CALL_STATES = ['ringing', 'active', 'held', 'transferring', 'transferred', 'ended'] as const;

/** `notice`: what one user is told about their own call (a coach joining with notify), only ever sent to that user. */
export const EVENT_KINDS = ['call', 'supervision', 'user', 'notice'] as const;

/** The SSE event the stream sends instead of a replay it cannot give: re-read the state with GET. */
export const RESYNC_EVENT = 'resync';
/** The `notice` event type: detail `{ active, coachName }`. */
export const COACHING_NOTICE_EVENT = 'coaching_notice';
