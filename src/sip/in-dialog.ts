import type Srf from 'drachtio-srf';
import { setHeld } from '../domain';
import type { SipContext } from './context';
import type { LiveCall, SipLeg } from './live-call';
import { answerFor, checkOffer, mediaRefusal, type SipRefusal } from './offer';
import { reinviteRefusal, type InviteInProgress } from './reinvite-guard';
import { answerDirection, audioDirection, isHoldOffer, mediaFingerprint, withAudioDirection } from './sdp';
import { blindTransfer } from './transfer';
import { legGone } from './teardown';
import { hangUp } from './hang-up';

/**
 * In-dialog requests on a participant's leg: BYE, re-INVITE (hold/resume or a media
 * change) and REFER. The customer's leg never receives anything from us because of
 * supervision; its own re-INVITEs are answered like anyone's.
 */

/** The session as coachline last agreed it on this dialog. */
interface Session {
  /** The served audio stream of the far end's last accepted SDP (see offer.ts). */
  remote: string;
  /** The SDP coachline last sent: the answer an offerless re-INVITE is offered again. */
  local: string;
}

type Reply = (r: SipRefusal | { status: 200; body: string }) => void;

/**
 * FreeSWITCH answers a re-offer in milliseconds; past this the phone gets 500 rather
 * than waiting out its own INVITE timer (32 s). drachtio-srf 5.0.29's modify() never
 * frees a dialog's re-INVITE slot after a non-2xx answer (seen on the e2e test phone):
 * should FreeSWITCH ever refuse a re-offer, every later modify of that endpoint waits
 * for ever, and without a bound its phone's re-INVITEs would never be answered again.
 */
const MEDIA_ANSWER_TIMEOUT_MS = 8000;

export class MediaAnswerTimeoutError extends Error {
  readonly code = 'media_answer_timeout';
  override readonly name = 'MediaAnswerTimeoutError';
}

function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MediaAnswerTimeoutError(`FreeSWITCH did not answer the re-offer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function wireLeg(ctx: SipContext, live: LiveCall, leg: SipLeg): void {
  const { dialog } = leg;
  // Kept here rather than read from the dialog: drachtio-srf overwrites
  // dialog.remote.sdp with every re-INVITE's body before it is handled, refused ones too.
  const session: Session = { remote: servedStream(dialog.remote.sdp), local: dialog.local.sdp };
  let inProgress: InviteInProgress = 'none';

  dialog.on('destroy', () => live.background('bye', legGone(ctx, live, leg, 'bye')));
  leg.media.onGone((reason) => {
    live.log.warn({ callId: live.id, participant: leg.participantId, reason }, 'media endpoint gone; hanging up its leg');
    hangUp(dialog);
    live.background('media gone', legGone(ctx, live, leg, `media:${reason}`));
  });

  dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const busy = reinviteRefusal(inProgress);
    if (busy) {
      live.log.info({ callId: live.id, participant: leg.participantId, status: busy.status }, 're-INVITE refused: another is pending on this dialog');
      return void res.send(busy.status, busy.reason, { headers: busy.headers });
    }
    inProgress = 'received';
    // The transaction ends with its final response, not with our bookkeeping after it:
    // the phone may send its next re-INVITE as soon as it has the answer.
    let answered = false;
    const reply: Reply = (r) => {
      if (answered) return;
      answered = true;
      inProgress = 'none';
      if ('body' in r) res.send(200, { body: r.body, headers: { 'Content-Type': 'application/sdp' } });
      else res.send(r.status, r.reason, { headers: r.headers });
    };
    // Whatever fails, the transaction gets a final response (a no-op once it has one).
    const failed = (): void => reply({ status: 500, reason: 'Server Internal Error', headers: {} });
    live.background('re-INVITE', onReinvite(ctx, live, leg, req, reply, session).finally(failed));
  });

  dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => live.background('REFER', blindTransfer(ctx, live, leg, req, res)));
}

async function onReinvite(ctx: SipContext, live: LiveCall, leg: SipLeg, req: Srf.SrfRequest, reply: Reply, session: Session): Promise<void> {
  const held = await answerReinvite(ctx, live, leg, req, reply, session);
  if (held === undefined) return;
  // Hold or resume is decided in the call's queue, on the state the changes queued
  // before it left: checked here, a hold and a resume answered while the queue was busy
  // both saw the state before either and one of them was dropped from the timeline.
  await live.update({ type: held ? 'hold' : 'resume', actor: leg.participantId }, (c) => {
    const p = c.participants.find((x) => x.id === leg.participantId);
    return p?.kind === 'internal' && p.held !== held ? setHeld(c, leg.participantId, held) : undefined;
  });
}

/** Sends the final response; resolves with whether the accepted offer holds, undefined when nothing was accepted. */
async function answerReinvite(
  ctx: SipContext,
  live: LiveCall,
  leg: SipLeg,
  req: Srf.SrfRequest,
  reply: Reply,
  session: Session,
): Promise<boolean | undefined> {
  if (!req.body) {
    // Offerless re-INVITE (session refresh): offer the session as it stands.
    reply({ status: 200, body: session.local });
    return undefined;
  }
  const checked = checkOffer(req.get('Content-Type'), req.body, ctx.settings.domain);
  if (!checked.ok) {
    live.log.info({ callId: live.id, participant: leg.participantId, status: checked.refusal.status, warning: checked.refusal.headers.Warning }, 're-INVITE offer refused; the session stays as it was');
    reply(checked.refusal);
    return undefined;
  }
  const offer = checked.offer;
  let ours = leg.media.localSdp;
  // New address, port or codecs must reach FreeSWITCH; it always sees sendrecv. Told
  // of a hold (a=sendonly), FreeSWITCH 1.10.12 stops sending but also stops mixing
  // what the holding phone sends (measured: a supervisor monitoring the agent then
  // heard nothing), which would break "monitoring the agent on hold hears the agent".
  // So the hold stays coachline's: the phone is answered recvonly/inactive, and the
  // plan makes the holding agent deaf — FreeSWITCH sends it silence, never a voice
  // (docs/ARCHITECTURE.md, "Hold: the agent's own phone").
  if (mediaFingerprint(offer.sdp) !== mediaFingerprint(session.remote) && !/c=IN IP4 0\.0\.0\.0/.test(offer.sdp)) {
    try {
      ours = await bounded(leg.media.setRemoteSdp(withAudioDirection(offer.sdp, 'sendrecv')), MEDIA_ANSWER_TIMEOUT_MS);
    } catch (err) {
      live.log.warn({ callId: live.id, participant: leg.participantId, err }, 're-INVITE could not be applied');
      reply(mediaRefusal(err, ctx.settings.domain) ?? { status: 500, reason: 'Server Internal Error', headers: {} });
      return undefined;
    }
  }
  const answer = answerFor(offer, withAudioDirection(ours, answerDirection(audioDirection(offer.sdp))));
  reply({ status: 200, body: answer });
  session.remote = offer.sdp;
  session.local = answer;
  return isHoldOffer(offer.sdp);
}

/** The stream FreeSWITCH was given of an SDP coachline accepted (the whole SDP when there is no servable stream). */
function servedStream(sdp: string): string {
  const c = checkOffer('application/sdp', sdp, '');
  return c.ok ? c.offer.sdp : sdp;
}
