import { CoachlineError, User, evaluateConference, evaluateTakeover, isLive } from '../domain';
import type { AddParticipantBody, ParticipantView, SessionView } from '../contract';
import type { CallRecord, SessionRecord } from '../store';
import { AppError, type AppErrorCode } from './errors';
import type { ParticipantTarget } from './ports';
import { SessionOps } from './session-ops';
import { participantView, sessionView } from './views';

/**
 * Commands on a call's shape rather than on a supervision: adding and removing
 * participants (a conference) and a supervisor taking the call over. Each runs on the
 * instance that owns the call (forwarded there by the supervision service); the SIP
 * side reports what then happens as call changes, which persist it and re-plan media.
 *
 * None of these run inside the call's queue: the SIP side's call changes are handled
 * in that queue, and a command waiting there for them would wait for itself.
 */
export class CallControl {
  constructor(private readonly ops: SessionOps) {}

  async addParticipant(user: User, callId: string, body: AddParticipantBody): Promise<ParticipantView> {
    const { store, signaling } = this.ops.d;
    const rec = await this.liveOrRefuse(callId);
    await this.mayConference(user, rec);
    let target: ParticipantTarget;
    if (body.userId !== undefined) {
      const who = await store.directory.getUser(body.userId);
      if (!who) throw new AppError('unknown_user', `no user ${body.userId} in the directory`);
      if (rec.call.participants.some((p) => p.userId === who.id && p.status !== 'left')) {
        throw new AppError('participant_busy', `${who.id} is already on this call`);
      }
      target = { userId: who.id };
    } else {
      target = { number: body.number! };
    }
    const actor = rec.call.participants.find((p) => p.userId === user.id && p.status === 'connected')?.id ?? user.id;
    const { participantId } = await signalingCall(() => signaling.addParticipant(callId, target, actor));
    const now = await this.ops.loadCall(callId);
    const added = now?.call.participants.find((p) => p.id === participantId);
    if (!added) throw new AppError('call_not_live', 'the call ended while the participant was dialed');
    return participantView(added);
  }

  async removeParticipant(user: User, callId: string, participantId: string): Promise<ParticipantView> {
    const rec = await this.liveOrRefuse(callId);
    await this.mayConference(user, rec);
    const p = rec.call.participants.find((x) => x.id === participantId);
    if (!p || p.status === 'left') throw new AppError('participant_not_found', `participant ${participantId} is not on call ${callId}`);
    await signalingCall(() => this.ops.d.signaling.removeParticipant(callId, participantId, user.id));
    const after = (await this.ops.loadCall(callId))?.call.participants.find((x) => x.id === participantId);
    return participantView(after ?? { ...p, status: 'left', held: false });
  }

  /**
   * The supervisor's leg becomes the call's internal participant and the agent is
   * released. The session ends first (reason `takeover`, leg kept): a plan never names
   * the leg both as a session and as a participant. The supervisor stays busy until
   * they hang up (call-events.ts restores them).
   */
  async takeOver(user: User, rec0: SessionRecord): Promise<SessionView> {
    const { store, signaling, metrics } = this.ops.d;
    const s0 = rec0.session;
    const ended = await this.ops.queue.run(s0.callId, async () => {
      const rec = await store.sessions.get(s0.id);
      if (!rec || !isLive(rec.session)) throw new AppError('session_not_live', `the session is ${rec?.session.state ?? 'gone'}`);
      const s = rec.session;
      const call = await this.ops.liveCall(s.callId);
      if (!call) throw new AppError('call_not_live', 'the call has ended');
      const supervisor = await store.directory.getUser(s.supervisorId);
      if (!supervisor) throw new AppError('user_not_found', `supervisor ${s.supervisorId} is no longer in the directory`);
      const decision = evaluateTakeover(call.call, await store.directory.getNumber(call.call.number), supervisor, s);
      if (!decision.allowed) {
        metrics.refusals.inc({ code: decision.code });
        throw new AppError(decision.code, decision.message);
      }
      const done = await this.ops.finish(rec, { type: 'takeover' }, { actor: user.id, hangup: false, applyPlan: false, detail: { target: s.target } });
      await store.presence.set(s.supervisorId, 'busy');
      await this.ops.publishStatus(s.supervisorId, 'busy', s.id, s.callId);
      return { done, supervisor, target: s.target };
    });
    try {
      await signalingCall(() => signaling.takeOver({ sessionId: s0.id, callId: s0.callId, target: ended.target, supervisor: ended.supervisor }));
    } catch (err) {
      // The leg went away meanwhile: nothing to take over with; the supervisor is free again.
      await signaling.hangupSupervisor(s0.id).catch(() => undefined);
      await store.presence.set(s0.supervisorId, 'available');
      await this.ops.publishStatus(s0.supervisorId, 'available', s0.id, s0.callId);
      await this.ops.applyPlan(s0.callId);
      throw err;
    }
    return sessionView(ended.done);
  }

  private async liveOrRefuse(callId: string): Promise<CallRecord> {
    const rec = await this.ops.liveCall(callId);
    if (rec) return rec;
    if (await this.ops.d.store.calls.get(callId)) throw new AppError('call_not_live', 'the call has ended');
    throw new AppError('call_not_found', `no call ${callId}`);
  }

  private async mayConference(user: User, rec: CallRecord): Promise<void> {
    const number = await this.ops.d.store.directory.getNumber(rec.call.number);
    const decision = evaluateConference(rec.call, number, user);
    if (!decision.allowed) {
      this.ops.d.metrics.refusals.inc({ code: decision.code });
      throw new AppError(decision.code, decision.message);
    }
  }
}

/** The SIP side refuses with CoachlineErrors; they reach the API with their code. */
async function signalingCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof CoachlineError && KNOWN.has(err.code)) throw new AppError(err.code as AppErrorCode, err.message);
    throw new AppError('signaling_unavailable', `the SIP side could not do it: ${(err as Error).message}`);
  }
}

const KNOWN = new Set<string>(['call_not_live', 'participant_unreachable', 'participant_busy', 'participant_not_found', 'session_leg_gone']);
