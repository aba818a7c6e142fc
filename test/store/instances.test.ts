/**
 * The instance registry's held dialogs (src/store/instances.ts): what a survivor reads to
 * hang up a lost instance's phones. Runs on a single Redis and, with the store suite, on
 * a Redis Cluster (every key carries the {calls} tag, the beat script touches three).
 */
import t from 'tap';
import { createStore } from '../../src/store';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

t.test('held dialogs in the instance registry', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const store = createStore(redis.client(), testConfig());

  t.test('a beat keeps the set; finishing a lost instance and a clean stop delete it', async (t) => {
    await store.instances.holdDialog('beating', 'x;uas');
    await redis.client().pexpire(store.keys.instanceDialogs('beating'), 50);
    await store.instances.beat('beating', Date.now() + 1000);
    t.ok((await redis.client().pttl(store.keys.instanceDialogs('beating'))) > 1000, 'renewed for a lease');
    await store.instances.finished('beating');
    t.equal(await redis.client().exists(store.keys.instanceDialogs('beating')), 0, 'finished: gone');
    await store.instances.holdDialog('stopping', 'y;uas');
    await store.instances.leave('stopping');
    t.equal(await redis.client().exists(store.keys.instanceDialogs('stopping')), 0, 'left: gone');
  });

  t.test('added, released, read back', async (t) => {
    await store.instances.holdDialog('i-1', 'a;uas');
    await store.instances.holdDialog('i-1', 'b;uac');
    await store.instances.holdDialog('i-2', 'c;uas');
    await store.instances.releaseDialogs('i-1', ['a;uas', 'never-held']);
    await store.instances.releaseDialogs('i-1', []);
    t.same(await store.instances.heldDialogs('i-1'), ['b;uac']);
    t.same(await store.instances.heldDialogs('i-2'), ['c;uas'], 'each instance its own');
    t.same(await store.instances.heldDialogs('i-3'), [], 'none for an instance that held none');
  });
});
