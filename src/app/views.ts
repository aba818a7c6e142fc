import { Call, CallDecision, NumberEntry, Participant, asJoined, callState, heardByTarget } from '../domain';
import type { Presence } from '../store';
import type { CallView, ParticipantAction, ParticipantView, SessionView, UserView, NumberView, TimelineEventView } from '../contract';
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

/** What a call view adds for its reader: directory names, and in a call's detail their actions and session. */
export interface CallViewExtras {
  numberName?: string;
  /** Directory names by user id. */
  names?: ReadonlyMap<string, string>;
  actions?: ReadonlyMap<string, ParticipantAction[]>;
  yourSession?: SessionRecord;
}

function participantViews(call: Call, x: CallViewExtras): ParticipantView[] {
  return call.participants.map((p) => participantView(p, x));
}

export function participantView(p: Participant, x: CallViewExtras = {}): ParticipantView {
    const name = p.userId ? x.names?.get(p.userId) : undefined;
    const actions = x.actions?.get(p.id);
    return {
      id: p.id,
      kind: p.kind,
      // A supervisor who took the call over talks in it as its internal participant.
      role: p.kind === 'external' ? 'customer' : p.origin === 'takeover' ? 'supervisor' : 'agent',
      ...(p.userId ? { userId: p.userId } : {}),
      ...(name !== undefined ? { name } : {}),
      address: p.address,
      status: p.status,
      held: p.held,
      origin: p.origin,
      ...(actions ? { actions } : {}),
    };
}

/**
 * heardByTarget per call object and session, computed once: it builds the call's hearing
 * matrix, and a listing shows the same (unchanged, shared) call records to every
 * supervisor who asks. Keyed by what asJoined takes from the session.
 */
const heardMemo = new WeakMap<Call, Map<string, boolean>>();

function heardOnce(call: Call, s: SessionRecord['session']): boolean {
  let byCall = heardMemo.get(call);
  if (!byCall) heardMemo.set(call, (byCall = new Map()));
  const key = JSON.stringify([s.id, s.mode, s.target, s.notify]);
  let heard = byCall.get(key);
  if (heard === undefined) byCall.set(key, (heard = heardByTarget(call, asJoined(s))));
  return heard;
}

/** A supervisor shown as an internal participant of the call, marked with their mode (SPEC §5.10). */
function supervisorView(call: Call, r: SessionRecord, x: CallViewExtras): ParticipantView {
  const s = r.session;
  const heard = s.state === 'active' && heardOnce(call, s);
  const name = x.names?.get(s.supervisorId);
  return {
    id: s.id,
    kind: 'internal',
    role: 'supervisor',
    userId: s.supervisorId,
    ...(name !== undefined ? { name } : {}),
    address: `supervisor:${s.supervisorId}`,
    status: s.state === 'active' ? 'connected' : 'ringing',
    held: false,
    supervision: { sessionId: s.id, mode: s.mode, state: s.state, target: s.target, heardByTarget: heard },
  };
}

export function callView(r: CallRecord, decision: CallDecision, supervisors: readonly SessionRecord[], x: CallViewExtras = {}): CallView {
  const { call } = r;
  return {
    id: call.id,
    direction: call.direction,
    number: call.number,
    ...(x.numberName !== undefined ? { numberName: x.numberName } : {}),
    state: callState(call),
    emergency: call.emergency,
    startedAt: r.startedAt,
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    participants: [...participantViews(call, x), ...supervisors.map((sr) => supervisorView(call, sr, x))],
    ...(call.transfer ? { transfer: { ...call.transfer } } : {}),
    supervisable: decision.allowed,
    ...(decision.allowed ? {} : { reason: { code: decision.code, message: decision.message } }),
    ...(x.yourSession ? { yourSession: sessionView(x.yourSession) } : {}),
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
