import { endCall, participantLeft } from '../domain';
import type { SipContext } from './context';
import type { LiveCall, SipLeg } from './live-call';
import { hangUp } from './hang-up';
import { dropStaleLines } from './consult';

/**
 * A leg is gone (BYE from its phone, FreeSWITCH dropped its endpoint, or we hung it
 * up). The domain decides whether the call goes on; if not, every other leg is hung
 * up, ringing legs are cancelled and the conference is removed — no channel is left.
 */
export async function legGone(ctx: SipContext, live: LiveCall, leg: SipLeg, why: string): Promise<void> {
  if (live.legs.get(leg.participantId) !== leg) return;
  live.legs.delete(leg.participantId);
  await leg.media.release();
  const call = await live.update({ type: 'participant_left', actor: leg.participantId, detail: { why } }, (c) =>
    participantLeft(c, leg.participantId),
  );
  dropStaleLines(live);
  if (call.ended) await endLiveCall(ctx, live, 'last party left');
}

export async function endLiveCall(ctx: SipContext, live: LiveCall, why: string): Promise<void> {
  if (!ctx.calls.get(live.id)) return;
  ctx.calls.remove(live.id);
  for (const cancel of live.pending.values()) cancel();
  live.pending.clear();
  const legs = [...live.legs.values()];
  live.legs.clear();
  for (const l of legs) {
    hangUp(l.dialog);
  }
  await ctx.media.endCall(live.id);
  if (!live.call.ended) {
    await live.update({ type: 'call_ended', detail: { why } }, endCall);
  }
  dropStaleLines(live);
  live.log.info({ callId: live.id, why }, 'call ended');
}

/** Hang up one leg from our side (e.g. the transferring agent once the transfer completes). */
export async function hangUpLeg(ctx: SipContext, live: LiveCall, leg: SipLeg, why: string): Promise<void> {
  hangUp(leg.dialog);
  await legGone(ctx, live, leg, why);
}
