/**
 * The supervision service: the application layer the API and the SIP adapter call.
 *
 *   const service = new SupervisionService({ store, signaling, media, logger, config,
 *                                            clock?, idGen?, metrics?, instanceId? });
 *   await service.start();                // lease refresher (LOCK_TTL / 3), forwarded commands
 *   await service.stop();                 // stops it; live sessions' locks then expire
 *
 *   // commands (API); `user` is the authenticated directory user
 *   service.startSupervision(user, callId, { target, mode, notify?, confirm? }) → SessionView
 *   service.switchMode(user, sessionId, mode)  → SessionView
 *   service.stopSupervision(user, sessionId)   → SessionView
 *   service.getSupervision(user, sessionId)    → SessionView
 *   service.takeOver(user, sessionId)          → SessionView (ended, reason takeover)
 *   service.addParticipant(user, callId, { userId } | { number }) → ParticipantView
 *   service.removeParticipant(user, callId, participantId)      → ParticipantView
 *
 *   // the SIP adapter (src/sip), whenever a call changes or is gone
 *   service.callChanged(call, { type, actor?, detail? })
 *   service.callRemoved(callId, { type?, actor?, detail? })
 *
 * Refusals throw AppError with a stable code (the domain's RefusalCode where it applies).
 *
 * Multi-instance: one instance owns a call's SIP dialogs and conference (the one
 * reporting it through callChanged) and dials the supervisor legs of the sessions
 * started on it. Start, switch and stop for a call or session another instance owns
 * are forwarded to that owner over Redis (forwarding.ts) and answered as if local; an
 * owner that does not answer is `503 owner_unavailable`, never a change made here.
 */
import { Call, SupervisionMode, User, evaluateStart, evaluateSwitch, asJoined, heardByTarget, isLive, newSession, transition } from '../domain';
import { AddParticipantBody, ParticipantView, StartSupervisionBody, SessionView } from '../contract';
import { CallControl } from './call-control';
import type { CallRecord, SessionRecord } from '../store';
import { AppDeps, ResolvedDeps, resolveDeps } from './deps';
import { announceCoaching } from './coaching-notice';
import { AppError } from './errors';
import { gatherFacts } from './facts';
import { refundStart, takeStart } from './start-limit';
import { handleDialEvent } from './dial-events';
import { CallChange, handleCallChanged, handleCallRemoved } from './call-events';
import { Forwarder } from './forwarding';
import { LeaseRefresher } from './lease-refresher';
import { InstanceReaper } from './instance-reaper';
import { SessionOps } from './session-ops';
import { sessionView } from './views';
import { callScope, maySeeSupervision } from './visibility';
import type { DialEvent } from './ports';

export class SupervisionService {
  private readonly d: ResolvedDeps;
  private readonly ops: SessionOps;
  private readonly refresher: LeaseRefresher;
  private readonly reaper: InstanceReaper;

  private readonly forwarder: Forwarder;
  private readonly control: CallControl;

  constructor(deps: AppDeps) {
    this.d = resolveDeps(deps);
    this.ops = new SessionOps(this.d);
    this.refresher = new LeaseRefresher(this.ops);
    this.reaper = new InstanceReaper(this.ops);
    // What another instance may ask of this one: the user is the one it authenticated.
    this.forwarder = new Forwarder(this.d, {
      start: (a) => this.startHere(a.user as User, a.callId as string, a.req as StartSupervisionBody),
      switch: (a) => this.switchHere(a.user as User, a.sessionId as string, a.mode as SupervisionMode, a.notify as boolean | undefined),
      stop: (a) => this.stopHere(a.user as User, a.sessionId as string),
      // A survivor asks before it finishes an instance whose beats lapsed (instance-reaper.ts).
      ping: async () => 'pong',
      add_participant: (a) => this.control.addParticipant(a.user as User, a.callId as string, a.body as AddParticipantBody),
      remove_participant: (a) => this.control.removeParticipant(a.user as User, a.callId as string, a.participantId as string),
      takeover: async (a) => this.control.takeOver(a.user as User, await this.ownSession(a.user as User, a.sessionId as string)),
    });
    this.control = new CallControl(this.ops);
  }

  get instanceId(): string {
    return this.d.instanceId;
  }

  /** Renews leases every LOCK_TTL / 3, beats (and finishes lost instances) every LOCK_TTL / 10, answers commands other instances forward here. */
  start(): Promise<void> {
    this.refresher.start();
    // The reaper pings lapsed instances over the command bus: it starts once that is up.
    return this.serveCommands().then(() => this.reaper.start());
  }

  /** Answers commands other instances forward here (started by `start()`; tests without the refresher call it alone). */
  serveCommands(): Promise<void> {
    return this.forwarder.serve();
  }

  async stop(): Promise<void> {
    this.refresher.stop();
    await this.reaper.stop();
    await this.forwarder.close();
    await this.ops.queue.idle();
  }

  /** Runs one lease renewal pass now (what the timer does every LOCK_TTL / 3). */
  renewLeases(): Promise<void> {
    return this.refresher.tick();
  }

  /**
   * Runs one heartbeat and lost-instance pass now (what the timer does every LOCK_TTL / 10);
   * `now` lets a test stand at a moment past a lost instance's heartbeat.
   */
  checkInstances(now?: number): Promise<void> {
    return this.reaper.tick(now);
  }

  /** Resolves when every queued call/session task has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.ops.queue.idle();
  }

  // ---- commands ----

  /** Starts a session on the instance that owns the call (it holds the conference and dials the supervisor). */
  async startSupervision(user: User, callId: string, req: StartSupervisionBody): Promise<SessionView> {
    const rec = await this.d.store.calls.get(callId);
    if (!rec) throw new AppError('call_not_found', `no call ${callId}`);
    const owner = rec.call.ended ? undefined : rec.owner;
    return this.forwarder.run(owner, 'start', { user, callId, req }, () => this.startHere(user, callId, req, rec));
  }

  private async startHere(user: User, callId: string, req: StartSupervisionBody, known?: CallRecord): Promise<SessionView> {
    const { store, metrics } = this.d;
    // Past capacity a new supervisor leg is refused before anything is claimed (503 overloaded).
    const admitted = this.d.admission.check({ kind: 'supervision' });
    if (!admitted.admit) throw new AppError('overloaded', admitted.message, { retryAfterSec: admitted.retryAfterSec, reason: admitted.reason });
    const rec = known ?? (await store.calls.get(callId));
    if (!rec) throw new AppError('call_not_found', `no call ${callId}`);
    if (!rec.call.ended && !(await this.ops.liveCall(callId))) throw new AppError('call_not_live', 'the call has ended');
    const facts = await gatherFacts(store, rec.call, user);
    const decision = evaluateStart(facts, req);
    if (!decision.allowed) {
      metrics.refusals.inc({ code: decision.code });
      throw new AppError(decision.code, decision.message, busyDetails(decision.code, facts.supervisorSessionId));
    }
    const device = user.device;
    if (!device) throw new AppError('no_device', `user ${user.id} has no device to be dialed at`);
    const confirm = req.confirm === true || (device.kind === 'remote_number' && device.voicemailGuard);
    await takeStart(this.d, user.id);
    const session = newSession({
      id: this.d.idGen(),
      callId,
      supervisorId: user.id,
      target: decision.target,
      mode: req.mode,
      notify: req.notify ?? false,
      confirm,
    });
    // The decision above read state another request may change; the claim re-checks
    // coach, busy and status in one atomic step, so of concurrent requests one wins.
    const claim = await store.locks.claim(session);
    if (claim !== 'ok') {
      await refundStart(this.d, user.id);
      metrics.refusals.inc({ code: claim });
      throw new AppError(claim, CLAIM_MESSAGES[claim], busyDetails(claim, claim === 'supervisor_busy' ? await store.locks.supervisorHolder(user.id) : undefined));
    }
    await this.ops.publishStatus(user.id, 'busy', session.id, callId);
    return this.ops.queue.run(callId, async () => {
      const now = this.ops.now();
      // Re-read in the call's queue: the call may have ended or changed while waiting.
      const fresh = await this.ops.liveCall(callId);
      const target = fresh?.call.participants.find((p) => p.id === session.target);
      if (!fresh || target?.status !== 'connected') {
        const restored = await store.locks.release(session);
        if (restored) await this.ops.publishStatus(user.id, restored, session.id, callId);
        await refundStart(this.d, user.id);
        if (!fresh) throw new AppError('call_not_live', 'the call has ended');
        throw new AppError('target_not_found', 'the call changed: the participant to supervise is no longer connected');
      }
      let r: SessionRecord = { session: transition(session, { type: 'dial' }), owner: this.d.instanceId, createdAt: now, updatedAt: now };
      r = await this.ops.saveSession(r);
      await this.ops.recordSession(r, 'supervision_started', user.id, { notify: session.notify, confirm });
      metrics.sessionsStarted.inc({ mode: session.mode });
      try {
        await this.d.signaling.dialSupervisor({ sessionId: session.id, callId, supervisor: user, device, confirm }, (e) =>
          this.onDialEvent(session.id, callId, e),
        );
      } catch (err) {
        this.ops.logger(callId, session.id).error({ err }, 'dialing the supervisor failed');
        await this.ops.finish(r, { type: 'dial_failed', reason: 'unreachable' }, { hangup: false, applyPlan: false });
        throw new AppError('signaling_unavailable', 'the supervisor could not be dialed: the SIP side is unavailable');
      }
      return sessionView(r);
    });
  }

  /** `notify`, on a switch to coach: whether the agent gets the tone and the notice (default: as started). */
  async switchMode(user: User, sessionId: string, mode: SupervisionMode, notify?: boolean): Promise<SessionView> {
    const first = await this.ownSession(user, sessionId);
    return this.forwarder.run(ownerOf(first), 'switch', { user, sessionId, mode, ...(notify !== undefined ? { notify } : {}) }, () =>
      this.switchHere(user, sessionId, mode, notify),
    );
  }

  private async switchHere(user: User, sessionId: string, mode: SupervisionMode, notify?: boolean): Promise<SessionView> {
    const first = await this.ownSession(user, sessionId);
    return this.ops.queue.run(first.session.callId, async () => {
      const rec = await this.ownSession(user, sessionId);
      return sessionView(await this.switchInternal(rec, mode, user.id, 'api', notify));
    });
  }

  /** Stops a session where its supervisor leg lives; stopping a finished one answers it as it is. */
  async stopSupervision(user: User, sessionId: string): Promise<SessionView> {
    const first = await this.ownSession(user, sessionId);
    return this.forwarder.run(ownerOf(first), 'stop', { user, sessionId }, () => this.stopHere(user, sessionId));
  }

  private async stopHere(user: User, sessionId: string): Promise<SessionView> {
    const first = await this.ownSession(user, sessionId);
    return this.ops.queue.run(first.session.callId, async () => {
      const rec = await this.ownSession(user, sessionId);
      return sessionView(await this.ops.finish(rec, { type: 'stop' }, { actor: user.id }));
    });
  }

  /**
   * Takes the call over (RingCentral's takeover): the session's leg stays with the
   * customer as the call's internal participant, the target agent is released, and the
   * session ends with reason `takeover`.
   */
  async takeOver(user: User, sessionId: string): Promise<SessionView> {
    const first = await this.ownSession(user, sessionId);
    if (!isLive(first.session)) throw new AppError('session_not_live', `the session is ${first.session.state}`);
    return this.forwarder.run(ownerOf(first), 'takeover', { user, sessionId }, async () => this.control.takeOver(user, await this.ownSession(user, sessionId)));
  }

  // ---- participants (a conference) ----

  /** Dials a directory user or an external number into a live call (the call's agent, or staff with `conference`). */
  async addParticipant(user: User, callId: string, body: AddParticipantBody): Promise<ParticipantView> {
    const owner = await this.callOwner(callId);
    return this.forwarder.run(owner, 'add_participant', { user, callId, body }, () => this.control.addParticipant(user, callId, body));
  }

  /** Hangs up (or stops ringing) one participant of a live call. */
  async removeParticipant(user: User, callId: string, participantId: string): Promise<ParticipantView> {
    const owner = await this.callOwner(callId);
    return this.forwarder.run(owner, 'remove_participant', { user, callId, participantId }, () => this.control.removeParticipant(user, callId, participantId));
  }

  private async callOwner(callId: string): Promise<string | undefined> {
    const rec = await this.d.store.calls.get(callId);
    if (!rec) throw new AppError('call_not_found', `no call ${callId}`);
    return rec.call.ended ? undefined : rec.owner;
  }

  async getSupervision(user: User, sessionId: string): Promise<SessionView> {
    const rec = await this.d.store.sessions.get(sessionId);
    if (!rec) throw new AppError('session_not_found', `no supervision session ${sessionId}`);
    const s = rec.session;
    if (s.supervisorId !== user.id && user.role !== 'admin') {
      const call = (await this.ops.loadCall(s.callId))?.call;
      const number = call ? await this.d.store.directory.getNumber(call.number) : undefined;
      const scope = call ? callScope(call, s.supervisorId) : { supervisorId: s.supervisorId };
      if (!maySeeSupervision(user, scope, number)) throw new AppError('not_session_owner', 'you may not see this supervision session');
    }
    return sessionView(rec);
  }

  /** The live sessions of a supervisor (default: `user`); only admins may ask about someone else. */
  async listSupervisions(user: User, query: { supervisor?: string }): Promise<SessionView[]> {
    const { store } = this.d;
    const who = query.supervisor ?? user.id;
    if (who !== user.id && user.role !== 'admin') throw new AppError('not_session_owner', 'you may list only your own supervision sessions');
    // What holds a supervisor busy: the lock, and the session their status names.
    const [holder, presence] = await Promise.all([store.locks.supervisorHolder(who), store.presence.get(who)]);
    const ids = [...new Set([holder, presence.session].filter((id): id is string => typeof id === 'string'))];
    const recs = await Promise.all(ids.map((id) => store.sessions.get(id)));
    return recs.filter((r): r is SessionRecord => !!r && isLive(r.session) && r.session.supervisorId === who).map(sessionView);
  }

  // ---- the SIP adapter's entry points ----

  callChanged(call: Call, event: CallChange): Promise<void> {
    return this.ops.queue.run(call.id, () => handleCallChanged(this.ops, call, event));
  }

  callRemoved(callId: string, event: Partial<CallChange> = {}): Promise<void> {
    return this.ops.queue.run(callId, () => handleCallRemoved(this.ops, callId, event));
  }

  // ---- internals ----

  private onDialEvent(sessionId: string, callId: string, e: DialEvent): void {
    void this.ops.queue
      .run(callId, () => handleDialEvent(this.ops, sessionId, e, (rec, mode) => this.switchInternal(rec, mode, rec.session.supervisorId, 'dtmf')))
      .catch((err: unknown) => this.ops.logger(callId, sessionId).error({ err, event: e }, 'handling a dial event failed'));
  }

  /** The session, if `user` may command it (its supervisor, or an admin). */
  private async ownSession(user: User, sessionId: string): Promise<SessionRecord> {
    const rec = await this.d.store.sessions.get(sessionId);
    if (!rec) throw new AppError('session_not_found', `no supervision session ${sessionId}`);
    if (rec.session.supervisorId !== user.id && user.role !== 'admin') {
      throw new AppError('not_session_owner', 'only the session’s supervisor or an admin may change it');
    }
    return rec;
  }

  /** A mode switch, from the API or the phone's keypad. Runs in the call's queue. */
  private async switchInternal(rec: SessionRecord, mode: SupervisionMode, actor: string, via: 'api' | 'dtmf', notify?: boolean): Promise<SessionRecord> {
    const { store, metrics } = this.d;
    const s = rec.session;
    if (!isLive(s)) throw new AppError('session_not_live', `the session is ${s.state}`);
    if (s.mode === mode) return rec;
    const call = await this.ops.loadCall(s.callId);
    if (!call) throw new AppError('call_not_found', `no call ${s.callId}`);
    // The rules are the supervisor's, whoever sends the command.
    const supervisor = await store.directory.getUser(s.supervisorId);
    if (!supervisor) throw new AppError('user_not_found', `supervisor ${s.supervisorId} is no longer in the directory`);
    const decision = evaluateSwitch(await gatherFacts(store, call.call, supervisor, s.id), s, mode);
    if (!decision.allowed) {
      metrics.refusals.inc({ code: decision.code });
      throw new AppError(decision.code, decision.message);
    }
    if (mode === 'coach' && (await store.locks.acquireCoach(s)) !== 'ok') {
      metrics.refusals.inc({ code: 'coach_taken' });
      throw new AppError('coach_taken', CLAIM_MESSAGES.coach_taken);
    }
    const switched = transition(s, { type: 'switch_mode', mode });
    const next = await this.ops.saveSession({ ...rec, session: mode === 'coach' && notify !== undefined ? { ...switched, notify } : switched });
    if (s.mode === 'coach') await store.locks.releaseCoach(s);
    const heard = heardByTarget(call.call, asJoined(next.session));
    await this.ops.recordSession(next, 'supervision_mode_changed', actor, { from: s.mode, to: mode, via, heardByTarget: heard });
    metrics.modeSwitches.inc({ mode, via });
    if (next.session.state === 'active') await this.ops.applyPlan(s.callId);
    await announceCoaching(this.ops, s, next.session);
    return next;
  }
}

/** Where a session's commands run: its owner while it is live; a finished one answers from anywhere. */
function ownerOf(rec: SessionRecord): string | undefined {
  return isLive(rec.session) ? rec.owner : undefined;
}

/** A busy supervisor is told which of their sessions holds them, to find and end it. */
function busyDetails(code: string, sessionId: string | undefined): { sessionId: string } | undefined {
  return code === 'supervisor_busy' && sessionId ? { sessionId } : undefined;
}

const CLAIM_MESSAGES = {
  coach_taken: 'another supervisor is already coaching this agent',
  supervisor_busy: 'you already have a supervision session; stop it first',
  not_available: 'your status is not available; set it to available to supervise',
} as const;

