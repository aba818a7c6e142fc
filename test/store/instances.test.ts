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
    await store.instances.announceDrachtio('beating', '10.0.0.1:9022');
    const keys = [store.keys.instanceDialogs('beating'), store.keys.instanceDrachtio('beating')];
    for (const k of keys) await redis.client().pexpire(k, 50);
    await store.instances.beat('beating', Date.now() + 1000);
    for (const k of keys) t.ok((await redis.client().pttl(k)) > 1000, `renewed for a lease: ${k}`);
    await store.instances.finished('beating');
    t.equal(await redis.client().exists(...keys), 0, 'finished: gone');
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
    await store.instances.announceDrachtio('i-1', '10.0.0.1:9022');
    t.same(await store.instances.heldDialogs('i-1'), { ids: ['b;uac'], server: '10.0.0.1:9022' });
    t.same(await store.instances.heldDialogs('i-2'), { ids: ['c;uas'] }, 'each instance its own (this one never said where)');
    t.same(await store.instances.heldDialogs('i-3'), { ids: [] }, 'none for an instance that held none');
  });
});
