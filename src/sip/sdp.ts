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

/**
 * The first value `match` finds for the audio stream: a media-level line in the
 * m=audio section wins over a session-level one (RFC 4566 §5).
 */
function audioLevel<T>(sdp: string, match: (line: string) => T | undefined): T | undefined {
  let session: T | undefined;
  let media: T | undefined;
  let inAudio = false;
  let seenMedia = false;
  for (const l of lines(sdp)) {
    if (l.startsWith('m=')) {
      seenMedia = true;
      inAudio = l.startsWith('m=audio');
      continue;
    }
    const v = match(l);
    if (v === undefined) continue;
    if (!seenMedia) session = v;
    else if (inAudio) media = v;
  }
  return media ?? session;
}

/** The audio stream's direction; sendrecv when the SDP says none. */
export function audioDirection(sdp: string): Direction {
  return audioLevel(sdp, (l) => /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(l)?.[1] as Direction | undefined) ?? 'sendrecv';
}

/** The connection address for audio. */
export function audioConnectionAddress(sdp: string): string | undefined {
  return audioLevel(sdp, (l) => /^c=IN IP[46] (\S+)/.exec(l)?.[1]);
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
