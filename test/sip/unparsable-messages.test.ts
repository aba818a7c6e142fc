/**
 * Issue 15, defect 2: a request drachtio-srf cannot parse is answered 400 and logged as
 * one JSON line, through coachline's SipApp on a real drachtio-srf (drachtio-server is
 * a wire-protocol double); before, drachtio-srf dropped it with a stack trace on stderr
 * and drachtio-server kept its transaction open for 64 s.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import pino from 'pino';
import { sipAppOnFake } from '../helpers/fake-drachtio';
import { unparsable } from '../../src/sip/unparsable-messages';

function jsonLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** What is written to stderr while `fn` runs (drachtio-srf's console.error goes there). */
async function stderrOf(fn: () => Promise<void>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

/** An INVITE cut right after its Contact line: no blank line ends the headers. */
const CUT_INVITE = [
  'INVITE sip:+34910000001@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.66:5060;branch=z9hG4bK-cut;rport=5060',
  'Max-Forwards: 70',
  'From: <sip:x@192.0.2.66>;tag=cut',
  'To: <sip:+34910000001@127.0.0.1>',
  'Call-ID: cut-1@192.0.2.66',
  'CSeq: 1 INVITE',
  'Contact: <sip:x@192.0.2.66:5060>',
  '',
].join('\r\n');

t.test('a request drachtio-srf cannot parse gets 400, one JSON log line and nothing on stderr', async (t) => {
  const { log, lines } = jsonLog();
  const { fake, close } = await sipAppOnFake(log);
  t.teardown(close);
  const stderr = await stderrOf(async () => {
    const invite = await fake.finalResponse(fake.deliver({ method: 'INVITE', raw: CUT_INVITE }));
    t.match(invite, { status: 400, reason: 'Bad Request' }, 'the cut INVITE is answered 400 on its transaction');
    const options = await fake.finalResponse(fake.deliver({ method: 'OPTIONS', raw: CUT_INVITE.replace(/INVITE/g, 'OPTIONS') }));
    t.match(options, { status: 400 }, 'so is any other method');
    const ack = fake.deliver({ method: 'ACK', raw: CUT_INVITE.replace(/INVITE/g, 'ACK') });
    t.equal(await fake.finalResponse(ack, 200), undefined, 'an ACK never gets a response');
  });
  t.notMatch(stderr, /failed to parse/, 'drachtio-srf printed nothing on stderr');
  const logged = lines.filter((l) => l.event === 'sip_unparsable_message');
  t.equal(logged.length, 3, 'one log line per message');
  t.match(logged[0], { level: 40, method: 'INVITE', source: '192.0.2.10', callId: 'cut-1@192.0.2.66', answered: 400 });
  t.match(logged[2], { method: 'ACK', answered: undefined });

  const ok = fake.deliver({ method: 'OPTIONS' });
  t.equal((await fake.finalResponse(ok))?.status, 200, 'a well-formed request still reaches its route');
});

t.test('which frames are caught', async (t) => {
  const frame = (raw: string, source = 'network'): string =>
    `id|sip|${source}|${raw.length}|udp|192.0.2.1|5060|00:00:00.000000|txn-1||127.0.0.1|5060\r\n${raw}`;
  t.match(unparsable(frame(CUT_INVITE)), { kind: 'request', method: 'INVITE', transactionId: 'txn-1', source: '192.0.2.1', sourcePort: 5060, protocol: 'udp' });
  t.equal(unparsable(frame(`${CUT_INVITE}Content-Length: 0\r\n\r\n`)), undefined, 'the same INVITE, complete, passes');
  t.match(unparsable(frame('SIP/2.0 200 OK\r\nVia: x\r\nbroken header line\r\n\r\n')), { kind: 'response', method: undefined });
  t.equal(unparsable(frame(CUT_INVITE, 'application')), undefined, 'only messages from the network');
  t.equal(unparsable('id|response|abc|OK|udp/127.0.0.1:5060'), undefined, 'not a sip frame');
});
