import { CoachlineError, addRinging, isEmergencyNumber, joinTakeover, participantAnswered, participantLeft } from '../domain';
import type { ParticipantTarget, TakeoverRequest } from '../app/ports';
import type { SipContext } from './context';
import { DialFailedError } from './dial';
import type { LiveCall } from './live-call';
import { adoptLeg, dialParticipant, dropDialed } from './participant-legs';
import { Reach, reachDevice, trunkTarget } from './reach';
import { isOnACall } from './ring';
import type { SupervisorDialer } from './supervisor-dialer';
import { hangUpLeg } from './teardown';
import { normaliseNumber } from './uri';

/**
 * The SIP side of changing a call's shape from the API: dialing a participant into it
 * (a conference), hanging one up, and a supervisor taking the call over. The flows
 * read as the call does: dial, join, report; the domain decides what the call is.
 */
export class SipCallControl {
  constructor(
    private readonly ctx: SipContext,
    private readonly dialer: SupervisorDialer,
  ) {}

  async addParticipant(callId: string, target: ParticipantTarget, actor: string): Promise<{ participantId: string }> {
    const { ctx } = this;
    const live = this.live(callId);
    const { reach, kind, address, userId } = await this.reach(target);
    const pid = live.nextParticipantId(kind === 'internal' ? 'a' : 'x');
    await live.update({ type: 'participant_added', actor, detail: { participant: pid, ...(userId ? { userId } : { number: address }) } }, (c) =>
      addRinging(c, { id: pid, kind, address, origin: 'added', ...(userId ? { userId } : {}) }),
    );
    // An external number sees the call's number, as for the call's own outbound legs.
    const headers = kind === 'external' && live.call.number ? { From: `<sip:${live.call.number}@${ctx.settings.domain}>` } : undefined;
    live.background('add participant', this.ring(live, pid, reach.uri, headers));
    return { participantId: pid };
  }

  private async ring(live: LiveCall, pid: string, uri: string, headers: Record<string, string> | undefined): Promise<void> {
    const { ctx } = this;
    try {
      const dialed = await dialParticipant(ctx, live, pid, uri, undefined, headers);
      if (!ctx.calls.get(live.id)) return void (await dropDialed(dialed));
      adoptLeg(ctx, live, pid, dialed);
      await live.update({ type: 'participant_answered', actor: pid }, (c) => participantAnswered(c, pid));
    } catch (err) {
      const outcome = err instanceof DialFailedError ? err.outcome : 'unreachable';
      if (!(err instanceof DialFailedError)) live.log.warn({ callId: live.id, participant: pid, err }, 'dialing an added participant failed');
      if (ctx.calls.get(live.id)) {
        await live.update({ type: 'participant_missed', actor: pid, detail: { outcome, ...(err instanceof DialFailedError && err.sipStatus ? { sipStatus: err.sipStatus } : {}) } }, (c) =>
          c.participants.find((p) => p.id === pid)?.status === 'ringing' ? participantLeft(c, pid) : undefined,
        );
      }
    }
  }

  async removeParticipant(callId: string, participantId: string, actor: string): Promise<void> {
    const live = this.live(callId);
    const leg = live.legs.get(participantId);
    if (leg) {
      live.log.info({ callId, participant: participantId, by: actor }, 'participant removed');
      return hangUpLeg(this.ctx, live, leg, 'removed');
    }
    const cancel = live.pending.get(participantId);
    if (cancel) return void cancel();
    throw new CoachlineError('participant_not_found', `participant ${participantId} has no leg on call ${callId}`);
  }

  /**
   * The supervisor's answered leg joins the call as its participant — same endpoint,
   * same conference member, so the customer hears them from the next plan on without
   * any re-INVITE — and the agent's leg is hung up.
   */
  async takeOver(req: TakeoverRequest): Promise<{ participantId: string }> {
    const live = this.live(req.callId);
    const leg = this.dialer.detach(req.sessionId);
    if (!leg) throw new CoachlineError('session_leg_gone', 'the supervisor’s phone is no longer in the call');
    const pid = req.sessionId;
    await live.update({ type: 'takeover', actor: pid, detail: { userId: req.supervisor.id, replaced: req.target } }, (c) =>
      joinTakeover(c, { id: pid, userId: req.supervisor.id, address: `supervisor:${req.supervisor.id}` }),
    );
    adoptLeg(this.ctx, live, pid, leg);
    const agent = live.legs.get(req.target);
    if (agent) await hangUpLeg(this.ctx, live, agent, 'takeover');
    return { participantId: pid };
  }

  private live(callId: string): LiveCall {
    const live = this.ctx.calls.get(callId);
    if (!live || live.call.ended) throw new CoachlineError('call_not_live', `call ${callId} is not live here`);
    return live;
  }

  private async reach(target: ParticipantTarget): Promise<{ reach: Extract<Reach, { uri: string }>; kind: 'internal' | 'external'; address: string; userId?: string }> {
    const { ctx } = this;
    if ('userId' in target) {
      const user = await ctx.directory.user(target.userId);
      if (!user) throw new CoachlineError('participant_unreachable', `no user ${target.userId}`);
      if (await isOnACall(ctx, user.id)) throw new CoachlineError('participant_busy', `${user.id} is on another call`);
      const reach = await reachDevice(user, user.device, ctx.registrations, ctx.settings);
      if (reach.kind === 'unreachable') throw new CoachlineError('participant_unreachable', reach.reason);
      return { reach, kind: 'internal', address: reach.uri, userId: user.id };
    }
    const number = normaliseNumber(target.number);
    // An emergency call is never made into a supervised conference.
    if (isEmergencyNumber(number, ctx.settings.emergencyNumbers)) throw new CoachlineError('participant_unreachable', `${number} is an emergency number`);
    const reach = trunkTarget(number, ctx.settings);
    if (reach.kind === 'unreachable') throw new CoachlineError('participant_unreachable', reach.reason);
    return { reach, kind: 'external', address: number };
  }
}
