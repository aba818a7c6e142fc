/**
 * Admission control: whether coachline takes on new work — a new call's INVITE or a
 * supervision start — given its last readings of its own load and the settings.
 * Pure: the readings are taken by src/app/admission.ts. Work already admitted is never
 * judged here: shedding only refuses what has not started, so calls that are up keep
 * the capacity they were given.
 */

export type AdmissionKind = 'call' | 'supervision';

/** Why new work was refused, one per signal (also the `reason` label in /metrics). */
export type AdmissionReason = 'max_calls' | 'media_sessions' | 'media_idle_cpu' | 'event_loop_delay';

export const ADMISSION_REASONS: readonly AdmissionReason[] = ['max_calls', 'media_sessions', 'media_idle_cpu', 'event_loop_delay'];

/** What one FreeSWITCH last said of itself (`status`), and how long ago. */
export interface MediaLoad {
  host: string;
  sessions: number;
  idleCpuPct: number;
  ageMs: number;
}

export interface AdmissionReadings {
  /** Calls of this instance with media in FreeSWITCH, ringing and set-up included. */
  calls: number;
  /** One per connected FreeSWITCH. */
  media: readonly MediaLoad[];
  /** The event loop's delay (p99 over the last window), ms. */
  eventLoopDelayMs: number;
}

/** Each limit is off at 0. */
export interface AdmissionSettings {
  /** Most concurrent calls on this instance. */
  maxCalls: number;
  /** Most FreeSWITCH sessions (channels) on a server, counting every app that uses it. */
  maxMediaSessions: number;
  /** Least idle CPU, in percent, a server must report. */
  minIdleCpuPct: number;
  /** Most event-loop delay, ms. */
  maxEventLoopDelayMs: number;
  /** Sent as Retry-After (SIP) and retryAfterSec (API) with a refusal. */
  retryAfterSec: number;
  /** A media reading older than this says nothing: FreeSWITCH stopped answering `status`. */
  staleMediaMs: number;
}

export interface AdmissionRequest {
  kind: AdmissionKind;
  /** A call to an emergency number: always admitted, even past every limit. */
  emergency?: boolean;
}

export type AdmissionDecision =
  | { admit: true; reason: 'within_limits' | 'emergency' }
  | { admit: false; reason: AdmissionReason; retryAfterSec: number; message: string };

export function decideAdmission(readings: AdmissionReadings, settings: AdmissionSettings, request: AdmissionRequest): AdmissionDecision {
  // Refusing an emergency call would be worse than one call over capacity.
  if (request.kind === 'call' && request.emergency) return { admit: true, reason: 'emergency' };
  const refuse = (reason: AdmissionReason, message: string): AdmissionDecision => ({
    admit: false,
    reason,
    retryAfterSec: settings.retryAfterSec,
    message: `coachline is at capacity: ${message}; try again in ${settings.retryAfterSec} s`,
  });

  // A supervisor leg adds FreeSWITCH work to a call, so at the ceiling it is refused too.
  if (settings.maxCalls > 0 && readings.calls >= settings.maxCalls) {
    return refuse('max_calls', `${readings.calls} calls, the most allowed (ADMISSION_MAX_CALLS=${settings.maxCalls})`);
  }

  // New calls go to the least-loaded server, so media refuses only when every server
  // that answered lately is over; with no fresh reading the media signals say nothing
  // (a server that is down fails the call on its own, with its own 503).
  const fresh = readings.media.filter((m) => m.ageMs <= settings.staleMediaMs);
  if (fresh.length > 0) {
    const overSessions = (m: MediaLoad): boolean => settings.maxMediaSessions > 0 && m.sessions >= settings.maxMediaSessions;
    const overCpu = (m: MediaLoad): boolean => settings.minIdleCpuPct > 0 && m.idleCpuPct < settings.minIdleCpuPct;
    if (fresh.every((m) => overSessions(m) || overCpu(m))) {
      if (fresh.some(overSessions)) {
        const least = Math.min(...fresh.map((m) => m.sessions));
        return refuse('media_sessions', `${least} FreeSWITCH sessions on the least busy server (ADMISSION_MAX_MEDIA_SESSIONS=${settings.maxMediaSessions})`);
      }
      const most = Math.max(...fresh.map((m) => m.idleCpuPct));
      return refuse('media_idle_cpu', `FreeSWITCH reports ${most.toFixed(1)} % idle CPU at best (ADMISSION_MIN_IDLE_CPU=${settings.minIdleCpuPct})`);
    }
  }

  if (settings.maxEventLoopDelayMs > 0 && readings.eventLoopDelayMs >= settings.maxEventLoopDelayMs) {
    return refuse('event_loop_delay', `event-loop delay ${readings.eventLoopDelayMs.toFixed(0)} ms (ADMISSION_MAX_EVENT_LOOP_DELAY_MS=${settings.maxEventLoopDelayMs})`);
  }
  return { admit: true, reason: 'within_limits' };
}
