import type Srf from 'drachtio-srf';
import { isEmergencyNumber, newCall, participantLeft } from '../domain';
import { refusedForLoad } from './admission';
import type { SipContext } from './context';
import { LiveCall } from './live-call';
import { OfferRefusedError, answerFor, checkOffer, rethrowRefusal, sendRefusal } from './offer';
import { adoptLeg } from './participant-legs';
import { availableAgents, ringAll } from './ring';
import { endLiveCall } from './teardown';
import { normaliseNumber, userPart } from './uri';

/**
 * A customer calls a coachline number through a trunk:
 *   ACL → number → FreeSWITCH endpoint answers the offer → 183 with early media
 *   (ringback from the conference) → ring-all → first agent answers → 200 OK to the
 *   customer. Nobody available or answering → 480, or the fallback URI.
 * The customer is answered only when an agent is: a trunk bills from the 200 OK.
 */
export async function inboundCall(ctx: SipContext, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const dialed = normaliseNumber(userPart(req.uri) ?? '');
  // Admission first: past capacity the trunk gets 503 before any lookup or media.
  if (refusedForLoad(ctx, res, { emergency: isEmergencyNumber(dialed, ctx.settings.emergencyNumbers) })) return;
  const number = await ctx.directory.number(dialed);
  if (!number) {
    res.send(404, 'Number not in service', {});
    return;
  }
  if (!req.body) {
    // Offerless INVITEs from trunks are rare; we answer offers, we do not make them here.
    res.send(488, 'SDP offer required', {});
    return;
  }
  const checked = checkOffer(req.get('Content-Type'), req.body, ctx.settings.domain);
  if (!checked.ok) {
    ctx.log.info({ source: req.source_address, status: checked.refusal.status, warning: checked.refusal.headers.Warning }, 'INVITE offer refused before anything started');
    return sendRefusal(res, checked.refusal);
  }
  const offer = checked.offer;
  const agents = await availableAgents(ctx, number);
  if (agents.length === 0) {
    await noAgent(ctx, req, res, 'no agent available');
    return;
  }

  const callId = ctx.newId();
  const log = ctx.log.child({ callId });
  const customerId = 'c1';
  const live = new LiveCall(
    newCall({
      id: callId,
      direction: 'inbound',
      number: number.e164,
      emergency: number.emergency || isEmergencyNumber(dialed, ctx.settings.emergencyNumbers),
      customer: { id: customerId, address: userPart(req.get('From')) ?? 'anonymous' },
    }),
    ctx.observer,
    log,
  );
  ctx.calls.add(live);

  let cancelled = false;
  req.on('cancel', () => {
    cancelled = true;
    live.background('CANCEL', endLiveCall(ctx, live, 'customer cancelled'));
  });

  try {
    const media = await ctx.media.createLeg(callId, customerId, offer.sdp).catch(rethrowRefusal(ctx.settings.domain));
    if (cancelled) {
      await media.release();
      return;
    }
    const answer = answerFor(offer, media.localSdp);
    res.send(183, { body: answer, headers: { 'Content-Type': 'application/sdp' } });
    await live.update({ type: 'call_started', actor: customerId, detail: { number: number.e164, from: live.call.participants[0]!.address } }, (c) => c);

    const winner = await ringAll(ctx, live, agents);
    if (cancelled || !ctx.calls.get(callId)) return;
    if (!winner) {
      await live.update({ type: 'no_answer', actor: customerId }, (c) => participantLeft(c, customerId));
      await endLiveCall(ctx, live, 'no agent answered');
      await noAgent(ctx, req, res, 'no agent answered');
      return;
    }
    const dialog = await ctx.srf.createUAS(req, res, { localSdp: answer });
    ctx.held.track(dialog);
    adoptLeg(ctx, live, customerId, { dialog, media });
    log.info({ number: number.e164, agent: winner }, 'inbound call connected');
  } catch (err) {
    if (err instanceof OfferRefusedError) {
      // FreeSWITCH refused the customer's offer before anything of the call was
      // reported: the call is forgotten rather than ended, so it leaves no record.
      ctx.calls.remove(callId);
      await ctx.media.endCall(callId);
      log.info({ warning: err.refusal.headers.Warning }, 'FreeSWITCH refused the offer');
      if (!res.finalResponseSent && !cancelled) sendRefusal(res, err.refusal);
      return;
    }
    log.error({ err }, 'inbound call failed');
    if (!res.finalResponseSent) res.send(cancelled ? 487 : 500);
    await endLiveCall(ctx, live, 'set-up failed');
  }
}

async function noAgent(ctx: SipContext, req: Srf.SrfRequest, res: Srf.SrfResponse, why: string): Promise<void> {
  if (res.finalResponseSent) return;
  if (ctx.settings.fallbackUri) {
    // 302 to the fallback: the trunk re-routes the call (voicemail, overflow queue).
    res.send(302, { headers: { Contact: `<${ctx.settings.fallbackUri}>` } });
    return;
  }
  res.send(480, 'Temporarily Unavailable', { headers: { Reason: `SIP;cause=480;text="${why}"` } });
}
