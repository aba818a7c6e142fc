import type Srf from 'drachtio-srf';
import { User, addRinging, isEmergencyNumber, newCall, participantAnswered } from '../domain';
import { refusedForLoad } from './admission';
import type { SipContext } from './context';
import { DialFailedError, dial } from './dial';
import { LiveCall } from './live-call';
import { answerFor, checkOffer, mediaRefusal, sendRefusal } from './offer';
import { adoptLeg } from './participant-legs';
import { trunkTarget } from './reach';
import { endLiveCall } from './teardown';
import { normaliseNumber, userPart } from './uri';
import { hangUp } from './hang-up';

/** The carrier and the agent's phone decide how long a customer rings; this only stops a leg nobody ends. */
const CUSTOMER_RING_BACKSTOP_SEC = 120;

/**
 * An agent's phone calls an external number: the agent's offer is answered by a
 * FreeSWITCH endpoint, the customer is dialed through the trunk with a second
 * endpoint's offer, ringing is relayed, and the agent gets 200 OK when the customer
 * answers. Emergency numbers go straight out and are marked not supervisable.
 */
export async function outboundCall(ctx: SipContext, agent: User, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const dialed = normaliseNumber(userPart(req.uri) ?? '');
  const emergency = isEmergencyNumber(dialed, ctx.settings.emergencyNumbers);
  // Admission first: past capacity the agent's phone gets 503 before any media or dialing.
  if (refusedForLoad(ctx, res, { emergency })) return;
  const reach = trunkTarget(dialed, ctx.settings);
  if (reach.kind !== 'trunk') {
    const status = ctx.settings.trunkUri ? 484 : 503;
    res.send(status, { headers: { Reason: `SIP;cause=${status};text="${reach.kind === 'unreachable' ? reach.reason : 'not dialable'}"` } });
    return;
  }
  if (!req.body) {
    res.send(488, 'SDP offer required', {});
    return;
  }
  const checked = checkOffer(req.get('Content-Type'), req.body, ctx.settings.domain);
  if (!checked.ok) {
    ctx.log.info({ agent: agent.id, status: checked.refusal.status, warning: checked.refusal.headers.Warning }, 'INVITE offer refused before anything started');
    return sendRefusal(res, checked.refusal);
  }
  const offer = checked.offer;
  // The number the call is on: the agent's first number (what the agent calls from).
  const onNumber = agent.numbers?.[0] ?? '';
  const callId = ctx.newId();
  const log = ctx.log.child({ callId });
  const customerId = 'c1';
  const agentId = 'a1';
  let cancel: (() => void) | undefined;
  let cancelled = false;
  req.on('cancel', () => {
    cancelled = true;
    cancel?.();
  });

  const agentMedia = await ctx.media.createLeg(callId, agentId, offer.sdp).catch(async (err: unknown) => {
    await ctx.media.endCall(callId);
    const refused = mediaRefusal(err, ctx.settings.domain);
    if (refused) log.info({ warning: refused.headers.Warning }, 'FreeSWITCH refused the offer');
    else log.error({ err }, 'no media for outbound call');
    if (!cancelled) sendRefusal(res, refused ?? { status: 503, reason: 'Media unavailable', headers: {} });
    return undefined;
  });
  if (!agentMedia) return;
  try {
    const customer = await dial(ctx.srf, ctx.media, {
      held: ctx.held,
      callId,
      key: customerId,
      uri: reach.uri,
      timeoutSec: CUSTOMER_RING_BACKSTOP_SEC,
      headers: { From: `<sip:${onNumber || agent.id}@${ctx.settings.domain}>` },
      registerCancel: (c) => {
        cancel = c;
        if (cancelled) c();
      },
      onProvisional: (status) => {
        if (!res.finalResponseSent && (status === 180 || status === 183)) res.send(180);
      },
    });
    if (cancelled) {
      hangUp(customer.dialog);
      await ctx.media.endCall(callId);
      return;
    }
    const agentDialog = await ctx.srf.createUAS(req, res, { localSdp: answerFor(offer, agentMedia.localSdp) });
    ctx.held.track(agentDialog);
    let call = newCall({ id: callId, direction: 'outbound', number: onNumber, emergency, customer: { id: customerId, address: dialed } });
    call = participantAnswered(addRinging(call, { id: agentId, kind: 'internal', userId: agent.id, address: userPart(req.get('From')) ?? agent.id, origin: 'call' }), agentId);
    const live = new LiveCall(call, ctx.observer, log);
    ctx.calls.add(live);
    adoptLeg(ctx, live, customerId, customer);
    adoptLeg(ctx, live, agentId, { dialog: agentDialog, media: agentMedia });
    await live.update({ type: 'call_started', actor: agentId, detail: { to: dialed, emergency } }, (c) => c);
    log.info({ to: dialed, agent: agent.id, emergency }, 'outbound call connected');
    if (live.legs.size < 2) await endLiveCall(ctx, live, 'a leg left during set-up');
  } catch (err) {
    await ctx.media.endCall(callId);
    if (res.finalResponseSent) return;
    if (cancelled) return; // drachtio answered the INVITE with 487
    const status = err instanceof DialFailedError ? (err.sipStatus ?? 480) : 500;
    res.send(status >= 400 ? status : 480);
  }
}
