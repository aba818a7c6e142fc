import t from 'tap';
import { createStore, CallRecord } from '../../src/store';
import { setHeld } from '../../src/domain';
import { activeCall, SALES } from '../helpers/world';
import { startRedis } from '../helpers/redis';
import { sleep, testConfig } from '../helpers/config';

/**
 * A page of live calls reads only what changed since this instance last read it (a
 * version written with every record), yet never shows a stale record: a change made
 * on another instance, a record Redis lost and got back, a call whose instance died.
 */
const rec = (call: CallRecord['call']): CallRecord => ({ call, owner: 'i1', startedAt: 't0', updatedAt: 't0' });

t.test('call pages and their record cache', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const config = testConfig({ lockTtlMs: 300 });
  const one = createStore(server.client(), config);
  const two = createStore(server.client(), config);
  const redis = server.client();
  const held = async (store = one): Promise<boolean | undefined> =>
    (await store.calls.page({}, Date.now(), { limit: 10 })).records.find((r) => r.call.id === 'c1')?.call.participants.find((p) => p.id === 'A')?.held;

  const c1 = activeCall('c1', SALES, 'ana');
  await one.calls.save(rec(c1), undefined, Date.now());
  t.equal(await held(), false);
  let mgets = 0;
  const counting = one.calls as unknown as { redis: { mget: (...a: unknown[]) => Promise<unknown> } };
  const mget = counting.redis.mget.bind(counting.redis);
  counting.redis.mget = (...a: unknown[]) => ((mgets += 1), mget(...a));
  t.equal(await held(), false);
  t.equal(mgets, 0, 'an unchanged call is not read again');

  await two.calls.save(rec(setHeld(c1, 'A', true)), rec(c1), Date.now());
  t.equal(await held(), true, 'a change made on another instance is seen');
  t.equal(mgets, 1, 'by reading that one record');

  // Redis lost the versions; the owner's renewal writes the record back.
  await redis.del(one.keys.callVersions());
  await two.calls.refresh([rec(c1)], Date.now());
  t.equal(await held(), false, 'a record written back after a loss is read again');

  // The owner dies: nobody renews, the lease runs out.
  await sleep(400);
  const page = await one.calls.page({}, Date.now(), { limit: 10 });
  t.same(page.records, [], 'a call whose lease ran out is not listed');
  t.equal(await redis.zcard(one.keys.liveCallIds()), 0, 'and leaves the id index');
  t.equal(await redis.hlen(one.keys.callVersions()), 0);
});
