import type Srf from 'drachtio-srf';
import { User, newInternalCall, participantAnswered } from '../domain';
import { refusedForLoad } from './admission';
import { consultCall } from './consult';
import type { SipContext } from './context';
import { DialFailedError } from './dial';
import { LiveCall } from './live-call';
import { answerFor, checkOffer, mediaRefusal, sendRefusal } from './offer';
import { adoptLeg, dialParticipant, dropDialed } from './participant-legs';
import { reachDevice } from './reach';
import { isOnACall } from './ring';
import { endLiveCall } from './teardown';
import { userPart } from './uri';

/**
 * An agent's phone dials a directory user (by SIP username or user id): the call stays
 * inside coachline and never reaches the trunk. With a customer call held on that
 * phone it is that call's consult (consult.ts); otherwise an agent-to-agent call, in
 * a conference of its own, listed and never supervised (it has no customer).
 */
export async function internalCall(ctx: SipContext, agent: User, colleague: User, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  if (colleague.id === agent.id) return void res.send(486, 'Busy Here', { headers: { Reason: 'SIP;cause=486;text="you called yourself"' } });
  if (!req.body) return void res.send(488, 'SDP offer required', {});
  const checked = checkOffer(req.get('Content-Type'), req.body, ctx.settings.domain);
  if (!checked.ok) return sendRefusal(res, checked.refusal);
  const reach = await reachDevice(colleague, colleague.device, ctx.registrations, ctx.settings);
  if (reach.kind === 'unreachable') return void res.send(480, 'Temporarily Unavailable', { headers: { Reason: `SIP;cause=480;text="${reach.reason}"` } });
  if (await isOnACall(ctx, colleague.id)) return void res.send(486, 'Busy Here', {});

  const held = heldCallOf(ctx, agent.id);
  if (held) return consultCall(ctx, held.live, held.participantId, colleague, reach.uri, checked.offer, req, res);
  if (refusedForLoad(ctx, res, { emergency: false })) return;
  return agentToAgent(ctx, agent, colleague, reach.uri, checked.offer, req, res);
}

/** The agent's customer call on which their own phone holds, with no transfer under way. */
function heldCallOf(ctx: SipContext, userId: string): { live: LiveCall; participantId: string } | undefined {
  for (const live of ctx.calls.all()) {
    if (live.call.direction === 'internal' || live.call.ended) continue;
    const p = live.call.participants.find((x) => x.userId === userId && x.kind === 'internal' && x.status === 'connected');
    if (p?.held && (!live.call.transfer || live.call.transfer.phase === 'completed')) return { live, participantId: p.id };
  }
  return undefined;
}

async function agentToAgent(
  ctx: SipContext,
  agent: User,
  colleague: User,
  uri: string,
  offer: Parameters<typeof answerFor>[0],
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
): Promise<void> {
  const callId = ctx.newId();
  const log = ctx.log.child({ callId });
  const live = new LiveCall(
    newInternalCall({
      id: callId,
      number: agent.numbers?.[0] ?? '',
      caller: { id: 'a1', userId: agent.id, address: userPart(req.get('From')) ?? agent.id },
      callee: { id: 'a2', userId: colleague.id, address: uri },
    }),
    ctx.observer,
    log,
  );
  ctx.calls.add(live);
  // The participant ids are fixed (a1, a2): the next one made here must not reuse them.
  live.nextParticipantId('a');
  live.nextParticipantId('a');
  req.on('cancel', () => live.background('CANCEL', endLiveCall(ctx, live, 'caller cancelled')));
  try {
    const media = await ctx.media.createLeg(callId, 'a1', offer.sdp);
    await live.update({ type: 'call_started', actor: 'a1', detail: { to: colleague.id, internal: true } }, (c) => c);
    const dialed = await dialParticipant(ctx, live, 'a2', uri, (status) => {
      if (!res.finalResponseSent && (status === 180 || status === 183)) res.send(180);
    });
    if (!ctx.calls.get(callId)) return void (await dropDialed(dialed));
    const dialog = await ctx.srf.createUAS(req, res, { localSdp: answerFor(offer, media.localSdp) });
    ctx.held.track(dialog);
    adoptLeg(ctx, live, 'a1', { dialog, media });
    adoptLeg(ctx, live, 'a2', dialed);
    await live.update({ type: 'agent_answered', actor: 'a2', detail: { userId: colleague.id } }, (c) => participantAnswered(c, 'a2'));
    log.info({ from: agent.id, to: colleague.id }, 'agent-to-agent call connected');
  } catch (err) {
    const refused = mediaRefusal(err, ctx.settings.domain);
    if (!res.finalResponseSent) {
      if (refused) sendRefusal(res, refused);
      else res.send(err instanceof DialFailedError ? (err.sipStatus && err.sipStatus >= 400 ? err.sipStatus : 480) : 500);
    }
    await endLiveCall(ctx, live, 'internal call not answered');
  }
}
