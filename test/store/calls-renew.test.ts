import t from 'tap';
import { createStore, CallRecord } from '../../src/store';
import { RENEW_CALLS, REFRESH_CALL } from '../../src/store/calls-lua';
import { endCall } from '../../src/domain';
import { activeCall, SALES } from '../helpers/world';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

/**
 * Issue 11: the lease renewal of 1,000 calls, one script per call resending every
 * record, stalled the API every LOCK_TTL / 3. `CallStore.renew` moves only the leases,
 * many calls per script, and writes a record whole only where Redis lost something —
 * and still never renews or rewrites an ended call (issue 15).
 */
const rec = (call: CallRecord['call'], updatedAt = 't0'): CallRecord => ({ call, owner: 'i1', startedAt: 't0', updatedAt });

/** Counts the runs of a script while `fn` runs. */
async function counting<T>(script: typeof RENEW_CALLS, fn: () => Promise<T>): Promise<{ value: T; runs: number; keys: number[] }> {
  const run = script.run.bind(script);
  const keys: number[] = [];
  script.run = (redis, k, a) => (keys.push(k.length), run(redis, k, a));
  try {
    const value = await fn();
    return { value, runs: keys.length, keys };
  } finally {
    script.run = run;
  }
}

t.test('batched lease renewal', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const lease = 30_000;

  t.test('renews leases without writing the records, 100 calls per script', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: lease }));
    const k = store.keys;
    const now = Date.now();
    const calls = Array.from({ length: 250 }, (_, i) => rec(activeCall(`c${i.toString().padStart(3, '0')}`, SALES, `agent${i}`)));
    for (const r of calls) await store.calls.save(r, undefined, now);
    const versions = await redis.hgetall(k.callVersions());

    // Later, with records that differ from the saved ones: a renewal must not write them.
    const later = now + lease / 3;
    const changed = calls.map((r) => ({ ...r, updatedAt: 'not-saved' }));
    const renewal = await counting(RENEW_CALLS, () => counting(REFRESH_CALL, () => store.calls.renew(changed, later)));
    t.equal(renewal.value.value, 0, 'nothing needed repair');
    t.same(renewal.keys, [103, 103, 53], 'three scripts: 100 + 100 + 50 calls (and the three indexes)');
    t.equal(renewal.value.runs, 0, 'no record was sent');
    t.equal((await store.calls.get('c007'))?.updatedAt, 't0', 'the stored record is the saved one');
    t.same(await redis.hgetall(k.callVersions()), versions, 'versions unchanged: listings keep their parsed records');
    t.equal(Number(await redis.zscore(k.liveCalls(), 'c007')), later + lease, 'the lease moved');
    const pttl = await redis.pttl(k.call('c007'));
    t.ok(pttl > lease - 5_000 && pttl <= lease, `the record's TTL is a full lease again (${pttl} ms)`);
  });

  t.test('never renews an ended call', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: lease }));
    const k = store.keys;
    const live = rec(activeCall('c1'));
    await store.calls.save(live, undefined, Date.now());
    await store.calls.save({ ...rec(endCall(live.call)), endedAt: 't1' }, live, Date.now());
    const ttl = await redis.ttl(k.call('c1'));
    await store.calls.renew([live], Date.now());
    t.equal((await store.calls.get('c1'))?.call.ended, true, 'the record stays ended');
    t.equal(await redis.zscore(k.liveCalls(), 'c1'), null, 'no lease');
    t.equal(await redis.hexists(k.callVersions(), 'c1'), 0, 'no version');
    t.ok((await redis.ttl(k.call('c1'))) >= ttl - 1, 'its TTL is the ended one, not a lease');
    t.same(await store.calls.list({}, Date.now()), [], 'not listed');
  });

  t.test('what Redis lost is written back whole, only for those calls', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: lease }));
    const k = store.keys;
    const now = Date.now();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => rec(activeCall(id, SALES, `agent-${id}`)));
    for (const r of [a!, b!, c!]) await store.calls.save(r, undefined, now);
    await redis.del(k.call('a'));
    await redis.hdel(k.callVersions(), 'b');
    const renewal = await counting(REFRESH_CALL, () => store.calls.renew([a!, b!, c!], now + 1000));
    t.equal(renewal.value, 2, 'two calls repaired');
    t.equal(renewal.runs, 2, 'each written back by its own script');
    t.equal((await store.calls.get('a'))?.call.id, 'a', 'the lost record is back');
    t.equal(await redis.hexists(k.callVersions(), 'b'), 1, 'the lost version is back');
    t.same((await store.calls.list({}, now + 1000)).map((r) => r.call.id), ['a', 'b', 'c']);
  });

  t.test('a lease that ran out (a listing pruned the call) is put back in every index', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: lease }));
    const now = Date.now();
    const a = rec(activeCall('a', SALES, 'ana'));
    await store.calls.save(a, undefined, now);
    // The owner stalled past the lease: a listing on the number prunes the call from that index.
    const late = now + lease + 1;
    t.same((await store.calls.list({ number: SALES }, late)).map((r) => r.call.id), [], 'pruned');
    t.equal(await store.calls.renew([a], late), 1, 'renewed by the repair path');
    t.same((await store.calls.list({ number: SALES }, late)).map((r) => r.call.id), ['a'], 'back in the number index');
    t.same((await store.calls.list({ agent: 'ana' }, late)).map((r) => r.call.id), ['a']);
  });
});
