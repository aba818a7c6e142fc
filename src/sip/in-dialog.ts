import type Srf from 'drachtio-srf';
import { setHeld } from '../domain';
import type { SipContext } from './context';
import type { LiveCall, SipLeg } from './live-call';
import { answerDirection, audioDirection, isHoldOffer, mediaFingerprint, withAudioDirection } from './sdp';
import { blindTransfer } from './transfer';
import { legGone } from './teardown';
import { hangUp } from './hang-up';

/**
 * In-dialog requests on a participant's leg: BYE, re-INVITE (hold/resume or a media
 * change) and REFER. The customer's leg never receives anything from us because of
 * supervision; its own re-INVITEs are answered like anyone's.
 */
export function wireLeg(ctx: SipContext, live: LiveCall, leg: SipLeg): void {
  const { dialog } = leg;
  let remoteSdp = dialog.remote.sdp;

  dialog.on('destroy', () => live.background('bye', legGone(ctx, live, leg, 'bye')));
  leg.media.onGone((reason) => {
    live.log.warn({ callId: live.id, participant: leg.participantId, reason }, 'media endpoint gone; hanging up its leg');
    hangUp(dialog);
    live.background('media gone', legGone(ctx, live, leg, `media:${reason}`));
  });

  dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    live.background(
      're-INVITE',
      onReinvite(ctx, live, leg, req, res, remoteSdp).then((sdp) => {
        if (sdp) remoteSdp = sdp;
      }),
    );
  });

  dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => live.background('REFER', blindTransfer(ctx, live, leg, req, res)));
}

async function onReinvite(
  ctx: SipContext,
  live: LiveCall,
  leg: SipLeg,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
  previousRemote: string,
): Promise<string | undefined> {
  const offer = req.body;
  try {
    if (!offer) {
      // Offerless re-INVITE (session refresh): offer what we have.
      res.send(200, { body: leg.media.localSdp, headers: { 'Content-Type': 'application/sdp' } });
      return undefined;
    }
    let ours = leg.media.localSdp;
    // New address, port or codecs must reach FreeSWITCH; it always sees sendrecv. Told
    // of a hold (a=sendonly), FreeSWITCH 1.10.12 stops sending but also stops mixing
    // what the holding phone sends (measured: a supervisor monitoring the agent then
    // heard nothing), which would break "monitoring the agent on hold hears the agent".
    // So the hold stays coachline's: the phone is answered recvonly/inactive, and the
    // plan makes the holding agent deaf — FreeSWITCH sends it silence, never a voice
    // (docs/ARCHITECTURE.md, "Hold: the agent's own phone").
    if (mediaFingerprint(offer) !== mediaFingerprint(previousRemote) && !/c=IN IP4 0\.0\.0\.0/.test(offer)) {
      ours = await leg.media.setRemoteSdp(withAudioDirection(offer, 'sendrecv'));
    }
    res.send(200, {
      body: withAudioDirection(ours, answerDirection(audioDirection(offer))),
      headers: { 'Content-Type': 'application/sdp' },
    });
  } catch (err) {
    live.log.warn({ callId: live.id, err }, 're-INVITE could not be applied');
    if (!res.finalResponseSent) res.send(488);
    return undefined;
  }
  const held = isHoldOffer(offer);
  const participant = live.call.participants.find((p) => p.id === leg.participantId);
  if (participant && participant.kind === 'internal' && participant.held !== held) {
    await live.update({ type: held ? 'hold' : 'resume', actor: leg.participantId }, (c) => setHeld(c, leg.participantId, held));
  }
  return offer;
}
