import t from 'tap';
import { createStore, migrateUntaggedKeys } from '../../src/store';
import { dumpRedis, startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

/**
 * Upgrading from the key layout before hash tags (docs/redis.md): what outlives a
 * restart is renamed to the tagged names once, and the store reads it there.
 */
t.test('the untagged layout is renamed once, at start', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const config = testConfig();
  const store = createStore(redis, config);
  const p = config.redis.keyPrefix;
  if (server.kind === 'cluster') {
    t.equal(await migrateUntaggedKeys(redis, store.keys), 0, 'a cluster never had the old layout: nothing to do');
    return;
  }
  const user = { id: 'ana', name: 'Ana', role: 'agent', permissions: [], tokenSha256: ['ab12'] };
  await redis
    .multi()
    .set(`${p}user:ana`, JSON.stringify(user))
    .sadd(`${p}users`, 'ana')
    .sadd(`${p}users:admin`, 'root')
    .set(`${p}token:ab12`, 'ana')
    .set(`${p}number:+34910000001`, JSON.stringify({ e164: '+34910000001', name: 'Sales', distribution: ['ana'] }))
    .sadd(`${p}numbers`, '+34910000001')
    .hset(`${p}presence:ana`, 'status', 'available')
    .rpush(`${p}timeline:c1`, JSON.stringify({ at: 't', kind: 'call', type: 'call_answered', callId: 'c1' }))
    .set(`${p}events:seq`, '41')
    .set(`${p}directory:bootstrapped`, 'then')
    .set(`${p}call:c1`, '{"live":"lease"}')
    .exec();
  // Another deployment's keys on the same Redis are not this one's to move.
  await redis.set(`other:user:bob`, '{}');

  t.equal(await migrateUntaggedKeys(redis, store.keys), 10, 'ten kept keys renamed');
  t.same((await store.directory.getUser('ana'))?.name, 'Ana', 'the user, under {dir}');
  t.equal(await store.directory.userIdByTokenHash('ab12'), 'ana');
  t.same((await store.directory.listNumbers()).map((n) => n.e164), ['+34910000001']);
  t.equal((await store.presence.get('ana')).status, 'available');
  t.same((await store.timeline.list('c1')).map((e) => e.type), ['call_answered'], 'the timeline, under {events}');
  t.equal(await store.events.lastId(), 41, 'event ids go on from where they were');
  t.equal(await store.directory.isBootstrapped(), true);
  const left = Object.keys(await dumpRedis(redis, p)).filter((k) => !k.startsWith(`${p}{`));
  t.same(left, [`${p}call:c1`], 'only the live lease is left behind (it expires)');
  t.equal(await redis.get('other:user:bob'), '{}');
  t.equal(await migrateUntaggedKeys(redis, store.keys), 0, 'the next start has nothing to do');
});
