import type { Logger } from 'pino';
import {
  Call,
  JoinedSupervisor,
  asJoined,
  SessionEvent,
  compilePlan,
  hearingMatrix,
  isLive,
  transition,
} from '../domain';
import type { CallRecord, SessionRecord, TimelineEntry } from '../store';
import { ResolvedDeps, iso } from './deps';
import { announceCoaching } from './coaching-notice';
import { KeyedQueue } from './keyed-queue';
import { callScope } from './visibility';

/**
 * What every flow on a call needs: the per-call queue, the calls and sessions this
 * instance owns (and keeps leased), the timeline, the media plan, and finishing a
 * session. The flows themselves (commands, dial events, call changes) are elsewhere.
 */
export class SessionOps {
  readonly queue = new KeyedQueue();
  /** Live sessions whose supervisor leg this instance dialed. */
  readonly ownedSessions = new Map<string, SessionRecord>();
  /** Live calls whose SIP dialogs this instance holds (reported through callChanged). */
  readonly ownedCalls = new Map<string, CallRecord>();

  constructor(readonly d: ResolvedDeps) {}

  logger(callId: string, sessionId?: string): Logger {
    return this.d.logger.child(sessionId ? { callId, sessionId } : { callId });
  }

  now(): string {
    return iso(this.d.clock);
  }

  async loadCall(callId: string): Promise<CallRecord | undefined> {
    return this.ownedCalls.get(callId) ?? (await this.d.store.calls.get(callId));
  }

  /**
   * The call if it is still live. A record this instance owns but no longer holds is a
   * call that ended here, whatever Redis says (a stale write, a lost end): nothing may
   * start on it, and a session still on it must end.
   */
  async liveCall(callId: string): Promise<CallRecord | undefined> {
    const held = this.ownedCalls.get(callId);
    if (held) return held;
    const rec = await this.d.store.calls.get(callId);
    if (!rec || rec.call.ended || rec.owner === this.d.instanceId) return undefined;
    return rec;
  }

  async saveSession(rec: SessionRecord): Promise<SessionRecord> {
    const next = { ...rec, updatedAt: this.now() };
    await this.d.store.sessions.save(next, this.d.clock.now());
    if (isLive(next.session)) this.ownedSessions.set(next.session.id, next);
    else this.ownedSessions.delete(next.session.id);
    this.d.metrics.liveSessions.set(this.ownedSessions.size);
    return next;
  }

  async recordCall(call: Call, type: string, actor?: string, detail?: Record<string, unknown>): Promise<void> {
    const entry: TimelineEntry = { at: this.now(), kind: 'call', type, ...(actor ? { actor } : {}), ...(detail ? { detail } : {}) };
    await this.d.store.timeline.append(call.id, entry, callScope(call));
  }

  async recordSession(rec: SessionRecord, type: string, actor?: string, detail?: Record<string, unknown>): Promise<void> {
    const s = rec.session;
    const call = (await this.loadCall(s.callId))?.call;
    const entry: TimelineEntry = {
      at: this.now(),
      kind: 'supervision',
      type,
      sessionId: s.id,
      actor: actor ?? s.supervisorId,
      detail: { supervisorId: s.supervisorId, mode: s.mode, target: s.target, state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...detail },
    };
    const scope = call ? callScope(call, s.supervisorId) : { supervisorId: s.supervisorId };
    await this.d.store.timeline.append(s.callId, entry, scope);
  }

  /**
   * Status changes made by the lock scripts (busy on claim, restored on release) on the
   * event stream. The scope is the call's, so the session id in it is shown only to
   * those who may see that supervision (app/visibility shownEntry).
   */
  async publishStatus(userId: string, status: string, sessionId: string, callId: string): Promise<void> {
    const call = (await this.loadCall(callId))?.call;
    await this.d.store.events.publish(
      { at: this.now(), kind: 'user', type: 'user_status_changed', actor: userId, detail: { userId, status, sessionId } },
      { ...(call ? callScope(call, userId) : { supervisorId: userId }), userId },
    );
  }

  /**
   * Brings the call's conference to the plan for its current state and joined
   * supervisors (none: the plan still carries hold music and ringback). If the media
   * side fails, every joined supervisor is failed and dropped — a half-applied plan
   * must not leave a coach or monitor heard by, or hearing, the wrong people — and the
   * plan without supervisors is tried once more.
   */
  async applyPlan(callId: string): Promise<void> {
    const rec = await this.loadCall(callId);
    if (!rec || rec.call.ended) return;
    const sessions = await this.d.store.sessions.listByCall(callId, this.d.clock.now());
    const joined: JoinedSupervisor[] = sessions
      .filter((r) => r.session.state === 'active')
      .map((r) => asJoined(r.session));
    try {
      await this.d.media.applyPlan(callId, compilePlan(hearingMatrix(rec.call, joined)));
      this.d.metrics.planApplications.inc({ result: 'ok' });
    } catch (err) {
      this.d.metrics.planApplications.inc({ result: 'error' });
      this.logger(callId).error({ err }, 'applying the media plan failed');
      if (joined.length === 0) return;
      for (const r of sessions.filter((x) => x.session.state === 'active')) {
        await this.finish(r, { type: 'media_error' }, { applyPlan: false });
      }
      await this.d.media.applyPlan(callId, compilePlan(hearingMatrix(rec.call, []))).catch((e: unknown) => {
        this.logger(callId).error({ err: e }, 'applying the media plan without supervisors failed too');
      });
    }
  }

  /**
   * Ends or fails a live session: the supervisor's leg is hung up first (so nobody
   * keeps listening if Redis is what failed), then the record, the locks and the
   * supervisor's status, the timeline, and the call's plan without them.
   */
  async finish(
    rec: SessionRecord,
    event: SessionEvent,
    opts: { actor?: string; applyPlan?: boolean; hangup?: boolean; detail?: Record<string, unknown> } = {},
  ): Promise<SessionRecord> {
    const s = rec.session;
    if (!isLive(s)) return rec;
    const next = transition(s, event);
    const log = this.logger(s.callId, s.id);
    if (opts.hangup ?? true) {
      await this.d.signaling.hangupSupervisor(s.id).catch((err: unknown) => log.warn({ err }, 'hanging up the supervisor leg failed'));
    }
    const done = await this.saveSession({ ...rec, session: next, endedAt: this.now() });
    const restored = await this.d.store.locks.release(s);
    if (restored) await this.publishStatus(s.supervisorId, restored, s.id, s.callId);
    await this.recordSession(done, next.state === 'failed' ? 'supervision_failed' : 'supervision_ended', opts.actor, {
      ...(restored ? { restoredStatus: restored } : {}),
      ...opts.detail,
    });
    await announceCoaching(this, s, next);
    this.d.metrics.sessionsFinished.inc({ state: next.state, reason: next.reason ?? 'unknown' });
    log.info({ state: next.state, reason: next.reason }, 'supervision session finished');
    if (opts.applyPlan ?? true) await this.applyPlan(s.callId);
    return done;
  }
}
