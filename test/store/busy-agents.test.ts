import t from 'tap';
import { createStore, CallRecord } from '../../src/store';
import { addRinging, endCall, participantLeft } from '../../src/domain';
import { activeCall } from '../helpers/world';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

/**
 * An agent takes one call at a time, whichever instance rings them: with several
 * instances on one drachtio-server consecutive calls land on different instances, and
 * each used to know only its own calls (so it rang an agent talking on another's).
 * `CallStore.busyAgents` reads the shared call index; a call whose lease ran out (its
 * instance died and nobody finished it) does not hold its agents.
 */
const rec = (call: CallRecord['call'], owner = 'i1'): CallRecord => ({ call, owner, startedAt: 't0', updatedAt: 't0' });

t.test('who is on a live call, on any instance', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const store = createStore(redis.client(), testConfig());
  const now = Date.now();

  // ana talks on call-1 (instance i1); bob is rung by call-2 (instance i2).
  await store.calls.save(rec(activeCall('call-1', undefined, 'ana')), undefined, now);
  let ringing = activeCall('call-2', undefined, 'cara');
  ringing = addRinging(ringing, { id: 'A2', kind: 'internal', userId: 'bob', address: 'sip:bob@pbx', origin: 'transfer' });
  await store.calls.save(rec(ringing, 'i2'), undefined, now);
  // dan left his call, which goes on; eve's call ended.
  const left = activeCall('call-3', undefined, 'dan');
  await store.calls.save(rec(left), undefined, now);
  await store.calls.save(rec(participantLeft(left, 'A')), rec(left), now);
  const ended = activeCall('call-4', undefined, 'eve');
  await store.calls.save(rec(ended), undefined, now);
  await store.calls.save(rec(endCall(ended)), rec(ended), now);
  // fay's call was saved by an instance that died a lease ago.
  await store.calls.save(rec(activeCall('call-5', undefined, 'fay'), 'gone'), undefined, now - 2 * store.leaseMs);

  const asked = ['ana', 'bob', 'cara', 'dan', 'eve', 'fay', 'nobody'];
  t.same([...(await store.calls.busyAgents(asked, now))].sort(), ['ana', 'bob', 'cara'], 'talking or ringing, on either instance');
  t.same([...(await store.calls.busyAgents([], now))], [], 'nobody asked about');
  t.same([...(await store.sipDirectory.busyAgents(['ana', 'dan']))], ['ana'], 'the SIP adapter asks through its directory port');
});
