import { IllegalTransitionError, CoachlineError } from './errors';

/**
 * The call model. A call is data: its participants and, while one is under way, a
 * transfer. Its state and its talk groups are derived, never stored, so they can
 * never disagree with the participants.
 */

export type ParticipantKind = 'external' | 'internal';
export type LegStatus = 'ringing' | 'connected' | 'left';
/**
 * How a participant came into the call: the original legs, a transfer target, a
 * consulted agent, one added to the call (a conference), or a supervisor who took it over.
 */
export type ParticipantOrigin = 'call' | 'transfer' | 'consult' | 'added' | 'takeover';

export interface Participant {
  /** Unique per leg: a participant who leaves and comes back is a new participant. */
  id: string;
  kind: ParticipantKind;
  /** Directory user id, for internal participants. */
  userId?: string;
  /** Number or SIP URI, as dialed or presented. */
  address: string;
  status: LegStatus;
  /** The participant's own phone put its leg on hold (re-INVITE sendonly/inactive). */
  held: boolean;
  origin: ParticipantOrigin;
}

export type TransferKind = 'blind' | 'attended';
export type TransferPhase = 'dialing' | 'consulting' | 'completed';

export interface Transfer {
  kind: TransferKind;
  /** The transferring agent. */
  by: string;
  /** The participant being brought in (present from the moment it is dialed). */
  target: string;
  phase: TransferPhase;
  /**
   * The transferring agent's consult line: when the agent's own phone holds the
   * customer and dials a colleague, its voice is on that second leg (this media key),
   * not on the held one, until the transfer completes or the consult ends.
   */
  line?: string;
}

/** `internal`: an agent calling a colleague with no customer on the line (never supervised). */
export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallState = 'ringing' | 'active' | 'held' | 'transferring' | 'transferred' | 'ended';

export interface Call {
  id: string;
  direction: CallDirection;
  /** The coachline number the call is on: the DID dialed (inbound) or the number the agent calls from (outbound). */
  number: string;
  emergency: boolean;
  answered: boolean;
  ended: boolean;
  participants: Participant[];
  transfer?: Transfer;
}

export function connected(call: Call): Participant[] {
  return call.participants.filter((p) => p.status === 'connected');
}

export function findParticipant(call: Call, id: string): Participant | undefined {
  return call.participants.find((p) => p.id === id);
}

export function callState(call: Call): CallState {
  if (call.ended) return 'ended';
  if (!call.answered) return 'ringing';
  const t = call.transfer;
  if (t && t.phase !== 'completed') return 'transferring';
  if (t && t.phase === 'completed' && findParticipant(call, t.by)?.status === 'connected') return 'transferred';
  const agents = connected(call).filter((p) => p.kind === 'internal');
  if (agents.length > 0 && agents.every((p) => p.held)) return 'held';
  return 'active';
}

/**
 * More than one external party connected, other than one brought in by a transfer
 * (that case has its own rule): a conference call, where coach is refused.
 */
export function isConferenceCall(call: Call): boolean {
  return connected(call).filter((p) => p.kind === 'external' && p.origin !== 'transfer').length > 1;
}

/** An external party was brought in by a transfer: coach is refused there. */
export function isTransferredToExternal(call: Call): boolean {
  return call.participants.some((p) => p.kind === 'external' && p.origin === 'transfer' && p.status !== 'left');
}

// ---- transitions: each returns a new call or throws IllegalTransitionError ----

function requireLive(call: Call, event: string): void {
  if (call.ended) throw new IllegalTransitionError('call', 'ended', event);
}

function requireParticipant(call: Call, id: string, event: string): Participant {
  const p = findParticipant(call, id);
  if (!p || p.status === 'left') {
    throw new CoachlineError('participant_not_found', `participant ${id} is not in call ${call.id}`, { event });
  }
  return p;
}

function replace(call: Call, id: string, patch: Partial<Participant>): Call {
  return { ...call, participants: call.participants.map((p) => (p.id === id ? { ...p, ...patch } : p)) };
}

export function newCall(init: {
  id: string;
  direction: Exclude<CallDirection, 'internal'>;
  number: string;
  emergency: boolean;
  customer: { id: string; address: string };
}): Call {
  return {
    id: init.id,
    direction: init.direction,
    number: init.number,
    emergency: init.emergency,
    answered: false,
    ended: false,
    participants: [
      { id: init.customer.id, kind: 'external', address: init.customer.address, status: 'connected', held: false, origin: 'call' },
    ],
  };
}

/** An agent calls a colleague, with no customer call held: the caller is connected, the callee rings. */
export function newInternalCall(init: {
  id: string;
  number: string;
  caller: { id: string; userId: string; address: string };
  callee: { id: string; userId: string; address: string };
}): Call {
  return {
    id: init.id,
    direction: 'internal',
    number: init.number,
    emergency: false,
    answered: false,
    ended: false,
    participants: [
      { ...init.caller, kind: 'internal', status: 'connected', held: false, origin: 'call' },
      { ...init.callee, kind: 'internal', status: 'ringing', held: false, origin: 'call' },
    ],
  };
}

/** An agent (or an external party for transfers) is being dialed into the call. */
export function addRinging(
  call: Call,
  p: { id: string; kind: ParticipantKind; address: string; userId?: string; origin: ParticipantOrigin },
): Call {
  requireLive(call, 'add_participant');
  if (findParticipant(call, p.id)) throw new CoachlineError('duplicate_participant', `participant ${p.id} already exists`);
  const participant: Participant = { ...p, status: 'ringing', held: false };
  return { ...call, participants: [...call.participants, participant] };
}

export function participantAnswered(call: Call, id: string): Call {
  requireLive(call, 'answered');
  const p = requireParticipant(call, id, 'answered');
  if (p.status !== 'ringing') throw new IllegalTransitionError(`participant ${id}`, p.status, 'answered');
  const next = replace(call, id, { status: 'connected' });
  return next.answered ? next : { ...next, answered: true };
}

/** A participant's leg is gone (BYE, failed dial, kicked). The last one leaving ends the call. */
export function participantLeft(call: Call, id: string): Call {
  requireLive(call, 'left');
  requireParticipant(call, id, 'left');
  let next = replace(call, id, { status: 'left', held: false });
  const t = next.transfer;
  if (t && t.target === id && t.phase !== 'completed') next = withoutTransfer(next);
  else if (t && t.by === id && t.phase === 'completed') next = withoutTransfer(next);
  // The transferring agent hanging up does not abort the transfer: during dialing it
  // goes on (phones commonly hang up right after a blind REFER); while consulting it
  // completes it, as hanging up does on a PBX ("transfer on hang-up").
  else if (t && t.by === id && t.phase === 'consulting') next = withoutTransfer(next);
  return settle(next);
}

/** A call with no customer left, or with nobody to talk to once answered, is over. */
function settle(next: Call): Call {
  const remaining = connected(next);
  const externals = remaining.filter((p) => p.kind === 'external');
  // An agent-to-agent call has no customer: it is over when one of the two is gone.
  const noCustomer = next.direction === 'internal' ? remaining.length === 0 : externals.length === 0;
  if (noCustomer || (next.answered && remaining.length < 2 && !next.transfer)) return { ...next, ended: true };
  return next;
}

function withoutTransfer(call: Call): Call {
  const { transfer: _drop, ...rest } = call;
  return rest;
}

export function setHeld(call: Call, id: string, held: boolean): Call {
  requireLive(call, held ? 'hold' : 'resume');
  const p = requireParticipant(call, id, held ? 'hold' : 'resume');
  if (p.kind !== 'internal') throw new CoachlineError('not_an_agent', 'only an agent puts a call on hold');
  if (p.status !== 'connected') throw new IllegalTransitionError(`participant ${id}`, p.status, held ? 'hold' : 'resume');
  return replace(call, id, { held });
}

/** REFER from an agent: the target participant must already be added (ringing) by the caller. */
export function startTransfer(call: Call, t: { kind: TransferKind; by: string; target: string }): Call {
  requireLive(call, 'transfer');
  if (call.transfer && call.transfer.phase !== 'completed') {
    throw new CoachlineError('transfer_in_progress', 'a transfer is already in progress on this call');
  }
  const by = requireParticipant(call, t.by, 'transfer');
  if (by.kind !== 'internal' || by.status !== 'connected') throw new CoachlineError('not_an_agent', 'only a connected agent transfers');
  requireParticipant(call, t.target, 'transfer');
  return { ...call, transfer: { ...t, phase: 'dialing' } };
}

/** The transfer target answered: a blind transfer completes, an attended one starts consulting. */
export function transferTargetAnswered(call: Call): Call {
  const t = call.transfer;
  if (!t || t.phase !== 'dialing') throw new IllegalTransitionError('transfer', t ? t.phase : 'absent', 'target_answered');
  const next = participantAnswered(call, t.target);
  return { ...next, transfer: { ...t, phase: t.kind === 'blind' ? 'completed' : 'consulting' } };
}

/** The consulting agent completes an attended transfer (REFER with Replaces, or the API). */
export function completeTransfer(call: Call): Call {
  const t = call.transfer;
  if (!t || t.phase !== 'consulting') throw new IllegalTransitionError('transfer', t ? t.phase : 'absent', 'complete');
  const { line: _line, ...rest } = t;
  return { ...call, transfer: { ...rest, phase: 'completed' } };
}

/** The target did not answer or the agent cancelled: the customer is back with the transferring agent. */
export function failTransfer(call: Call): Call {
  const t = call.transfer;
  if (!t || t.phase === 'completed') throw new IllegalTransitionError('transfer', t ? t.phase : 'absent', 'fail');
  const target = findParticipant(call, t.target);
  let next = withoutTransfer(call);
  if (target && target.status !== 'left') next = replace(next, target.id, { status: 'left', held: false });
  return settle(next);
}

/**
 * A supervisor takes the call over: their leg joins as an internal participant, the
 * agent they supervised leaves (participantLeft, once its leg is hung up).
 */
export function joinTakeover(call: Call, p: { id: string; userId: string; address: string }): Call {
  requireLive(call, 'takeover');
  if (findParticipant(call, p.id)) throw new CoachlineError('duplicate_participant', `participant ${p.id} already exists`);
  const joined: Participant = { ...p, kind: 'internal', status: 'connected', held: false, origin: 'takeover' };
  return { ...call, participants: [...call.participants, joined] };
}

/**
 * The transferring agent's phone holds the customer and calls a colleague: the
 * colleague is the transfer's target and the agent talks on a second leg (`line`).
 */
export function startConsult(call: Call, c: { by: string; target: { id: string; userId: string; address: string }; line: string }): Call {
  const withTarget = addRinging(call, { ...c.target, kind: 'internal', origin: 'consult' });
  const next = startTransfer(withTarget, { kind: 'attended', by: c.by, target: c.target.id });
  return { ...next, transfer: { ...next.transfer!, line: c.line } };
}

/**
 * The agent's phone sent its REFER before the consulted colleague answered
 * (semi-attended): the transfer completes as a blind one when the colleague answers.
 */
export function referWhileRinging(call: Call): Call {
  const t = call.transfer;
  if (!t || t.phase !== 'dialing' || t.kind !== 'attended') throw new IllegalTransitionError('transfer', t ? `${t.kind}/${t.phase}` : 'absent', 'refer_while_ringing');
  const { line: _line, ...rest } = t;
  return { ...call, transfer: { ...rest, kind: 'blind' } };
}

export function endCall(call: Call): Call {
  requireLive(call, 'end');
  return {
    ...withoutTransfer(call),
    ended: true,
    participants: call.participants.map((p) => (p.status === 'left' ? p : { ...p, status: 'left', held: false })),
  };
}
