import type Srf from 'drachtio-srf';
import { User, failTransfer, referWhileRinging, startConsult, transferTargetAnswered, completeTransfer } from '../domain';
import type { MediaLeg } from '../app/ports';
import type { SipContext } from './context';
import { DialFailedError } from './dial';
import { hangUp } from './hang-up';
import type { LiveCall } from './live-call';
import { answerFor, mediaRefusal, sendRefusal, type ServedOffer } from './offer';
import { adoptLeg, dialParticipant, dropDialed } from './participant-legs';
import { notifyReferProgress } from './refer-notify';
import { endLiveCall, hangUpLeg } from './teardown';

/**
 * Consult and attended transfer, as desk phones do them (Yealink, Polycom, Snom,
 * Grandstream, Cisco): the agent's phone holds the customer (re-INVITE sendonly on
 * its first dialog, D1) and calls a colleague (a new INVITE, D2, through coachline).
 * D2 becomes the agent's consult *line* in the customer's conference (the domain's
 * attended transfer, consulting phase): the agents talk, the customer hears hold
 * music. The phone then completes with REFER + Replaces (RFC 3891), in either order
 * seen in the field:
 *   - REFER on D1, Refer-To the colleague with Replaces naming D2 (most phones);
 *   - REFER on D2 with Replaces naming D1 (transfer "to the held party");
 * and before or after the colleague answers (semi-attended: before). The colleague's
 * leg is already in the customer's conference, so nothing is re-INVITEd: coachline
 * only releases the agent's two legs. A Replaces that names no dialog of this agent
 * fails the transfer the way a real one would (NOTIFY 481) and the customer stays.
 */
export interface ConsultLine {
  /** Media key of the line (the agent's voice while consulting). */
  key: string;
  /** The transferring agent's participant id. */
  by: string;
  /** The consulted colleague's participant id. */
  target: string;
  media: MediaLeg;
  /** The phone's consult dialog, once answered. */
  dialog?: Srf.Dialog;
  /** Where the phone's REFER came from, to report the transfer's outcome there. */
  referredOn?: Srf.Dialog;
  /** Call-ID of the phone's consult INVITE: what a REFER sent while it rings names. */
  inviteCallId: string;
}

/** The agent's phone holds a customer call here and calls a directory colleague. */
export async function consultCall(
  ctx: SipContext,
  live: LiveCall,
  by: string,
  colleague: User,
  uri: string,
  offer: ServedOffer,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
): Promise<void> {
  const key = `${by}~2`;
  const media = await ctx.media.createLeg(live.id, key, offer.sdp).catch((err: unknown) => {
    const refused = mediaRefusal(err, ctx.settings.domain);
    sendRefusal(res, refused ?? { status: 503, reason: 'Media unavailable', headers: {} });
    return undefined;
  });
  if (!media) return;
  const pid = live.nextParticipantId('a');
  const call = await live.update({ type: 'consult_started', actor: by, detail: { target: pid, userId: colleague.id } }, (c) =>
    startConsult(c, { by, target: { id: pid, userId: colleague.id, address: uri }, line: key }),
  );
  if (call.transfer?.target !== pid) {
    await media.release();
    return void res.send(491, 'Transfer in progress', {});
  }
  const line: ConsultLine = { key, by, target: pid, media, inviteCallId: req.get('Call-ID') ?? '' };
  live.lines.set(key, line);

  req.on('cancel', () => {
    // A phone that sent its REFER while the colleague rang (semi-attended) cancels its
    // consult INVITE: the transfer goes on as a blind one. Otherwise it gave up.
    if (line.referredOn) return void dropLine(live, line);
    live.pending.get(pid)?.();
  });

  try {
    const dialed = await dialParticipant(ctx, live, pid, uri, (status) => {
      if (!res.finalResponseSent && (status === 180 || status === 183)) res.send(180);
    });
    if (!ctx.calls.get(live.id)) return void (await dropDialed(dialed));
    adoptLeg(ctx, live, pid, dialed);
    const answered = await live.update({ type: 'transfer_answered', actor: pid }, transferTargetAnswered);
    if (answered.transfer?.phase === 'completed') {
      // Semi-attended: the REFER came while ringing; the colleague now has the customer.
      await finishTransfer(ctx, live, line);
      if (!res.finalResponseSent) res.send(487);
      return;
    }
    if (res.finalResponseSent) return void (await endConsult(ctx, live, line, 'consult cancelled'));
    line.dialog = await ctx.srf.createUAS(req, res, { localSdp: answerFor(offer, media.localSdp) });
    ctx.held.track(line.dialog);
    wireLine(ctx, live, line);
    live.log.info({ callId: live.id, by, colleague: colleague.id }, 'consulting');
  } catch (err) {
    const status = err instanceof DialFailedError ? (err.sipStatus ?? 480) : 500;
    live.log.info({ callId: live.id, colleague: colleague.id, err: (err as Error).message }, 'consult failed');
    // The colleague answered but the agent's side failed (its INVITE went meanwhile): hang the colleague up too.
    if (live.legs.has(pid)) await endConsult(ctx, live, line, 'consult failed');
    dropLine(live, line);
    if (ctx.calls.get(live.id) && live.call.transfer?.target === pid) {
      await live.update({ type: 'transfer_failed', actor: by, detail: { target: pid, status } }, failTransfer);
    }
    if (!res.finalResponseSent) res.send(status >= 400 ? status : 480);
  }
}

function wireLine(ctx: SipContext, live: LiveCall, line: ConsultLine): void {
  const dialog = line.dialog!;
  dialog.on('destroy', () => live.background('consult BYE', endConsult(ctx, live, line, 'agent hung up the consult')));
  line.media.onGone(() => {
    hangUp(dialog);
    live.background('consult media gone', endConsult(ctx, live, line, 'consult media gone'));
  });
  // Re-INVITEs on the consult line (a hold or a refresh) are answered as they stand:
  // the line's hearing is the plan's, not the phone's.
  dialog.on('modify', (_req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    res.send(200, { body: dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
  });
  dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => live.background('REFER on consult', referWithReplaces(ctx, live, dialog, req, res)));
}

/** A consult line's dialog that is `dialog`, or the agent's first leg that is, for `by`. */
interface ReplacesTarget {
  callId: string;
  tags: string[];
}

export function parseReplaces(value: string): ReplacesTarget | undefined {
  const [callId, ...params] = value.split(';').map((s) => s.trim());
  if (!callId) return undefined;
  const tags = params
    .map((p) => /^(to-tag|from-tag)=(.*)$/i.exec(p)?.[2])
    .filter((v): v is string => !!v);
  return { callId, tags };
}

/** Whether a Replaces header names this dialog, whichever side's view its tags were written from. */
export function namesDialog(r: ReplacesTarget, dialog: Pick<Srf.Dialog, 'sip'>): boolean {
  if (dialog.sip.callId !== r.callId) return false;
  const ours = [dialog.sip.localTag, dialog.sip.remoteTag];
  return r.tags.every((tag) => ours.includes(tag));
}

/**
 * REFER with Replaces from the transferring agent's phone, on D1 (its customer leg)
 * or on D2 (its consult line): completes the transfer when the Replaces names the
 * agent's other dialog.
 */
export async function referWithReplaces(ctx: SipContext, live: LiveCall, on: Srf.Dialog, req: Srf.SrfRequest, res: Srf.SrfResponse, replacesValue?: string): Promise<void> {
  const value = replacesValue ?? /[?&]Replaces=([^&>]+)/i.exec(req.get('Refer-To') ?? '')?.[1];
  const replaces = value ? parseReplaces(decodeURIComponent(value)) : undefined;
  if (!replaces) return void res.send(400, 'Bad Replaces', {});
  const line = [...live.lines.values()].find((l) => l.dialog === on || live.legs.get(l.by)?.dialog === on);
  const first = line ? live.legs.get(line.by) : undefined;
  // The other of the agent's two dialogs: D2 when the REFER came on D1, D1 when on D2.
  const other = line && (line.dialog === on ? first?.dialog : line.dialog);
  const matchesOther = !!other && namesDialog(replaces, other);
  // Semi-attended: the consult INVITE (D2) is still ringing, so it has no dialog yet;
  // its Call-ID is the one the REFER's Replaces names.
  const ringingLine = !!line && !line.dialog && on === first?.dialog && replaces.callId === line.inviteCallId;
  const matched = line && (matchesOther || ringingLine) ? line : undefined;
  // Marked before the 202 goes out: the phone cancels its consult INVITE as soon as it
  // has the 202, and that CANCEL must find the transfer already referred.
  if (matched) matched.referredOn = on;
  res.send(202);
  if (!matched) {
    await notifyReferProgress(on, 100, 'Trying');
    live.log.info({ callId: live.id, replaces: replaces.callId }, 'REFER with Replaces names no dialog of this agent');
    return void (await notifyReferProgress(on, 481, 'Call/Transaction Does Not Exist'));
  }
  const t = live.call.transfer;
  if (t?.phase === 'dialing' && t.kind === 'attended') {
    // Decided before anything else is awaited, so the colleague's answer finds it.
    await live.update({ type: 'transfer_referred', actor: matched.by, detail: { target: matched.target, while: 'ringing' } }, referWhileRinging);
    await notifyReferProgress(on, 100, 'Trying');
    return; // completed when the colleague answers (consultCall)
  }
  await notifyReferProgress(on, 100, 'Trying');
  if (live.call.transfer?.phase !== 'consulting') return void (await notifyReferProgress(on, 481, 'Call/Transaction Does Not Exist'));
  await live.update({ type: 'transfer_completed', actor: matched.by, detail: { target: matched.target, kind: 'attended' } }, completeTransfer);
  await finishTransfer(ctx, live, matched);
}

/** The colleague has the customer: report it to the phone and release the agent's two legs. */
async function finishTransfer(ctx: SipContext, live: LiveCall, line: ConsultLine): Promise<void> {
  if (line.referredOn) await notifyReferProgress(line.referredOn, 200, 'OK');
  dropLine(live, line);
  const first = live.legs.get(line.by);
  if (first) await hangUpLeg(ctx, live, first, 'transferred');
}

/** The consult ended without a transfer: the colleague's leg goes, the customer stays held by the agent. */
async function endConsult(ctx: SipContext, live: LiveCall, line: ConsultLine, why: string): Promise<void> {
  if (live.lines.get(line.key) !== line) return;
  dropLine(live, line);
  const t = live.call.transfer;
  if (!ctx.calls.get(live.id) || !t || t.target !== line.target || t.phase === 'completed') return;
  const colleague = live.legs.get(line.target);
  if (colleague) await hangUpLeg(ctx, live, colleague, why);
  else live.pending.get(line.target)?.();
  if (live.call.transfer?.target === line.target) {
    const call = await live.update({ type: 'transfer_failed', actor: line.by, detail: { target: line.target, why } }, failTransfer);
    if (call.ended) await endLiveCall(ctx, live, 'consult ended with nobody left');
  }
}

function dropLine(live: LiveCall, line: ConsultLine): void {
  if (live.lines.get(line.key) !== line) return;
  live.lines.delete(line.key);
  if (line.dialog) hangUp(line.dialog);
  void line.media.release().catch(() => undefined);
}

/**
 * After a participant left: a consult line whose transfer is over (the colleague hung
 * up, or the customer did) is hung up too — the agent's phone is back on its first line.
 */
export function dropStaleLines(live: LiveCall): void {
  for (const line of [...live.lines.values()]) {
    const t = live.call.transfer;
    if (live.call.ended || !t || t.target !== line.target || t.phase === 'completed') dropLine(live, line);
  }
}
