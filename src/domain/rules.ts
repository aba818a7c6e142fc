import { Call, callState, findParticipant, isConferenceCall, isTransferredToExternal } from './call';
import { NumberEntry, SupervisionMode, User, UserStatus } from './directory';

/**
 * The supervision rules of SPEC §5 as pure functions: facts in, a decision out.
 * Refusal codes are stable API; adapters map them to HTTP statuses.
 */

export type RefusalCode =
  | 'not_supervisor'
  | 'forbidden_mode'
  | 'not_in_distribution'
  | 'not_supervisable'
  | 'emergency_call'
  | 'call_not_live'
  | 'conference_call'
  | 'external_transfer'
  | 'coach_taken'
  | 'supervisor_busy'
  | 'not_available'
  | 'own_call'
  | 'target_not_found'
  | 'target_ambiguous'
  | 'target_not_agent'
  | 'internal_call'
  | 'forbidden_conference'
  | 'forbidden_takeover'
  | 'session_not_active';

export type Decision = { allowed: true; target: string } | { allowed: false; code: RefusalCode; message: string };
export type CallDecision = { allowed: true } | { allowed: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode, message: string): { allowed: false; code: RefusalCode; message: string } => ({
  allowed: false,
  code,
  message,
});

/**
 * What the request names as its target: a participant id, or the shorthands
 * `external` (the customer) and `internal` (the agent, when there is exactly one).
 */
export type TargetSpec = string;

export interface SupervisionFacts {
  call: Call;
  /** The number entry the call is on; absent when the number is not in the directory. */
  number: NumberEntry | undefined;
  supervisor: User;
  supervisorStatus: UserStatus;
  /** Session id of another live session this supervisor has, if any. */
  supervisorSessionId: string | undefined;
  /** Session id of a live coach session on the requested target agent, if any (not this supervisor's own). */
  coachOnTarget: (agentParticipantId: string) => string | undefined;
}

/**
 * Whether `user` may supervise `call` at all (no mode or target yet): what call
 * listings show as `supervisable` with its reason.
 */
export function callSupervisability(call: Call, number: NumberEntry | undefined, user: User): CallDecision {
  if (user.role !== 'supervisor' && user.role !== 'admin') {
    return refuse('not_supervisor', 'only supervisors and admins supervise calls');
  }
  if (call.emergency || number?.emergency) return refuse('emergency_call', 'emergency calls are never supervised');
  // Only calls with a customer are supervised (Aircall's rule): a colleague's call is theirs.
  if (call.direction === 'internal') return refuse('internal_call', 'agent-to-agent calls have no customer and are not supervised');
  const state = callState(call);
  if (state === 'ringing' || state === 'ended') return refuse('call_not_live', `the call is ${state}, not live`);
  if (call.participants.some((p) => p.kind === 'internal' && p.userId === user.id && p.status !== 'left')) {
    return refuse('own_call', 'you cannot supervise a call you are a participant in');
  }
  if (!number || !number.distribution.includes(user.id)) {
    return refuse('not_in_distribution', `you are not in the distribution of number ${call.number}`);
  }
  if (!number.supervisable) return refuse('not_supervisable', `supervision is switched off for number ${call.number}`);
  return { allowed: true };
}

export function resolveTarget(call: Call, spec: TargetSpec): { id: string } | { code: RefusalCode; message: string } {
  const live = call.participants.filter((p) => p.status === 'connected');
  if (spec === 'external' || spec === 'internal') {
    const kind = spec;
    const matches = live.filter((p) => p.kind === kind);
    if (matches.length === 0) return { code: 'target_not_found', message: `the call has no connected ${kind} participant` };
    if (matches.length > 1) {
      return { code: 'target_ambiguous', message: `the call has ${matches.length} ${kind} participants: name one by id` };
    }
    return { id: matches[0]!.id };
  }
  const p = findParticipant(call, spec);
  if (!p || p.status !== 'connected') return { code: 'target_not_found', message: `participant ${spec} is not connected to this call` };
  return { id: p.id };
}

/** Mode-specific checks, shared by a new session and a mode switch on a live one. */
function modeDecision(facts: SupervisionFacts, target: string, mode: SupervisionMode): CallDecision {
  const { call, supervisor } = facts;
  if (!supervisor.permissions.includes(mode)) return refuse('forbidden_mode', `you do not have the ${mode} permission`);
  const p = findParticipant(call, target)!;
  if ((mode === 'coach' || mode === 'barge') && p.kind !== 'internal') {
    return refuse('target_not_agent', `${mode} targets an agent, not the customer`);
  }
  if (mode === 'coach') {
    if (isConferenceCall(call)) return refuse('conference_call', 'coaching is not available on conference calls');
    if (isTransferredToExternal(call)) {
      return refuse('external_transfer', 'coaching is not available on calls transferred to an external number');
    }
    const other = facts.coachOnTarget(target);
    if (other) return refuse('coach_taken', 'another supervisor is already coaching this agent');
  }
  return { allowed: true };
}

export function evaluateStart(facts: SupervisionFacts, request: { target: TargetSpec; mode: SupervisionMode }): Decision {
  const callOk = callSupervisability(facts.call, facts.number, facts.supervisor);
  if (!callOk.allowed) return callOk;
  const target = resolveTarget(facts.call, request.target);
  if ('code' in target) return refuse(target.code, target.message);
  const modeOk = modeDecision(facts, target.id, request.mode);
  if (!modeOk.allowed) return modeOk;
  if (facts.supervisorSessionId) return refuse('supervisor_busy', 'you already have a supervision session; stop it first');
  if (facts.supervisorStatus !== 'available') {
    return refuse('not_available', `your status is ${facts.supervisorStatus}; set it to available to supervise`);
  }
  return { allowed: true, target: target.id };
}

/** A mode switch on a live session: the call, role and distribution are re-checked, not status or busy. */
export function evaluateSwitch(facts: SupervisionFacts, session: { target: string }, mode: SupervisionMode): CallDecision {
  const callOk = callSupervisability(facts.call, facts.number, facts.supervisor);
  if (!callOk.allowed) return callOk;
  const p = findParticipant(facts.call, session.target);
  if (!p || p.status !== 'connected') return refuse('target_not_found', 'the supervised participant has left the call');
  return modeDecision(facts, session.target, mode);
}

/**
 * Who may add or remove participants on a live call (a conference): the call's own
 * connected agent, or a supervisor or admin with the `conference` permission who may
 * supervise the call.
 */
export function evaluateConference(call: Call, number: NumberEntry | undefined, user: User): CallDecision {
  const state = callState(call);
  if (state === 'ringing' || state === 'ended') return refuse('call_not_live', `the call is ${state}, not live`);
  if (call.direction === 'internal') return refuse('internal_call', 'participants are added to calls with a customer');
  const own = call.participants.some((p) => p.kind === 'internal' && p.userId === user.id && p.status === 'connected');
  if (own) return { allowed: true };
  if (user.role === 'agent') return refuse('forbidden_conference', 'only the call’s agent, or a supervisor with the conference permission, adds participants');
  if (!user.permissions.includes('conference')) return refuse('forbidden_conference', 'you do not have the conference permission');
  const ok = callSupervisability(call, number, user);
  return ok.allowed || ok.code === 'own_call' ? { allowed: true } : ok;
}

/**
 * Whether the supervisor of a live session may take the call over: the `takeover`
 * permission, a joined session, and a target agent still on the call.
 */
export function evaluateTakeover(call: Call, number: NumberEntry | undefined, supervisor: User, session: { target: string; state: string }): CallDecision {
  const callOk = callSupervisability(call, number, supervisor);
  if (!callOk.allowed) return callOk;
  if (!supervisor.permissions.includes('takeover')) return refuse('forbidden_takeover', 'you do not have the takeover permission');
  if (session.state !== 'active') return refuse('session_not_active', `the session is ${session.state}: take over once your phone is in the call`);
  const p = findParticipant(call, session.target);
  if (!p || p.status !== 'connected') return refuse('target_not_found', 'the supervised participant has left the call');
  if (p.kind !== 'internal') return refuse('target_not_agent', 'a takeover replaces an agent: supervise the agent, not the customer');
  return { allowed: true };
}
