import { Call, NumberEntry, User } from '../domain';
import type { BusEvent, EventScope } from '../store';
import { CallStore } from '../store/calls';

/**
 * Who may see what. Calls are listed to every supervisor and admin (marked not
 * supervisable where they may not act, SPEC §5.2). Supervision — who is listening to
 * whom — is shown only to admins, to the supervisor themself, and to supervisors in
 * the call's number's distribution; and never to a participant of the call: neither
 * the customer nor the agent is told (SPEC §5.7), even when the agent is a supervisor
 * or an admin taking calls.
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
  }
}

export function callScope(call: Call, supervisorId?: string): EventScope {
  return { number: call.number, agents: CallStore.agentsOf(call), ...(supervisorId ? { supervisorId } : {}) };
}
