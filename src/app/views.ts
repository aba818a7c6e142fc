import { Call, CallDecision, NumberEntry, callState } from '../domain';
import type { Presence } from '../store';
import type { CallView, ParticipantView, SessionView, UserView, NumberView, TimelineEventView } from '../api/contract';
import type { CallRecord, SessionRecord, StoredUser, TimelineEvent } from '../store';

/** Records to the API's view types (the contract): the one place that shapes responses. */

export function sessionView(r: SessionRecord): SessionView {
  const s = r.session;
  return {
    id: s.id,
    callId: s.callId,
    supervisorId: s.supervisorId,
    target: s.target,
    mode: s.mode,
    notify: s.notify,
    confirm: s.confirm,
    state: s.state,
    ...(s.reason ? { reason: s.reason } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(r.joinedAt ? { joinedAt: r.joinedAt } : {}),
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
  };
}

function participantViews(call: Call): ParticipantView[] {
  return call.participants.map((p) => ({
    id: p.id,
    kind: p.kind,
    role: p.kind === 'external' ? 'customer' : 'agent',
    ...(p.userId ? { userId: p.userId } : {}),
    address: p.address,
    status: p.status,
    held: p.held,
    origin: p.origin,
  }));
}

/** A supervisor shown as an internal participant of the call, marked with their mode (SPEC §5.10). */
function supervisorView(r: SessionRecord): ParticipantView {
  const s = r.session;
  return {
    id: s.id,
    kind: 'internal',
    role: 'supervisor',
    userId: s.supervisorId,
    address: `supervisor:${s.supervisorId}`,
    status: s.state === 'active' ? 'connected' : 'ringing',
    held: false,
    supervision: { sessionId: s.id, mode: s.mode, state: s.state, target: s.target },
  };
}

export function callView(r: CallRecord, decision: CallDecision, supervisors: readonly SessionRecord[]): CallView {
  const { call } = r;
  return {
    id: call.id,
    direction: call.direction,
    number: call.number,
    state: callState(call),
    emergency: call.emergency,
    startedAt: r.startedAt,
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    participants: [...participantViews(call), ...supervisors.map(supervisorView)],
    ...(call.transfer ? { transfer: { ...call.transfer } } : {}),
    supervisable: decision.allowed,
    ...(decision.allowed ? {} : { reason: { code: decision.code, message: decision.message } }),
  };
}

export function userView(u: StoredUser, presence: Presence, numbers: readonly NumberEntry[]): UserView {
  return {
    id: u.id,
    name: u.name,
    role: u.role,
    permissions: [...u.permissions],
    ...(u.device ? { device: { ...u.device } } : {}),
    numbers: numbers.filter((n) => n.distribution.includes(u.id)).map((n) => n.e164),
    status: presence.status,
    tokenCount: u.tokenSha256.length,
    ...(u.sip ? { sipUsername: u.sip.username } : {}),
  };
}

export function numberView(n: NumberEntry): NumberView {
  return { e164: n.e164, name: n.name, distribution: [...n.distribution], emergency: n.emergency, supervisable: n.supervisable };
}

export function timelineView(e: TimelineEvent): TimelineEventView {
  return { ...e };
}
