/** Adapter logic that needs no server: SDP, headers, ACLs, URIs, digest, DTMF, dial outcomes. */
import t from 'tap';
import { Acl, InvalidAclEntryError } from '../../src/sip/acl';
import { AUTO_ANSWER_HEADER_NAMES, autoAnswerHeaders } from '../../src/sip/auto-answer';
import { outcomeOf } from '../../src/sip/dial';
import { dtmfFromInfo } from '../../src/sip/dtmf';
import { inviteRefusal } from '../../src/sip/invite-checks';
import { answerDirection, audioDirection, isHoldOffer, mediaFingerprint, withAudioDirection } from '../../src/sip/sdp';
import { trunkTarget } from '../../src/sip/reach';
import { addrSpec, normaliseNumber, parseReferTo, userPart } from '../../src/sip/uri';

const sdp = (extra: string, c = '192.0.2.10'): string =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', `c=IN IP4 ${c}`, 't=0 0', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', extra]
    .filter(Boolean)
    .join('\r\n') + '\r\n';

t.test('hold detection from the agent phone\'s re-INVITE', async (t) => {
  t.equal(audioDirection(sdp('')), 'sendrecv', 'no attribute means sendrecv');
  t.notOk(isHoldOffer(sdp('a=sendrecv')));
  t.ok(isHoldOffer(sdp('a=sendonly')), 'sendonly');
  t.ok(isHoldOffer(sdp('a=inactive')), 'inactive');
  t.ok(isHoldOffer(sdp('', '0.0.0.0')), 'RFC 2543 c=0.0.0.0');
  t.notOk(isHoldOffer(sdp('a=recvonly')), 'recvonly is not hold');
  const sessionLevel = sdp('').replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
  t.ok(isHoldOffer(sessionLevel), 'session-level sendonly');
  const overridden = sessionLevel.replace(/$/, 'a=sendrecv\r\n');
  t.notOk(isHoldOffer(overridden), 'media-level attribute wins over session level');
});

t.test('answers mirror the offered direction (RFC 3264 §6.1)', async (t) => {
  t.equal(answerDirection('sendonly'), 'recvonly');
  t.equal(answerDirection('recvonly'), 'sendonly');
  t.equal(answerDirection('inactive'), 'inactive');
  t.equal(answerDirection('sendrecv'), 'sendrecv');
  const answer = withAudioDirection(sdp('a=sendrecv'), 'recvonly');
  t.equal(audioDirection(answer), 'recvonly');
  t.equal(answer.match(/a=(sendrecv|recvonly|sendonly|inactive)/g)!.length, 1, 'exactly one direction line');
  t.match(withAudioDirection(sdp(''), 'inactive'), /m=audio[^]*a=inactive/, 'added when absent');
});

t.test('a pure hold does not change the media fingerprint; a new port does', async (t) => {
  t.equal(mediaFingerprint(sdp('a=sendonly')), mediaFingerprint(sdp('a=sendrecv')));
  t.equal(mediaFingerprint(sdp('', '0.0.0.0')).includes('0.0.0.0'), false);
  t.not(mediaFingerprint(sdp('').replace('m=audio 4000', 'm=audio 4002')), mediaFingerprint(sdp('')));
});

t.test('auto-answer headers per dialect', async (t) => {
  const host = 'pbx.example.com';
  t.same(autoAnswerHeaders('polycom', host), { 'Alert-Info': '<http://pbx.example.com>;info=alert-autoanswer;delay=0' });
  t.same(autoAnswerHeaders('snom', host), { 'Call-Info': '<sip:pbx.example.com>;answer-after=0' });
  t.same(autoAnswerHeaders('grandstream', host), { 'Call-Info': '<sip:pbx.example.com>;answer-after=0' });
  t.same(autoAnswerHeaders('cisco', host), { 'Call-Info': '<sip:pbx.example.com>;answer-after=0' });
  t.same(autoAnswerHeaders('rfc5373', host), { 'Answer-Mode': 'Auto' });
  t.same(Object.keys(autoAnswerHeaders('yealink', host)).sort(), ['Alert-Info', 'Call-Info']);
  t.same(Object.keys(autoAnswerHeaders('default', host)).sort(), [...AUTO_ANSWER_HEADER_NAMES].sort(), 'the default sends the common set');
});

t.test('source ACLs', async (t) => {
  const acl = new Acl(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);
  t.ok(acl.allows('203.0.113.99'));
  t.ok(acl.allows('198.51.100.7'));
  t.notOk(acl.allows('198.51.100.8'));
  t.ok(acl.allows('2001:db8:1::5'));
  t.notOk(acl.allows('2001:db9::1'));
  t.ok(acl.allows('::ffff:203.0.113.4'), 'IPv4-mapped IPv6 matches as IPv4');
  t.notOk(acl.allows('not-an-ip'));
  t.notOk(new Acl([]).allows('127.0.0.1'), 'an empty ACL allows nobody');
  t.ok(new Acl(['0.0.0.0/0']).allows('8.8.8.8'), 'an explicit any');
  t.throws(() => new Acl(['10.0.0.0/33']), InvalidAclEntryError);
  t.throws(() => new Acl(['example.com']), InvalidAclEntryError);
  t.throws(() => new Acl(['10.0.0.0/8/8']), InvalidAclEntryError);
  t.throws(() => new Acl(['10.0.0.0/x']), InvalidAclEntryError);
  const edges = new Acl(['10.0.0.0/8', 'fd00::1', '2001:db8::1.2.3.0/120']);
  t.ok(edges.allows('10.255.255.255'));
  t.notOk(edges.allows('11.0.0.0'));
  t.ok(edges.allows('fd00:0:0:0:0:0:0:1'), 'an IPv6 address in any spelling');
  t.notOk(edges.allows('fd00::2'));
  t.ok(edges.allows('2001:db8::102:3ff'), 'an embedded IPv4 block');
});

t.test('URIs and numbers', async (t) => {
  t.equal(userPart('sip:+34910000001@trunk.example;user=phone'), '+34910000001');
  t.equal(userPart('"Ana" <sip:ana@pbx>;tag=1'), 'ana');
  t.equal(userPart('tel:+1555'), '+1555');
  t.equal(userPart(undefined), undefined);
  t.equal(addrSpec('"Ana" <sip:ana@pbx>;tag=abc'), 'sip:ana@pbx');
  t.same(parseReferTo('<sip:bob@pbx>'), { uri: 'sip:bob@pbx', replaces: undefined });
  t.same(parseReferTo('<sip:bob@pbx?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>'), { uri: 'sip:bob@pbx', replaces: 'abc@h;to-tag=1;from-tag=2' });
  t.equal(normaliseNumber('0034 910 000 001'), '+34910000001');
  t.equal(normaliseNumber('(555) 123-4567'), '5551234567');
  t.same(trunkTarget('+34600000001', { trunkUri: 'sip:carrier.example:5060' }), { kind: 'trunk', uri: 'sip:+34600000001@carrier.example:5060' });
  t.match(trunkTarget('+346', { trunkUri: undefined }), { kind: 'unreachable' });
  t.match(trunkTarget('<script>', { trunkUri: 'sip:c' }), { kind: 'unreachable' }, 'nothing dialable');
});

t.test('dial outcomes', async (t) => {
  t.equal(outcomeOf(486, undefined), 'busy');
  t.equal(outcomeOf(600, undefined), 'busy');
  t.equal(outcomeOf(603, undefined), 'declined');
  t.equal(outcomeOf(480, undefined), 'no_answer');
  t.equal(outcomeOf(408, undefined), 'no_answer');
  t.equal(outcomeOf(404, undefined), 'unreachable');
  t.equal(outcomeOf(503, undefined), 'unreachable');
  t.equal(outcomeOf(487, 'timeout'), 'no_answer', 'our CANCEL after the ring timeout');
  t.equal(outcomeOf(487, 'caller'), 'cancelled');
});

t.test('DTMF in SIP INFO', async (t) => {
  t.equal(dtmfFromInfo('application/dtmf-relay', 'Signal=1\r\nDuration=160\r\n'), '1');
  t.equal(dtmfFromInfo('application/dtmf-relay', 'Signal= #\r\n'), '#');
  t.equal(dtmfFromInfo('application/dtmf', '3'), '3');
  t.equal(dtmfFromInfo('text/plain', 'Signal=1'), undefined);
  t.equal(dtmfFromInfo('application/dtmf-relay', 'Signal=Z'), undefined);
  t.equal(dtmfFromInfo('application/dtmf-relay', undefined), undefined);
});

t.test('an INVITE is refused before anything starts: no Contact (400), Max-Forwards 0 (483)', async (t) => {
  const headers = (h: Record<string, string>) => (name: string): string | undefined => h[name];
  t.equal(inviteRefusal(headers({ Contact: '<sip:+34600000001@192.0.2.1:5060>', 'Max-Forwards': '70' })), undefined, 'a well-formed INVITE passes');
  t.equal(inviteRefusal(headers({ Contact: 'sip:ana@192.0.2.3' })), undefined, 'a Contact without brackets and no Max-Forwards pass');
  t.same(inviteRefusal(headers({ 'Max-Forwards': '70' })), { status: 400, reason: 'Missing Contact header' });
  t.same(inviteRefusal(headers({ Contact: 'garbage', 'Max-Forwards': '70' })), { status: 400, reason: 'Missing Contact header' }, 'a Contact that names no SIP URI');
  t.same(inviteRefusal(headers({ Contact: '<sip:a@b>', 'Max-Forwards': '0' })), { status: 483, reason: 'Too Many Hops' });
  t.equal(inviteRefusal(headers({ Contact: '<sip:a@b>', 'Max-Forwards': '1' })), undefined, 'one hop left is enough to start one leg');
});
