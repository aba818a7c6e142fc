import { Call, NumberEntry, Session, User } from '../domain';
import type { BusEvent, EventScope, TimelineEntry } from '../store';
import { CallStore } from '../store/calls';

/**
 * Who may see what. Calls are listed to every supervisor and admin (marked not
 * supervisable where they may not act, SPEC §5.2). Supervision — who is listening to
 * whom — is shown only to admins, to the supervisor themself, and to supervisors in
 * the call's number's distribution; and never to a participant of the call: neither
 * the customer nor the agent is told (SPEC §5.7), even when the agent is a supervisor
 * or an admin taking calls. The one exception is the one SPEC §5.7 makes: a coach who
 * joined with `notify` has played a tone to the agent, so that agent (and only they)
 * is told who is coaching them, while it lasts — never of a monitor or barge, nor of
 * a coach without notify.
 *
 * Agents see their own calls only: listed, in detail and on the stream.
 */

const isStaff = (u: User): boolean => u.role === 'supervisor' || u.role === 'admin';

export function isParticipant(user: User, agents: readonly string[] | undefined): boolean {
  return agents?.includes(user.id) ?? false;
}

export function maySeeSupervision(user: User, scope: EventScope, number: NumberEntry | undefined): boolean {
  if (scope.supervisorId !== undefined && scope.supervisorId === user.id) return true;
  if (isParticipant(user, scope.agents)) return false;
  if (user.role === 'admin') return true;
  return user.role === 'supervisor' && (number?.distribution.includes(user.id) ?? false);
}

export function maySeeEvent(user: User, e: Pick<BusEvent, 'entry' | 'scope'>, number: NumberEntry | undefined): boolean {
  switch (e.entry.kind) {
    case 'user':
      return isStaff(user) || e.scope.userId === user.id;
    case 'call':
      return isStaff(user) || isParticipant(user, e.scope.agents);
    case 'supervision':
      return maySeeSupervision(user, e.scope, number);
    case 'notice':
      // Addressed to one user (the coached agent); nobody else, admins included.
      return e.scope.userId === user.id;
  }
}

/** The agent is the target of a coach who joined with notify (the tone told them). */
export function isToldOfCoaching(user: User, call: Call, session: Session): boolean {
  if (!hasCoachingNotice(session)) return false;
  return call.participants.some((p) => p.id === session.target && p.userId === user.id);
}

/** Whether a session's target is being told "<name> is coaching you". */
export const hasCoachingNotice = (s: Pick<Session, 'notify' | 'mode' | 'state'>): boolean =>
  s.notify && s.mode === 'coach' && s.state === 'active';

/** A user who may read this call: staff, or an agent who is or was on it. */
export function maySeeCall(user: User, call: Call): boolean {
  return isStaff(user) || isParticipant(user, CallStore.agentsOf(call));
}

/**
 * What of a visible event `user` is shown: a status change caused by a supervision
 * (busy, restored) names its session only to those who may see that supervision;
 * everyone else on the staff just sees the status.
 */
export function shownEntry(user: User, e: Pick<BusEvent, 'entry' | 'scope'>, number: NumberEntry | undefined): TimelineEntry {
  const detail = e.entry.kind === 'user' ? e.entry.detail : undefined;
  if (detail?.sessionId === undefined || maySeeSupervision(user, e.scope, number)) return e.entry;
  const { sessionId: _hidden, ...rest } = detail;
  return { ...e.entry, detail: rest };
}

export function callScope(call: Call, supervisorId?: string): EventScope {
  return { number: call.number, agents: CallStore.agentsOf(call), ...(supervisorId ? { supervisorId } : {}) };
}
