import { EventEmitter } from 'node:events';
import t from 'tap';
import type { FsEndpoint } from '../../src/media/fsmrf-types';
import { FsLeg } from '../../src/media/fs-leg';

/**
 * Releasing a leg must not wait for a BYE that cannot come: after a drachtio-server
 * restart FreeSWITCH's BYE for the endpoint reaches nobody, so fsmrf's destroy() never
 * resolves; the channel's event socket closing says it is gone.
 */

function endpoint(destroy: () => Promise<void>): { ep: FsEndpoint; conn: EventEmitter; destroyed: () => number } {
  const conn = Object.assign(new EventEmitter(), { socket: null });
  let n = 0;
  const ep = Object.assign(new EventEmitter(), {
    conn,
    destroy: () => {
      n += 1;
      return destroy();
    },
  }) as unknown as FsEndpoint;
  return { ep, conn, destroyed: () => n };
}

t.test('release ends once the channel socket closes, even if destroy() never resolves', async (t) => {
  const { ep, conn, destroyed } = endpoint(() => new Promise<void>(() => undefined));
  const leg = new FsLeg('c1', ep);
  const released = leg.release();
  conn.emit('esl::end');
  await released;
  t.equal(destroyed(), 1, 'the channel was hung up');
  t.equal(leg.isReleased, true);
  await leg.release();
  t.equal(destroyed(), 1, 'a second release does nothing');
});

t.test('release ends with destroy() in the ordinary case, and a failing destroy is no error', async (t) => {
  const ok = endpoint(async () => undefined);
  await new FsLeg('a1', ok.ep).release();
  t.equal(ok.destroyed(), 1);
  const failing = endpoint(async () => {
    throw new Error('ENODIALOG');
  });
  await t.resolves(new FsLeg('a2', failing.ep).release(), 'the channel is already gone');
});

t.test('a channel lost without a hang-up cause is reported as the media server lost', async (t) => {
  const { ep } = endpoint(async () => undefined);
  const leg = new FsLeg('c1', ep);
  const reasons: string[] = [];
  leg.onGone((r) => reasons.push(r));
  ep.emit('destroy');
  const other = new FsLeg('c2', endpoint(async () => undefined).ep);
  other.onGone((r) => reasons.push(r));
  other.endpoint.emit('destroy', { reason: 'NORMAL_CLEARING' });
  t.same(reasons, ['media_server_lost', 'NORMAL_CLEARING']);
});

t.test('a leg released while FreeSWITCH takes the far end’s SDP fails that at once (the answered phone is hung up, not left waiting)', async (t) => {
  const { ep } = endpoint(async () => undefined);
  Object.assign(ep, { modify: () => new Promise<void>(() => undefined), local: { sdp: 'v=0' } });
  const leg = new FsLeg('s1', ep);
  const taking = leg.setRemoteSdp('v=0');
  await leg.release();
  await t.rejects(taking, { name: 'MediaLegGoneError' });
  await t.rejects(leg.setRemoteSdp('v=0'), { name: 'MediaLegGoneError' }, 'and any later one');
});
