/**
 * The little SDP reading a B2BUA needs: whether an offer puts the call on hold, and
 * an answer that mirrors the direction. Hold is any of RFC 3264 `a=sendonly` or
 * `a=inactive` (session or media level) or the RFC 2543 `c=0.0.0.0`.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.length > 0);
}

/** The audio stream's direction: its media-level attribute, else the session-level one, else sendrecv. */
export function audioDirection(sdp: string): Direction {
  let session: Direction | undefined;
  let media: Direction | undefined;
  let inAudio = false;
  let seenMedia = false;
  for (const l of lines(sdp)) {
    if (l.startsWith('m=')) {
      seenMedia = true;
      inAudio = l.startsWith('m=audio');
      continue;
    }
    const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(l);
    if (!m) continue;
    const d = m[1] as Direction;
    if (!seenMedia) session = d;
    else if (inAudio) media = d;
  }
  return media ?? session ?? 'sendrecv';
}

/** The connection address for audio (media-level c= wins over session-level). */
export function audioConnectionAddress(sdp: string): string | undefined {
  let session: string | undefined;
  let media: string | undefined;
  let inAudio = false;
  let seenMedia = false;
  for (const l of lines(sdp)) {
    if (l.startsWith('m=')) {
      seenMedia = true;
      inAudio = l.startsWith('m=audio');
      continue;
    }
    const c = /^c=IN IP[46] (\S+)/.exec(l);
    if (!c) continue;
    if (!seenMedia) session = c[1];
    else if (inAudio) media = c[1];
  }
  return media ?? session;
}

/** True when the offer means "I put you on hold". */
export function isHoldOffer(sdp: string): boolean {
  const d = audioDirection(sdp);
  return d === 'sendonly' || d === 'inactive' || audioConnectionAddress(sdp) === '0.0.0.0';
}

/** RFC 3264 §6.1: the direction an answerer uses for an offered direction. */
export function answerDirection(offered: Direction): Direction {
  if (offered === 'sendonly') return 'recvonly';
  if (offered === 'recvonly') return 'sendonly';
  return offered;
}

/** `sdp` with its audio direction set to `d` (media-level; any session-level attribute removed). */
export function withAudioDirection(sdp: string, d: Direction): string {
  const out: string[] = [];
  let inAudio = false;
  let wrote = false;
  for (const l of lines(sdp)) {
    const isDir = DIRECTIONS.some((x) => l === `a=${x}`);
    if (l.startsWith('m=')) {
      if (inAudio && !wrote) out.push(`a=${d}`);
      inAudio = l.startsWith('m=audio');
      wrote = false;
      out.push(l);
      continue;
    }
    if (isDir) {
      if (inAudio && !wrote) {
        out.push(`a=${d}`);
        wrote = true;
      }
      continue; // session-level or other-media direction lines are dropped or replaced
    }
    out.push(l);
  }
  if (inAudio && !wrote) out.push(`a=${d}`);
  return out.join('\r\n') + '\r\n';
}

/**
 * The media the SDP describes, without direction or version noise: when a re-INVITE
 * changes this (new address, port or codecs), FreeSWITCH must be told; a pure hold or
 * resume changes only the direction and stays between coachline and the phone.
 */
export function mediaFingerprint(sdp: string): string {
  return lines(sdp)
    .filter((l) => /^(m=|a=rtpmap:|a=fmtp:|c=)/.test(l) && !/^c=IN IP4 0\.0\.0\.0/.test(l))
    .join('\n');
}
