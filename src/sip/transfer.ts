import type Srf from 'drachtio-srf';
import { addRinging, failTransfer, startTransfer, transferTargetAnswered } from '../domain';
import type { SipContext } from './context';
import { DialFailedError } from './dial';
import type { LiveCall, SipLeg } from './live-call';
import { adoptLeg, dialParticipant, dropDialed } from './participant-legs';
import { reachDevice, trunkTarget } from './reach';
import { notifyReferProgress } from './refer-notify';
import { referWithReplaces } from './consult';
import { endLiveCall, hangUpLeg } from './teardown';
import { normaliseNumber, parseReferTo, userPart } from './uri';

/**
 * Blind transfer (RFC 3515 REFER from an agent): 202, NOTIFY 100, dial the target,
 * join it, NOTIFY 200, release the transferring agent. On failure a NOTIFY carries
 * the target's status and the customer is back with the agent.
 */
export async function blindTransfer(ctx: SipContext, live: LiveCall, leg: SipLeg, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const by = live.call.participants.find((p) => p.id === leg.participantId);
  if (!by || by.kind !== 'internal' || by.status !== 'connected') {
    res.send(403, { headers: { Reason: 'SIP;cause=403;text="only a connected agent transfers"' } });
    return;
  }
  const referTo = req.get('Refer-To');
  if (!referTo) {
    res.send(400, 'Missing Refer-To', {});
    return;
  }
  const { uri, replaces } = parseReferTo(referTo);
  // Attended transfer: the consult is already in this call's conference (consult.ts).
  if (replaces) return referWithReplaces(ctx, live, leg.dialog, req, res, encodeURIComponent(replaces));
  const target = userPart(uri);
  if (!target) {
    res.send(400, 'Bad Refer-To', {});
    return;
  }

  // An agent by SIP username or user id; anything else is a number through the trunk.
  const user = (await ctx.directory.userBySipUsername(target)) ?? (await ctx.directory.user(target));
  const reach = user ? await reachDevice(user, user.device, ctx.registrations, ctx.settings) : trunkTarget(normaliseNumber(target), ctx.settings);
  if (reach.kind === 'unreachable') {
    res.send(404, 'Transfer target not found', {});
    return;
  }
  if (live.call.transfer && live.call.transfer.phase !== 'completed') {
    res.send(491, 'Transfer in progress', {});
    return;
  }

  res.send(202);
  await notifyReferProgress(leg.dialog, 100, 'Trying');
  const kind = user ? 'internal' : 'external';
  const pid = live.nextParticipantId(kind === 'internal' ? 'a' : 'x');
  await live.update({ type: 'transfer_started', actor: by.id, detail: { target: pid, to: target, kind: 'blind' } }, (c) =>
    startTransfer(
      addRinging(c, { id: pid, kind, address: target, origin: 'transfer', ...(user ? { userId: user.id } : {}) }),
      { kind: 'blind', by: by.id, target: pid },
    ),
  );

  try {
    const dialed = await dialParticipant(ctx, live, pid, reach.uri, (status) => {
      if (status === 180 || status === 183) live.background('REFER progress', notifyReferProgress(leg.dialog, 180, 'Ringing'));
    });
    if (!ctx.calls.get(live.id)) return void (await dropDialed(dialed));
    adoptLeg(ctx, live, pid, dialed);
    await live.update({ type: 'transfer_answered', actor: pid }, transferTargetAnswered);
    await notifyReferProgress(leg.dialog, 200, 'OK');
    // The transferring agent's part is over; if its phone has not hung up yet, we do.
    const still = live.legs.get(by.id);
    if (still) await hangUpLeg(ctx, live, still, 'transferred');
  } catch (err) {
    const status = err instanceof DialFailedError ? (err.sipStatus ?? 480) : 500;
    live.log.info({ callId: live.id, target, err: (err as Error).message }, 'blind transfer failed');
    await notifyReferProgress(leg.dialog, status, 'Transfer failed');
    if (ctx.calls.get(live.id)) {
      const call = await live.update({ type: 'transfer_failed', actor: by.id, detail: { target: pid, status } }, failTransfer);
      if (call.ended) await endLiveCall(ctx, live, 'transfer failed with nobody left');
    }
  }
}
