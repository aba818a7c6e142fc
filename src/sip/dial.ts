import type Srf from 'drachtio-srf';
import type { CallMediaPort, MediaLeg } from '../app/ports';
import { sipStatusOf } from './errors';
import { hangUp } from './hang-up';

/**
 * Dial one leg: a FreeSWITCH endpoint makes the SDP offer, the INVITE goes out with
 * it, and the far end's answer is given back to FreeSWITCH. The attempt can be
 * cancelled (ring-all losers, a supervisor who gives up) and times out with CANCEL.
 */

export type DialOutcome = 'answered' | 'no_answer' | 'busy' | 'declined' | 'cancelled' | 'unreachable';

export class DialFailedError extends Error {
  readonly code = 'dial_failed';
  override readonly name = 'DialFailedError';
  constructor(
    readonly outcome: Exclude<DialOutcome, 'answered'>,
    readonly sipStatus: number | undefined,
  ) {
    super(`dial failed: ${outcome}${sipStatus ? ` (${sipStatus})` : ''}`);
  }
}

export interface DialOptions {
  callId: string;
  key: string;
  uri: string;
  headers?: Record<string, string>;
  /** Send the INVITE through this proxy (the trunk's outbound proxy). */
  proxy?: string;
  timeoutSec: number;
  onProvisional?: (status: number) => void;
  /** Set by dial(): calling it CANCELs the INVITE. */
  registerCancel?: (cancel: () => void) => void;
  /** Told of the dialog once answered (src/sip/held-dialogs.ts). */
  held?: { track(dialog: Srf.Dialog): void };
}

export interface DialedLeg {
  dialog: Srf.Dialog;
  media: MediaLeg;
}

/** SIP final status → what it means for the caller (RFC 3261 §21). */
export function outcomeOf(status: number | undefined, cancelledBy: 'timeout' | 'caller' | undefined): Exclude<DialOutcome, 'answered'> {
  if (cancelledBy === 'timeout') return 'no_answer';
  if (cancelledBy === 'caller') return 'cancelled';
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'declined';
  if (status === 408 || status === 480 || status === 487) return 'no_answer';
  return 'unreachable';
}

/** Bound on giving FreeSWITCH the far end's answer: past it the answered phone is hung up, never left connected to nothing. */
const ANSWER_TO_MEDIA_MS = 5000;

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

type UacRequest = { cancel: (cb?: (err: unknown) => void) => void };

export async function dial(srf: Srf, media: CallMediaPort, o: DialOptions): Promise<DialedLeg> {
  const leg = await media.createLeg(o.callId, o.key);
  let invite: UacRequest | undefined;
  let cancelledBy: 'timeout' | 'caller' | undefined;
  let finished = false;
  const cancel = (by: 'timeout' | 'caller'): void => {
    if (finished || cancelledBy) return;
    cancelledBy = by;
    invite?.cancel(() => undefined);
  };
  o.registerCancel?.(() => cancel('caller'));
  if (cancelledBy) {
    // Given up while the endpoint was being made: no INVITE goes out at all.
    await leg.release();
    throw new DialFailedError('cancelled', undefined);
  }
  const timer = setTimeout(() => cancel('timeout'), o.timeoutSec * 1000);
  try {
    // drachtio-srf calls cbRequest(err, req), not the (req) its typings declare.
    const progress = {
      cbRequest: ((err: unknown, req: UacRequest) => {
        if (err) return;
        invite = req;
        if (cancelledBy) req.cancel(() => undefined);
      }) as unknown as (req: Srf.SrfRequest) => void,
      cbProvisional: (res: Srf.SrfResponse) => o.onProvisional?.(res.status),
    };
    const dialog = await srf.createUAC(
      o.uri,
      { localSdp: leg.localSdp, headers: o.headers ?? {}, ...(o.proxy ? { proxy: o.proxy } : {}) },
      progress,
    );
    finished = true;
    clearTimeout(timer);
    o.held?.track(dialog);
    if (cancelledBy) {
      // 200 OK crossed our CANCEL: hang up what answered.
      hangUp(dialog);
      await leg.release();
      throw new DialFailedError(outcomeOf(undefined, cancelledBy), undefined);
    }
    try {
      await withDeadline(leg.setRemoteSdp(dialog.remote.sdp), ANSWER_TO_MEDIA_MS, 'FreeSWITCH did not take the answer');
    } catch (err) {
      // The phone answered with SDP FreeSWITCH cannot use: hang up rather than leave a silent leg.
      hangUp(dialog);
      throw err;
    }
    return { dialog, media: leg };
  } catch (err) {
    finished = true;
    clearTimeout(timer);
    await leg.release();
    if (err instanceof DialFailedError) throw err;
    throw new DialFailedError(outcomeOf(sipStatusOf(err), cancelledBy), sipStatusOf(err));
  }
}
