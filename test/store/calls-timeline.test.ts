import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { createStore, createRedis, CallRecord, BusEvent, StoreConfigError } from '../../src/store';
import { participantLeft, endCall, addRinging, participantAnswered } from '../../src/domain';
import { activeCall, SALES, LEGAL } from '../helpers/world';
import { keysOf, startRedis } from '../helpers/redis';
import { eventually, sleep, testConfig } from '../helpers/config';

const rec = (call: CallRecord['call']): CallRecord => ({ call, owner: 'i1', startedAt: 't0', updatedAt: 't0' });

t.test('calls, timelines, events', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();

  t.test('listing by number and agent follows the call', async (t) => {
    const store = createStore(redis, testConfig());
    const now = Date.now();
    const c1 = activeCall('c1', SALES, 'ana');
    const c2 = activeCall('c2', LEGAL, 'bob');
    await store.calls.save(rec(c1), undefined, now);
    await store.calls.save(rec(c2), undefined, now);
    const ids = async (f: { number?: string; agent?: string }): Promise<string[]> => (await store.calls.list(f, Date.now())).map((r) => r.call.id);
    t.same(await ids({}), ['c1', 'c2']);
    t.same(await ids({ number: SALES }), ['c1']);
    t.same(await ids({ agent: 'bob' }), ['c2']);
    t.same(await ids({ number: SALES, agent: 'bob' }), [], 'filters combine');
    t.same(await ids({ number: '+999' }), []);

    // bob joins c1, then ana leaves it: the agent index follows.
    let c1b = participantAnswered(addRinging(c1, { id: 'B', kind: 'internal', userId: 'bob', address: 'sip:bob', origin: 'added' }), 'B');
    await store.calls.save(rec(c1b), rec(c1), Date.now());
    t.same(await ids({ agent: 'bob' }), ['c1', 'c2']);
    const c1c = participantLeft(c1b, 'A');
    await store.calls.save(rec(c1c), rec(c1b), Date.now());
    t.same(await ids({ agent: 'ana' }), [], 'ana left c1');
    c1b = c1c;

    // The end: out of every listing, the record kept with the timeline TTL.
    const ended = endCall(c1b);
    await store.calls.save({ ...rec(ended), endedAt: 't1' }, rec(c1b), Date.now());
    t.same(await ids({}), ['c2']);
    t.same(await ids({ agent: 'bob' }), ['c2']);
    t.same(await ids({ number: SALES }), []);
    t.equal((await store.calls.get('c1'))?.call.ended, true, 'ended call still readable');
    const ttl = await redis.ttl(store.keys.call('c1'));
    t.ok(ttl > 86_000 && ttl <= 86_400, `ended call kept ~24 h (ttl ${ttl})`);
  });

  t.test('a call whose owner stops renewing drops out; renewing keeps it', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: 300 }));
    const kept = rec(activeCall('kept'));
    await store.calls.save(kept, undefined, Date.now());
    await store.calls.save(rec(activeCall('orphan')), undefined, Date.now());
    for (let i = 0; i < 4; i++) {
      await sleep(120);
      await store.calls.refresh([kept], Date.now());
    }
    t.same((await store.calls.list({}, Date.now())).map((r) => r.call.id), ['kept']);
    t.equal(await store.calls.get('orphan'), undefined);
    t.same((await store.calls.list({ number: SALES }, Date.now())).map((r) => r.call.id), ['kept']);
  });

  t.test('timeline: ordered, seq from 1, kept TIMELINE_TTL after the last event', async (t) => {
    const store = createStore(redis, testConfig({ timelineTtlSec: 1 }));
    for (const type of ['call_answered', 'held', 'resumed']) {
      await store.timeline.append('c1', { at: new Date().toISOString(), kind: 'call', type, actor: 'A' }, { number: SALES });
    }
    const tl = await store.timeline.list('c1');
    t.same(tl.map((e) => [e.seq, e.type, e.callId]), [[1, 'call_answered', 'c1'], [2, 'held', 'c1'], [3, 'resumed', 'c1']]);
    t.same(await store.timeline.list('other'), []);
    await sleep(1200);
    t.same(await store.timeline.list('c1'), [], 'expired');
  });

  t.test('events: published in timeline order with global ids, across clients', async (t) => {
    const config = testConfig();
    const a = createStore(redis, config);
    const redis2 = server.client();
    const b = createStore(redis2, config);
    const got: BusEvent[] = [];
    const sub = a.events.subscribe((e) => got.push(e));
    await sub.ready;
    t.teardown(() => sub.close());
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const store = i % 2 ? a : b;
      writes.push(store.timeline.append('c9', { at: 'x', kind: 'call', type: `e${i}` }, { number: SALES }));
    }
    writes.push(b.events.publish({ at: 'x', kind: 'user', type: 'user_status_changed' }, { userId: 'ana' }));
    await Promise.all(writes);
    await eventually(() => got.length === 51, 3000, '51 events');
    const ids = got.map((e) => e.id);
    t.same(ids, [...ids].sort((x, y) => x - y), 'ids increase');
    const timeline = await a.timeline.list('c9');
    t.same(got.filter((e) => e.seq > 0).map((e) => e.entry.type), timeline.map((e) => e.type), 'stream order = timeline order');
    t.same(got.find((e) => e.seq === 0)?.scope, { userId: 'ana' });
  });

  t.test('key prefix isolates deployments; a client keyPrefix is refused', async (t) => {
    const one = createStore(redis, testConfig());
    const two = createStore(redis, testConfig());
    await one.calls.save(rec(activeCall('shared-id')), undefined, Date.now());
    t.equal(await two.calls.get('shared-id'), undefined);
    t.same(await two.calls.list({}, Date.now()), []);
    const keys = await keysOf(redis, one.keys.prefix);
    t.ok(keys.length > 0 && keys.every((k) => k.startsWith(one.keys.prefix)));
    const prefixed = new Redis(server.port, '127.0.0.1', { keyPrefix: 'x:', lazyConnect: true });
    t.throws(() => createStore(prefixed, testConfig()), StoreConfigError);
    prefixed.disconnect();
    const prefixedCluster = new Cluster([{ host: '127.0.0.1', port: server.port }], { keyPrefix: 'x:', lazyConnect: true });
    t.throws(() => createStore(prefixedCluster, testConfig()), StoreConfigError, 'a Cluster with keyPrefix too');
    prefixedCluster.disconnect();
  });

  t.test('Redis down: typed 503-able error; back: works again', async (t) => {
    const s2 = await startRedis();
    t.teardown(s2.stop);
    // The app's own client (one server, or a Cluster on its nodes): it fails fast while Redis is away.
    const config = testConfig();
    config.redis = { ...config.redis, ...s2.settings };
    const c = createRedis(config);
    t.teardown(() => c.disconnect());
    c.on('error', () => undefined);
    const store = createStore(c, config);
    await eventually(async () => (await store.ping().then(() => true, () => false)), 5000, 'connected');
    t.ok((await store.ping()) >= 0);
    await s2.crash();
    await t.rejects(store.calls.get('x'), { code: 'store_unavailable' });
    await t.rejects(store.ping(), { code: 'store_unavailable' });
    await s2.revive();
    await eventually(async () => (await store.calls.get('x').then(() => true, () => false)), 10_000, 'reconnect');
    t.equal(await store.calls.get('x'), undefined, 'answers again after Redis is back');
  });
});
