/**
 * Issue 15, defect 4: offers coachline cannot serve are refused with the right status
 * and a Warning, and an answer always mirrors the offer's m-lines (RFC 3264 §6).
 */
import t from 'tap';
import { answerFor, checkOffer, mediaRefusal, sdpOfBody, type ServedOffer } from '../../src/sip/offer';

const AGENT = 'coachline.test';
const sdp = (media: string[], c = 'c=IN IP4 192.0.2.10'): string =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', c, 't=0 0', ...media].join('\r\n') + '\r\n';
const AUDIO = ['m=audio 4000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv'];
const VIDEO = ['m=video 4002 RTP/AVP 96', 'a=rtpmap:96 H264/90000'];
/** What FreeSWITCH answers for the audio stream alone. */
const FS_ANSWER = sdp(['m=audio 20000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20', 'a=sendrecv'], 'c=IN IP4 127.0.0.1');

const mLines = (s: string): string[] => s.split('\r\n').filter((l) => l.startsWith('m='));

function served(contentType: string, body: string): ServedOffer {
  const c = checkOffer(contentType, body, AGENT);
  if (!c.ok) throw new Error(`refused: ${JSON.stringify(c.refusal)}`);
  return c.offer;
}

t.test('refused before anything starts, with the reason in a Warning', async (t) => {
  const refusal = (contentType: string | undefined, body: string) => {
    const c = checkOffer(contentType, body, AGENT);
    return c.ok ? undefined : c.refusal;
  };
  t.same(refusal('text/plain', 'hello'), { status: 415, reason: 'Unsupported Media Type', headers: { Accept: 'application/sdp' } }, 'a body that is not SDP: 415 with Accept');
  t.same(refusal('application/sdp', sdp([])), { status: 488, reason: 'Not Acceptable Here', headers: { Warning: '304 coachline.test "Media type not available"' } }, 'no m= line: 488, 304');
  t.match(refusal('application/sdp', sdp(VIDEO)), { status: 488, headers: { Warning: /^304 / } }, 'video only: 304');
  t.match(refusal('application/sdp', sdp([AUDIO[0]!.replace('4000', '0'), ...AUDIO.slice(1)])), { status: 488, headers: { Warning: /^304 / } }, 'audio refused by its own port 0: 304');
  const v6 = ['v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'c=IN IP6 2001:db8::1', 't=0 0', ...AUDIO].join('\r\n') + '\r\n';
  t.match(refusal('application/sdp', v6), { status: 488, headers: { Warning: '301 coachline.test "Incompatible network address formats"' } }, 'IPv6-only audio: 301');
  const v6media = sdp([AUDIO[0]!, 'c=IN IP6 2001:db8::1', ...AUDIO.slice(1)]);
  t.match(refusal('application/sdp', v6media), { headers: { Warning: /^301 / } }, 'a media-level IPv6 address wins over the session IPv4 one');
  t.match(refusal('application/sdp', sdp(AUDIO, '')), { status: 488, headers: { Warning: /^399 .*connection/ } }, 'no connection address at all');
  t.match(refusal('application/sdp', sdp([...AUDIO, 'm=video'])), { status: 488, headers: { Warning: /^399 .*m= line/ } }, 'an m-line that cannot be mirrored');
  t.equal(refusal('application/sdp', sdp(AUDIO, 'c=IN IP4 0.0.0.0')), undefined, 'an RFC 2543 hold address is served');
});

t.test('which body is SDP', async (t) => {
  t.equal(sdpOfBody('application/sdp', 'x'), 'x');
  t.equal(sdpOfBody('Application/SDP; charset=utf-8', 'x'), 'x', 'type parameters and case do not matter');
  t.equal(sdpOfBody(undefined, sdp(AUDIO)), sdp(AUDIO), 'no Content-Type on a body that is plainly SDP');
  t.equal(sdpOfBody(undefined, 'hello'), undefined);
  const multipart = ['--b1', 'Content-Type: application/isup;version=itu-t92+', '', 'ISUP', '--b1', 'Content-Type: application/sdp', '', sdp(AUDIO), '--b1--', ''].join('\r\n');
  t.equal(sdpOfBody('multipart/mixed;boundary=b1', multipart), sdp(AUDIO), 'the SDP part of a SIP-I multipart body');
  t.equal(sdpOfBody('multipart/mixed; boundary="b1"', multipart.replace('application/sdp', 'text/plain')), undefined, 'a multipart body without SDP');
});

t.test('FreeSWITCH sees the served audio stream only; the answer has every m-line of the offer, in order', async (t) => {
  const av = served('application/sdp', sdp([...AUDIO, ...VIDEO]));
  t.same(mLines(av.sdp), ['m=audio 4000 RTP/AVP 0 101'], 'FreeSWITCH is given the audio stream alone');
  t.same(mLines(answerFor(av, FS_ANSWER)), ['m=audio 20000 RTP/AVP 0 101', 'm=video 0 RTP/AVP 96']);

  const va = served('application/sdp', sdp([...VIDEO, ...AUDIO]));
  t.same(mLines(answerFor(va, FS_ANSWER)), ['m=video 0 RTP/AVP 96', 'm=audio 20000 RTP/AVP 0 101'], 'video first stays first (FreeSWITCH itself answered audio first)');

  const many = [...AUDIO];
  for (let i = 1; i < 200; i++) many.push(i % 3 === 0 ? `m=image ${4000 + 2 * i} udptl t38` : `m=audio ${4000 + 2 * i} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000');
  const offer200 = served('application/sdp', sdp(many));
  const answer = answerFor(offer200, FS_ANSWER);
  t.equal(mLines(answer).length, 200, '200 m-lines offered, 200 answered');
  t.equal(mLines(answer).filter((l) => !/^m=\S+ 0 /.test(l)).length, 1, 'only the served stream has a port');
  t.equal(mLines(answer)[3], 'm=image 0 udptl t38', 'a refused stream keeps its transport and formats');
  t.notMatch(answer, /PCMA/, 'nothing of a refused stream but its m-line');

  const second = served('application/sdp', sdp([AUDIO[0]!.replace('4000', '0'), ...AUDIO.slice(1), ...AUDIO]));
  t.equal(second.served, 1, 'the first audio stream with a port is served');
  t.same(mLines(answerFor(second, FS_ANSWER)), ['m=audio 0 RTP/AVP 0 101', 'm=audio 20000 RTP/AVP 0 101']);

  const mediaLevel = FS_ANSWER.replace('c=IN IP4 127.0.0.1\r\n', '').replace('m=audio 20000 RTP/AVP 0 101\r\n', 'm=audio 20000 RTP/AVP 0 101\r\nc=IN IP4 127.0.0.1\r\n');
  t.match(answerFor(av, mediaLevel), /m=video 0 RTP\/AVP 96\r\nc=IN IP4 127\.0\.0\.1\r\n/, 'a refused stream gets a connection line when the session has none');
});

t.test("FreeSWITCH's 488 becomes 488 with Warning 305; other failures are coachline's", async (t) => {
  t.same(mediaRefusal({ status: 488 }, AGENT), { status: 488, reason: 'Not Acceptable Here', headers: { Warning: '305 coachline.test "Incompatible media format"' } });
  t.equal(mediaRefusal({ status: 503 }, AGENT), undefined);
  t.equal(mediaRefusal(new Error('socket closed'), AGENT), undefined);
});
