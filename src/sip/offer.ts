import { sipStatusOf } from './errors';

/**
 * Which SDP offers coachline can serve, and answers shaped as RFC 3264 wants. A leg
 * carries one audio stream: the offer's first `m=audio` with a port. FreeSWITCH is given
 * only that stream, because told of the others it misbehaves (1.10.12, verified in
 * docs/freeswitch-notes.md): it answers audio + video as audio first, drops streams it
 * does not want, and an `m=image` (T.38) beside the audio left an endpoint that never
 * hung up. The answer then puts every other stream back, refused with port 0, so it has
 * exactly the offer's m-lines in the offer's order (§6). What cannot be served is refused
 * before anything starts, with a Warning (RFC 3261 §20.43) saying why.
 */

/** A final response that refuses a request, ready for `res.send(status, reason, { headers })`. */
export interface SipRefusal {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

interface Section {
  media: string;
  port: number;
  proto: string;
  fmts: string;
  /** The m= line and the lines after it, up to the next m= line. */
  lines: string[];
}

interface Parsed {
  session: string[];
  sections: Section[];
  /** An m= line that is not `m=<media> <port> <proto> <fmt …>`. */
  malformed?: boolean;
}

/** An offer coachline can serve. */
export interface ServedOffer {
  /** What FreeSWITCH is given: the session lines and the served audio stream only. */
  sdp: string;
  /** The offer's m-lines; `served` indexes the audio stream in it. */
  sections: readonly Section[];
  served: number;
}

export type OfferCheck = { ok: true; offer: ServedOffer } | { ok: false; refusal: SipRefusal };

const M_LINE = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/;

function parse(sdp: string): Parsed {
  const out: Parsed = { session: [], sections: [] };
  for (const l of sdp.split(/\r?\n/)) {
    if (!l) continue;
    const m = M_LINE.exec(l);
    if (m) out.sections.push({ media: m[1]!, port: Number(m[2]), proto: m[3]!, fmts: m[4] ?? '', lines: [l] });
    else if (l.startsWith('m=')) out.malformed = true;
    else (out.sections.at(-1)?.lines ?? out.session).push(l);
  }
  return out;
}

const join = (lines: string[]): string => lines.join('\r\n') + '\r\n';

/** RFC 3261 §20.43 warn-codes coachline uses, with the phrases the RFC gives them. */
const WARNINGS = {
  301: 'Incompatible network address formats',
  304: 'Media type not available',
  305: 'Incompatible media format',
  399: 'Miscellaneous warning',
} as const;

function notAcceptable(agent: string, code: keyof typeof WARNINGS, text: string = WARNINGS[code]): SipRefusal {
  return { status: 488, reason: 'Not Acceptable Here', headers: { Warning: `${code} ${agent} "${text}"` } };
}

const UNSUPPORTED: SipRefusal = { status: 415, reason: 'Unsupported Media Type', headers: { Accept: 'application/sdp' } };

/**
 * The SDP in a request body: the body itself (application/sdp, or no Content-Type
 * on a body that is plainly SDP), or the application/sdp part of a multipart body (a
 * carrier's SIP-I INVITE carries SDP beside ISUP). Undefined: there is no SDP in it.
 */
export function sdpOfBody(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/sdp' || (!type && /^v=0\r?\n/.test(body))) return body;
  const boundary = /;\s*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!type.startsWith('multipart/') || !boundary) return undefined;
  for (const part of body.split(`--${boundary}`)) {
    const blank = part.search(/\r?\n\r?\n/);
    if (blank < 0) continue;
    const head = part.slice(0, blank);
    if (/^content-type:\s*application\/sdp\b/im.test(head)) return part.slice(blank).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '');
  }
  return undefined;
}

/**
 * Whether coachline can serve the offer in a request body: 415 for a body that is not
 * SDP, 488 with a Warning for SDP without an audio stream (304) or with IPv6 audio
 * (301: this FreeSWITCH is IPv4 and would answer an IPv4 address the far end cannot
 * reach). `agent` is the warn-agent, coachline's SIP domain.
 */
export function checkOffer(contentType: string | undefined, body: string, agent: string): OfferCheck {
  const sdp = sdpOfBody(contentType, body);
  if (sdp === undefined) return { ok: false, refusal: UNSUPPORTED };
  const p = parse(sdp);
  // Its answer could not mirror an m-line it cannot read (§6).
  if (p.malformed) return { ok: false, refusal: notAcceptable(agent, 399, 'Malformed m= line') };
  const served = p.sections.findIndex((s) => s.media === 'audio' && s.port > 0);
  if (served < 0) return { ok: false, refusal: notAcceptable(agent, 304) };
  const audio = p.sections[served]!;
  const connection = [...audio.lines, ...p.session].find((l) => l.startsWith('c='));
  if (!connection) return { ok: false, refusal: notAcceptable(agent, 399, 'No connection address for the audio stream') };
  if (!/^c=IN IP4 /.test(connection)) return { ok: false, refusal: notAcceptable(agent, 301) };
  return { ok: true, offer: { sdp: join([...p.session, ...audio.lines]), sections: p.sections, served } };
}

/**
 * FreeSWITCH's answer to the served stream, as the answer to the whole offer: the same
 * m-lines in the same order, every stream but the served one refused with port 0 (its
 * offered formats kept: an m-line needs at least one).
 */
export function answerFor(offer: ServedOffer, fsAnswer: string): string {
  const fs = parse(fsAnswer);
  const audio = fs.sections.find((s) => s.media === 'audio');
  if (!audio) return fsAnswer;
  // A refused stream needs a connection line only when the session has none (RFC 4566 §5.7).
  const c = fs.session.some((l) => l.startsWith('c=')) ? [] : audio.lines.filter((l) => l.startsWith('c='));
  const lines = [...fs.session];
  offer.sections.forEach((s, i) => {
    if (i === offer.served) lines.push(...audio.lines);
    else lines.push(`m=${s.media} 0 ${s.proto} ${s.fmts}`.trimEnd(), ...c);
  });
  return join(lines);
}

/**
 * FreeSWITCH refused the served stream (its 488: no codec in common, an unsupported
 * transport such as RTP/SAVP here): the far end gets 488 with Warning 305. Undefined for
 * any other failure, which is coachline's, not the offer's.
 */
export function mediaRefusal(err: unknown, agent: string): SipRefusal | undefined {
  return sipStatusOf(err) === 488 ? notAcceptable(agent, 305) : undefined;
}

/** The far end's offer cannot be served; `refusal` is the response that says why. */
export class OfferRefusedError extends Error {
  readonly code = 'offer_refused';
  override readonly name = 'OfferRefusedError';
  constructor(readonly refusal: SipRefusal) {
    super(`offer refused: ${refusal.status} ${refusal.headers.Warning ?? ''}`.trim());
  }
}

/** For a `.catch` on the leg that answers an offer: FreeSWITCH's 488 becomes OfferRefusedError, anything else is rethrown as it is. */
export function rethrowRefusal(agent: string): (err: unknown) => never {
  return (err) => {
    const r = mediaRefusal(err, agent);
    throw r ? new OfferRefusedError(r) : err;
  };
}

export function sendRefusal(res: { send(status: number, reason: string, opts: { headers: Record<string, string> }): void }, r: SipRefusal): void {
  res.send(r.status, r.reason, { headers: r.headers });
}
