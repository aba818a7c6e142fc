import t from 'tap';
import type { Redis } from 'ioredis';
import { createRedis, createStore, type BusEvent, type RedisClient } from '../../src/store';
import { activeCall } from '../helpers/world';
import { startRedisSentinel } from '../helpers/redis';
import { eventually, testConfig } from '../helpers/config';

/**
 * Issue 13 item 5: Redis through Sentinel. One redis-server master and one
 * `redis-server --sentinel` watching it on loopback; the app's client (createRedis with
 * REDIS_SENTINELS / REDIS_SENTINEL_NAME) asks the sentinel for the master, and the
 * store and its pub/sub run through it. REDIS_URL points nowhere: only the sentinel
 * can have told the client where the master is.
 */
const ready = (c: RedisClient): Promise<void> => (c.status === 'ready' ? Promise.resolve() : new Promise((resolve) => c.once('ready', () => resolve())));

t.test('Redis through Sentinel', async (t) => {
  const s = await startRedisSentinel('coachline-master');
  t.teardown(s.stop);

  t.test('the store and its event stream work through the sentinel', async (t) => {
    const config = testConfig();
    config.redis = { ...config.redis, url: 'redis://127.0.0.1:1', sentinels: s.sentinels, sentinelName: s.name };
    const redis = createRedis(config);
    t.teardown(() => redis.disconnect());
    redis.on('error', () => undefined);
    await ready(redis);
    t.equal(redis.isCluster, false);
    const port = /tcp_port:(\d+)/.exec(await (redis as Redis).info('server'))?.[1];
    t.equal(Number(port), s.master.port, 'connected to the master the sentinel named');

    const store = createStore(redis, config);
    const now = Date.now();
    await store.calls.save({ call: activeCall('sc1'), owner: 'i1', startedAt: 't0', updatedAt: 't0' }, undefined, now);
    t.same((await store.calls.list({}, now)).map((r) => r.call.id), ['sc1'], 'a call saved and listed');
    await redis.hset(store.keys.presence('sup-1'), 'status', 'available');
    const session = { id: 's1', callId: 'sc1', supervisorId: 'sup-1', target: 'A', mode: 'coach' as const };
    t.equal(await store.locks.claim(session), 'ok', 'the claim script runs');
    t.equal(await store.locks.release(session), 'available');

    const got: BusEvent[] = [];
    const sub = store.events.subscribe((e) => got.push(e));
    t.teardown(sub.close);
    await sub.ready;
    await store.timeline.append('sc1', { at: new Date().toISOString(), kind: 'call', type: 'call_answered', actor: 'A' }, {});
    await eventually(() => got.length === 1, 3000, 'the event through the subscriber connection');
    t.equal(got[0]?.entry.type, 'call_answered');
    t.equal((await store.timeline.list('sc1')).length, 1);
  });

  t.test('a master name the sentinels do not know: a typed 503-able error, not a hang', async (t) => {
    const config = testConfig();
    config.redis = { ...config.redis, url: 'redis://127.0.0.1:1', sentinels: s.sentinels, sentinelName: 'no-such-master' };
    const redis = createRedis(config);
    t.teardown(() => redis.disconnect());
    redis.on('error', () => undefined);
    const store = createStore(redis, config);
    const t0 = Date.now();
    await t.rejects(store.ping(), { code: 'store_unavailable' });
    t.ok(Date.now() - t0 < 3000, 'at once');
  });
});
