import { SupervisionMode } from './directory';
import { IllegalTransitionError } from './errors';

/**
 * The supervision session state machine:
 *
 *   requested → dialing → ringing → (confirming) → active(mode) → ended | failed
 *
 * Every non-terminal state can end (stopped, call ended, target left) or fail. A
 * supervisor who leaves and comes back starts a new session (SPEC §5 rule 9).
 */

export type SessionState = 'requested' | 'dialing' | 'ringing' | 'confirming' | 'active' | 'ended' | 'failed';

export type DialFailure = 'no_answer' | 'busy' | 'declined' | 'unreachable';
export type FailReason = DialFailure | 'not_confirmed' | 'media_error' | 'lock_lost';
export type EndReason = 'stopped' | 'supervisor_hangup' | 'target_left' | 'call_ended' | 'takeover';

export interface Session {
  id: string;
  callId: string;
  supervisorId: string;
  /** Participant id of the supervised participant. */
  target: string;
  mode: SupervisionMode;
  notify: boolean;
  /** The supervisor must press 1 before hearing anything (voicemail guard). */
  confirm: boolean;
  state: SessionState;
  reason?: FailReason | EndReason;
}

export type SessionEvent =
  | { type: 'dial' }
  | { type: 'ringing' }
  | { type: 'answered' }
  | { type: 'confirmed' }
  | { type: 'confirm_timeout' }
  | { type: 'dial_failed'; reason: DialFailure }
  | { type: 'switch_mode'; mode: SupervisionMode }
  | { type: 'stop' }
  | { type: 'supervisor_hangup' }
  | { type: 'target_left' }
  | { type: 'call_ended' }
  /** The supervisor took the call over: the session ends, its leg stays in the call as a participant. */
  | { type: 'takeover' }
  | { type: 'media_error' }
  | { type: 'lock_lost' };

export const TERMINAL_STATES: readonly SessionState[] = ['ended', 'failed'];
export const isLive = (s: Pick<Session, 'state'>): boolean => !TERMINAL_STATES.includes(s.state);

export function newSession(init: Omit<Session, 'state' | 'reason'>): Session {
  return { ...init, state: 'requested' };
}

/** The next session, or IllegalTransitionError with the session unchanged. */
export function transition(s: Session, e: SessionEvent): Session {
  const illegal = (): never => {
    throw new IllegalTransitionError(`session ${s.id}`, s.state, e.type);
  };
  if (!isLive(s)) return illegal();
  const end = (reason: EndReason): Session => ({ ...s, state: 'ended', reason });
  const fail = (reason: FailReason): Session => ({ ...s, state: 'failed', reason });

  switch (e.type) {
    case 'dial':
      return s.state === 'requested' ? { ...s, state: 'dialing' } : illegal();
    case 'ringing':
      // A second 180/183 while ringing changes nothing.
      return s.state === 'dialing' || s.state === 'ringing' ? { ...s, state: 'ringing' } : illegal();
    case 'answered':
      if (s.state !== 'dialing' && s.state !== 'ringing') return illegal();
      return { ...s, state: s.confirm ? 'confirming' : 'active' };
    case 'confirmed':
      return s.state === 'confirming' ? { ...s, state: 'active' } : illegal();
    case 'confirm_timeout':
      return s.state === 'confirming' ? fail('not_confirmed') : illegal();
    case 'dial_failed':
      return s.state === 'dialing' || s.state === 'ringing' ? fail(e.reason) : illegal();
    case 'switch_mode':
      // The mode can be changed before the phone answers: it joins in the new mode.
      return { ...s, mode: e.mode };
    case 'stop':
      return end('stopped');
    case 'supervisor_hangup':
      // Hanging up before answering is a dial failure, reported by the dialer instead.
      return s.state === 'confirming' || s.state === 'active' ? end('supervisor_hangup') : illegal();
    case 'target_left':
      return end('target_left');
    case 'call_ended':
      return end('call_ended');
    case 'takeover':
      return s.state === 'active' ? end('takeover') : illegal();
    case 'media_error':
      return fail('media_error');
    case 'lock_lost':
      return fail('lock_lost');
  }
}
