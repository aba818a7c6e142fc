import { SupervisionMode, isLive, transition } from '../domain';
import type { SessionRecord } from '../store';
import { announceCoaching } from './coaching-notice';
import { AppError } from './errors';
import type { DialEvent } from './ports';
import { SessionOps } from './session-ops';

const DTMF_MODES: Record<string, SupervisionMode> = { '1': 'monitor', '2': 'coach', '3': 'barge' };

/**
 * Progress of a supervisor's leg, as the SIP adapter reports it. Runs in the call's
 * queue. The record in Redis is the truth: an event for a session that has finished
 * meanwhile (stopped, call ended) only makes sure its leg is down.
 */
export async function handleDialEvent(
  ops: SessionOps,
  sessionId: string,
  e: DialEvent,
  switchMode: (rec: SessionRecord, mode: SupervisionMode) => Promise<SessionRecord>,
): Promise<void> {
  const { store, signaling } = ops.d;
  const rec = (await store.sessions.get(sessionId)) ?? ops.ownedSessions.get(sessionId);
  const log = ops.logger(rec?.session.callId ?? '?', sessionId);
  if (!rec || !isLive(rec.session)) {
    if (e.type === 'answered' || e.type === 'confirmed') await signaling.hangupSupervisor(sessionId);
    log.debug({ event: e }, 'dial event for a finished session');
    return;
  }
  const s = rec.session;
  switch (e.type) {
    case 'ringing': {
      if (s.state === 'ringing') return;
      const next = await ops.saveSession({ ...rec, session: transition(s, e) });
      await ops.recordSession(next, 'supervision_ringing');
      return;
    }
    case 'answered':
    case 'confirmed': {
      const session = transition(s, e);
      if (session.state === 'confirming') {
        const next = await ops.saveSession({ ...rec, session });
        await ops.recordSession(next, 'supervision_confirming');
        return;
      }
      const next = await ops.saveSession({ ...rec, session, joinedAt: ops.now() });
      await ops.recordSession(next, 'supervision_joined');
      await ops.applyPlan(s.callId);
      await announceCoaching(ops, s, session);
      return;
    }
    case 'confirm_timeout':
      await ops.finish(rec, e);
      return;
    case 'failed': {
      const detail = { failure: e.reason, ...(e.sipStatus ? { sipStatus: e.sipStatus } : {}) };
      // After the answer the leg is gone all the same; the domain calls that a hang-up.
      const ev = s.state === 'dialing' || s.state === 'ringing' ? { type: 'dial_failed' as const, reason: e.reason } : { type: 'supervisor_hangup' as const };
      await ops.finish(rec, ev, { hangup: false, detail });
      return;
    }
    case 'hangup':
      // A hang-up before the answer is the dialer's to report as a failure; if one
      // arrives anyway, the leg is gone all the same.
      if (s.state === 'confirming' || s.state === 'active') await ops.finish(rec, { type: 'supervisor_hangup' }, { hangup: false });
      else await ops.finish(rec, { type: 'dial_failed', reason: 'unreachable' }, { hangup: false });
      return;
    case 'dtmf': {
      if (s.state !== 'active') return;
      if (e.digit === '#') {
        await ops.finish(rec, { type: 'stop' }, { detail: { via: 'dtmf' } });
        return;
      }
      const mode = Object.hasOwn(DTMF_MODES, e.digit) ? DTMF_MODES[e.digit] : undefined;
      if (!mode) return;
      try {
        await switchMode(rec, mode);
      } catch (err) {
        // Refused by policy: the supervisor stays in the mode they were in, and hears
        // an error tone on their own leg (a key press must never go unanswered).
        if (!(err instanceof AppError)) throw err;
        await ops.recordSession(rec, 'supervision_mode_refused', undefined, { requested: mode, code: err.code, via: 'dtmf' });
        await ops.d.media
          .playToMember(s.callId, s.id, ops.d.config.media.refusedTone)
          .catch((e: unknown) => log.warn({ err: e }, 'playing the refused tone failed'));
      }
      return;
    }
  }
}
