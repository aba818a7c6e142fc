import { CompiledPlan, Device, DialFailure, User } from '../domain';

/**
 * The two ports the supervision service drives. Their real implementations live in
 * src/sip (drachtio) and src/media (FreeSWITCH); tests use recording doubles.
 */

/** Where a supervisor's leg is dialed: always the supervisor's own device (SPEC §7). */
export interface DialRequest {
  sessionId: string;
  callId: string;
  supervisor: User;
  device: Device;
  /** Voicemail guard: the answered phone must press 1 before it hears anything. */
  confirm: boolean;
}

export type DialEvent =
  | { type: 'ringing' }
  /** The phone answered (and, with the guard, pressed 1 — `confirmed` follows `answered`). */
  | { type: 'answered' }
  | { type: 'confirmed' }
  | { type: 'confirm_timeout' }
  | { type: 'failed'; reason: DialFailure; sipStatus?: number }
  /** The supervisor hung up after answering. */
  | { type: 'hangup' }
  /** A DTMF digit from the supervisor's phone once the session is joined. */
  | { type: 'dtmf'; digit: string };

/** Who POST /v1/calls/:id/participants brings in: a directory user's own device, or a number through the trunk. */
export type ParticipantTarget = { userId: string } | { number: string };

/** A supervisor's leg becomes a participant of the call it supervised (takeover). */
export interface TakeoverRequest {
  sessionId: string;
  callId: string;
  /** Participant id of the agent whose leg is released. */
  target: string;
  supervisor: User;
}

export interface SignalingPort {
  /**
   * Start dialing the supervisor's device. Resolves once the INVITE is sent; progress
   * arrives through `onEvent`, in order, until `failed`, `confirm_timeout` or `hangup`.
   */
  dialSupervisor(req: DialRequest, onEvent: (e: DialEvent) => void): Promise<void>;
  /** Hang up (BYE) or cancel (CANCEL) the supervisor's leg; idempotent. */
  hangupSupervisor(sessionId: string): Promise<void>;
  /**
   * Dial a participant into a live call this instance owns. Resolves with its
   * participant id once it is ringing; its answer or failure arrives as call changes.
   * Throws a CoachlineError (`call_not_live`, `participant_unreachable`, `participant_busy`).
   */
  addParticipant(callId: string, target: ParticipantTarget, actor: string): Promise<{ participantId: string }>;
  /** Hang up (or cancel) one participant's leg; throws `participant_not_found` when there is none. */
  removeParticipant(callId: string, participantId: string, actor: string): Promise<void>;
  /**
   * The session's leg stays in the call as an internal participant (its id is the
   * session id, so its conference member is unchanged) and the target agent's leg is
   * hung up. Throws `session_leg_gone` when the supervisor's leg is not up here.
   */
  takeOver(req: TakeoverRequest): Promise<{ participantId: string }>;
  /**
   * BYE every SIP dialog a lost instance held (its calls' phones, the trunk, its
   * supervisors' phones) that is on this instance's drachtio-server; the others are
   * left alone. Resolves with how many were reached of how many it held.
   */
  hangUpLostDialogs(instanceId: string): Promise<{ reached: number; held: number; server?: string }>;
}

export interface MediaPort {
  /**
   * Bring the call's conference to `plan`: join members new in the plan (supervisor
   * legs are found by session id) with the plan's join flags, then send the diff from
   * the last applied plan. Idempotent for an unchanged plan.
   */
  applyPlan(callId: string, plan: CompiledPlan): Promise<void>;
  /**
   * Play a short sound to one joined member only (a supervisor told their DTMF was
   * refused); nobody else in the conference hears it. Not part of the plan: it is an
   * answer to a key press, not a state.
   */
  playToMember(callId: string, key: string, sound: string): Promise<void>;
  /**
   * Hang up every member of the call's conference wherever it is, for a call whose
   * owning instance was lost: its FreeSWITCH channels (a supervisor's among them)
   * must not go on carrying the call with nobody left to end them. A no-op where the
   * conference is not.
   */
  dropConference(callId: string): Promise<void>;
}

/**
 * The media side of one SIP leg (a FreeSWITCH endpoint), as the SIP adapter sees it.
 * The SIP adapter owns the dialog; the media adapter owns the endpoint and joins it
 * to the call's conference when a plan names it.
 */
export interface MediaLeg {
  /** Key of this leg in media plans: a participant id or a session id. */
  readonly key: string;
  /** SDP to offer or answer toward the phone. */
  readonly localSdp: string;
  /** Give FreeSWITCH the phone's SDP (its answer to our offer, or a changed offer). Returns FreeSWITCH's SDP. */
  setRemoteSdp(sdp: string): Promise<string>;
  /** Play a file or tone stream to this leg only (not joined yet, e.g. the voicemail-guard prompt). */
  play(file: string): Promise<void>;
  /** Stop what `play` is playing (so a join is not queued behind a prompt). */
  stopPlaying(): Promise<void>;
  onDtmf(cb: (digit: string) => void): void;
  /** FreeSWITCH hung up the endpoint (media timeout, server lost). */
  onGone(cb: (reason: string) => void): void;
  /** Hang up the endpoint; idempotent. */
  release(): Promise<void>;
}

export interface CallMediaPort {
  /** Create a leg for `callId` on the call's media server; with `remoteSdp` it answers that offer, else it makes an offer. */
  createLeg(callId: string, key: string, remoteSdp?: string): Promise<MediaLeg>;
  /** Release every leg of the call and remove its conference. */
  endCall(callId: string): Promise<void>;
  /** Whether a media server is available for new calls, with detail for /readyz. */
  health(): { ok: boolean; detail: string };
}
