/**
 * Issue 15, defect 5: re-INVITEs on a participant's dialog (src/sip/in-dialog.ts) with
 * a dialog, requests and a FreeSWITCH leg as doubles and a LiveCall whose observer
 * takes a few milliseconds per change, as the real one does (Redis, the media plan).
 */
import { EventEmitter } from 'node:events';
import t from 'tap';
import pino from 'pino';
import type { MediaLeg } from '../../src/app/ports';
import type { Call } from '../../src/domain';
import type { SipContext } from '../../src/sip/context';
import { wireLeg } from '../../src/sip/in-dialog';
import { LiveCall, type SipLeg } from '../../src/sip/live-call';
import type { CallChange } from '../../src/sip/ports';
import { reinviteRefusal } from '../../src/sip/reinvite-guard';
import { active } from '../helpers/calls';

const sdp = (dir: string, port = 4000, extra: string[] = [], c = 'c=IN IP4 192.0.2.10'): string =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', c, 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', `a=${dir}`, ...extra].join('\r\n') + '\r\n';
const FS_SDP = ['v=0', 'o=FreeSWITCH 1 1 IN IP4 127.0.0.1', 's=FreeSWITCH', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 20000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv'].join('\r\n') + '\r\n';

interface Sent {
  status: number;
  reason: string | undefined;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A re-INVITE's response object: what was sent, and a promise of it. */
function response(): { res: unknown; sent: Promise<Sent> } {
  let done!: (s: Sent) => void;
  const sent = new Promise<Sent>((r) => (done = r));
  const res = {
    finalResponseSent: false,
    send(status: number, a?: unknown, b?: unknown) {
      const opts = (typeof a === 'object' ? a : b) as { headers?: Record<string, string>; body?: string } | undefined;
      this.finalResponseSent = true;
      done({ status, reason: typeof a === 'string' ? a : undefined, headers: opts?.headers ?? {}, body: opts?.body });
    },
  };
  return { res, sent };
}

function world(opts: { observerMs?: number; modifyMs?: number; modifyFails?: unknown; modifyHangs?: boolean } = {}) {
  const changes: CallChange[] = [];
  const observer = {
    async callChanged(_c: Call, change: CallChange) {
      changes.push(change);
      await new Promise((r) => setTimeout(r, opts.observerMs ?? 0));
    },
  };
  const log = pino({ level: 'silent' });
  const live = new LiveCall(active(), observer, log);
  const dialog = Object.assign(new EventEmitter(), { remote: { sdp: sdp('sendrecv') }, local: { sdp: FS_SDP }, destroy: () => undefined });
  const modified: string[] = [];
  const media = {
    key: 'A',
    localSdp: FS_SDP,
    async setRemoteSdp(s: string) {
      modified.push(s);
      if (opts.modifyHangs) await new Promise(() => undefined);
      await new Promise((r) => setTimeout(r, opts.modifyMs ?? 0));
      if (opts.modifyFails) throw opts.modifyFails;
      return FS_SDP;
    },
    onGone: () => undefined,
  } as unknown as MediaLeg;
  const ctx = { settings: { domain: 'coachline.test' }, log } as unknown as SipContext;
  wireLeg(ctx, live, { participantId: 'A', dialog, media } as unknown as SipLeg);
  const reinvite = (body: string, contentType = 'application/sdp'): Promise<Sent> => {
    const { res, sent } = response();
    const req = { body, get: (h: string) => (h.toLowerCase() === 'content-type' ? contentType : undefined) };
    dialog.emit('modify', req, res);
    return sent;
  };
  /** Resolves when every change queued so far has been reported. */
  const settled = (): Promise<unknown> => live.update({ type: 'probe' }, (c) => c);
  const recorded = (type: string): number => changes.filter((c) => c.type === type).length;
  return { live, changes, modified, reinvite, settled, recorded };
}

t.test('100 sequential hold/resume re-INVITEs: every hold and resume is on the timeline once', async (t) => {
  const w = world({ observerMs: 3 });
  // As a phone does: each re-INVITE is sent when the previous one has its answer
  // (a network hop later: a new turn of the event loop), while the call's queue is
  // still busy reporting the changes before it.
  for (let i = 0; i <= 100; i++) {
    const r = await w.reinvite(sdp(i % 2 === 0 ? 'sendonly' : 'sendrecv'));
    if (r.status !== 200) t.fail(`re-INVITE ${i} got ${r.status}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await w.settled();
  t.equal(w.recorded('hold'), 51, '51 holds');
  t.equal(w.recorded('resume'), 50, '50 resumes');
  t.equal(w.live.call.participants.find((p) => p.id === 'A')?.held, true, 'and the agent ends held');
  const again = await w.reinvite(sdp('sendonly'));
  await w.settled();
  t.equal(again.status, 200);
  t.equal(w.recorded('hold'), 51, 'a hold while held is answered but not recorded again');
});

t.test('a re-INVITE while another is pending on the dialog gets 500 with Retry-After', async (t) => {
  const w = world({ modifyMs: 40 });
  const first = w.reinvite(sdp('sendrecv', 4010)); // a new port: FreeSWITCH must be told, which takes a while
  const second = await w.reinvite(sdp('sendrecv', 4020));
  t.equal(second.status, 500, 'the overlapping one: 500');
  t.ok(Number(second.headers['Retry-After']) >= 0 && Number(second.headers['Retry-After']) <= 10, `Retry-After ${second.headers['Retry-After']} is 0-10 s`);
  t.equal((await first).status, 200, 'the first is answered');
  t.equal(w.modified.length, 1, 'only the first reached FreeSWITCH');
  const third = await w.reinvite(sdp('sendrecv', 4020));
  t.equal(third.status, 200, 'once it is answered, the next one is served');
});

t.test('a re-offer coachline cannot serve is refused and changes nothing', async (t) => {
  const w = world();
  const v6 = await w.reinvite(sdp('sendonly', 4000, [], 'c=IN IP6 2001:db8::1'));
  t.match(v6, { status: 488, headers: { Warning: /^301 coachline\.test / } }, 'IPv6: 488 with Warning 301');
  const text = await w.reinvite('hello', 'text/plain');
  t.match(text, { status: 415, headers: { Accept: 'application/sdp' } }, 'not SDP: 415 with Accept');
  const video = await w.reinvite(sdp('sendonly').replace(/m=audio[^]*$/, 'm=video 4002 RTP/AVP 96\r\n'));
  t.match(video, { status: 488, headers: { Warning: /^304 / } }, 'video only: 488 with Warning 304');
  await w.settled();
  t.same(w.changes.filter((c) => c.type !== 'probe'), [], 'nothing recorded');
  t.equal(w.live.call.participants.find((p) => p.id === 'A')?.held, false);
  const refresh = await w.reinvite('');
  t.equal(refresh.body, FS_SDP, 'an offerless re-INVITE is offered the session as it stood');
});

t.test("the answer to a re-offer has the offer's m-lines; FreeSWITCH's 488 becomes 488 with Warning 305", async (t) => {
  const w = world();
  const r = await w.reinvite(sdp('sendonly', 4000, ['m=video 4002 RTP/AVP 96', 'a=rtpmap:96 H264/90000']));
  t.equal(r.status, 200);
  t.same(r.body!.split('\r\n').filter((l) => l.startsWith('m=') || /^a=(send|recv|inact)/.test(l)), ['m=audio 20000 RTP/AVP 0', 'a=recvonly', 'm=video 0 RTP/AVP 96'], 'audio answered recvonly, video refused');
  const bad = world({ modifyFails: Object.assign(new Error('Sip non-success response: 488'), { status: 488 }) });
  const refused = await bad.reinvite(sdp('sendrecv', 4040));
  t.match(refused, { status: 488, headers: { Warning: /^305 / } });
  const failing = world({ modifyFails: new Error('event socket closed') });
  t.equal((await failing.reinvite(sdp('sendrecv', 4040))).status, 500, 'any other failure: 500, still a final response');
});

t.test('a FreeSWITCH that never answers the re-offer: 500 after 8 s, not an open transaction', async (t) => {
  const w = world({ modifyHangs: true });
  const started = Date.now();
  const r = await w.reinvite(sdp('sendrecv', 4050));
  t.equal(r.status, 500);
  t.ok(Date.now() - started >= 7900, `after ${Date.now() - started} ms`);
});

t.test('the rule: 500 with Retry-After 0-10 s, 491 on glare', async (t) => {
  t.equal(reinviteRefusal('none'), undefined);
  t.same(reinviteRefusal('received', () => 0), { status: 500, reason: 'Server Internal Error', headers: { 'Retry-After': '0' } });
  t.equal(reinviteRefusal('received', () => 0.9999)?.headers['Retry-After'], '10');
  t.same(reinviteRefusal('sent'), { status: 491, reason: 'Request Pending', headers: {} });
});
