import t from 'tap';
import { createStore, CallRecord } from '../../src/store';
import { PARSED_IDLE_MS } from '../../src/store/calls';
import { endCall } from '../../src/domain';
import { activeCall, SALES } from '../helpers/world';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

/**
 * Issue 14: every instance keeps the call records its listings parsed, by version.
 * Ended calls are never listed again, and their records stayed until 20,000 had piled
 * up (~1.5 KB each): the heap grew with every finished call for hours. A record no
 * listing met for PARSED_IDLE_MS goes; the live ones stay and are not read again.
 */
const rec = (call: CallRecord['call']): CallRecord => ({ call, owner: 'i1', startedAt: 't0', updatedAt: 't0' });

t.test('the parsed-record cache forgets finished calls', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  // Leases longer than the idle time: the live call stays live at the moments the test stands at.
  const store = createStore(server.client(), testConfig({ lockTtlMs: 10 * PARSED_IDLE_MS }));
  const internals = store.calls as unknown as { cached: { size: number }; redis: { mget: (...a: unknown[]) => Promise<unknown> } };
  let mgets = 0;
  const mget = internals.redis.mget.bind(internals.redis);
  internals.redis.mget = (...a: unknown[]) => ((mgets += 1), mget(...a));

  const t0 = Date.now();
  const calls = ['c1', 'c2', 'c3'].map((id, i) => rec(activeCall(id, SALES, `agent${i}`)));
  for (const r of calls) await store.calls.save(r, undefined, t0);
  const ids = async (now: number): Promise<string[]> => (await store.calls.page({}, now, { limit: 10 })).records.map((r) => r.call.id);
  t.same(await ids(t0), ['c1', 'c2', 'c3']);
  t.equal(internals.cached.size, 3, 'the three records are kept');

  for (const r of calls.slice(0, 2)) await store.calls.save({ ...rec(endCall(r.call)), endedAt: 't1' }, r, t0);
  t.same(await ids(t0 + 1000), ['c3'], 'two calls ended');
  mgets = 0;
  t.same(await ids(t0 + PARSED_IDLE_MS + 1), ['c3']);
  t.equal(internals.cached.size, 1, 'the ended calls’ records are gone');
  t.equal(mgets, 0, 'the live call, listed meanwhile, was not read again');

  await store.calls.save({ ...rec(endCall(calls[2]!.call)), endedAt: 't1' }, calls[2], t0);
  t.same(await ids(t0 + 2 * PARSED_IDLE_MS + 2), [], 'the last call ended too');
  t.equal(internals.cached.size, 0, 'an empty page still lets the ended calls go');
});
