import t from 'tap';
import type Srf from 'drachtio-srf';
import type { CallMediaPort, MediaLeg } from '../../src/app/ports';
import { DialFailedError, dial } from '../../src/sip/dial';

/**
 * Issue 15, defect 1 on the SIP side (seen in the session-races e2e): a supervisor dial
 * given up while its FreeSWITCH endpoint was still being made sent the INVITE anyway,
 * and the desk phone that answered was left in a call nobody would hang up.
 */

function fakes(): { srf: Srf; media: CallMediaPort; invites: string[]; released: string[]; endpointReady: () => void } {
  const invites: string[] = [];
  const released: string[] = [];
  let ready: () => void = () => undefined;
  const leg = (key: string): MediaLeg => ({
    key,
    localSdp: 'v=0',
    setRemoteSdp: async () => 'v=0',
    play: async () => undefined,
    stopPlaying: async () => undefined,
    onDtmf: () => undefined,
    onGone: () => undefined,
    release: async () => void released.push(key),
  });
  const media: CallMediaPort = {
    createLeg: (_callId, key) => new Promise((resolve) => (ready = () => resolve(leg(key)))),
    endCall: async () => undefined,
    health: () => ({ ok: true, detail: '' }),
  };
  const srf = {
    createUAC: async (uri: string) => {
      invites.push(uri);
      throw Object.assign(new Error('not reached'), { status: 500 });
    },
  } as unknown as Srf;
  return { srf, media, invites, released, endpointReady: () => ready() };
}

t.test('cancelled before the endpoint exists: no INVITE goes out, the endpoint is released', async (t) => {
  const f = fakes();
  let cancelNow = false;
  const attempt = dial(f.srf, f.media, {
    callId: 'c',
    key: 's1',
    uri: 'sip:sofia@desk',
    timeoutSec: 5,
    registerCancel: (cancel) => {
      if (cancelNow) cancel();
    },
  });
  cancelNow = true; // the session ended while createLeg was in flight
  f.endpointReady();
  const err = await attempt.catch((e: unknown) => e);
  t.ok(err instanceof DialFailedError && err.outcome === 'cancelled', 'the dial fails as cancelled');
  t.same(f.invites, [], 'no INVITE');
  t.same(f.released, ['s1'], 'the endpoint is released');
});

t.test('not cancelled: the INVITE goes out', async (t) => {
  const f = fakes();
  const attempt = dial(f.srf, f.media, { callId: 'c', key: 's2', uri: 'sip:sofia@desk', timeoutSec: 5 });
  f.endpointReady();
  await t.rejects(attempt, DialFailedError);
  t.same(f.invites, ['sip:sofia@desk']);
});
