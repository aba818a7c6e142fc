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

export interface SignalingPort {
  /**
   * Start dialing the supervisor's device. Resolves once the INVITE is sent; progress
   * arrives through `onEvent`, in order, until `failed`, `confirm_timeout` or `hangup`.
   */
  dialSupervisor(req: DialRequest, onEvent: (e: DialEvent) => void): Promise<void>;
  /** Hang up (BYE) or cancel (CANCEL) the supervisor's leg; idempotent. */
  hangupSupervisor(sessionId: string): Promise<void>;
}

export interface MediaPort {
  /**
   * Bring the call's conference to `plan`: join members new in the plan (supervisor
   * legs are found by session id) with the plan's join flags, then send the diff from
   * the last applied plan. Idempotent for an unchanged plan.
   */
  applyPlan(callId: string, plan: CompiledPlan): Promise<void>;
}
