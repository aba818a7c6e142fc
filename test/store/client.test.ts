import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { createRedis, isCluster, subscriberOf } from '../../src/store';
import { urlAuth } from '../../src/store/client';
import { guard, isConnectionError } from '../../src/store/errors';
import { testConfig } from '../helpers/config';

/**
 * The connection factory (src/store/client.ts) picks the client for the configured
 * shape, and hands REDIS_URL's credentials to sentinel and cluster connections.
 * Nothing connects here (lazyConnect); the real servers are in sentinel.test.ts and
 * test/cluster/.
 */
const config = (redis: Partial<ReturnType<typeof testConfig>['redis']>) => {
  const c = testConfig();
  c.redis = { ...c.redis, ...redis };
  return c;
};

t.test('one server, Sentinel or Cluster from the settings', async (t) => {
  const single = createRedis(config({ url: 'redis://127.0.0.1:6390/2' }), { lazyConnect: true });
  t.ok(single instanceof Redis && !isCluster(single));
  t.match((single as Redis).options, { port: 6390, db: 2, enableOfflineQueue: false, maxRetriesPerRequest: 1 });

  const sentinel = createRedis(config({ url: 'redis://app:pw@ignored:1/3', sentinels: [{ host: '10.0.0.1', port: 26379 }], sentinelName: 'cc', sentinelPassword: 'sp' }), { lazyConnect: true });
  t.ok(sentinel instanceof Redis);
  t.match((sentinel as Redis).options, { sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'cc', sentinelPassword: 'sp', username: 'app', password: 'pw', db: 3, enableOfflineQueue: false });

  const cluster = createRedis(config({ url: 'rediss://app:p%40ss@ignored', clusterNodes: [{ host: '10.0.0.5', port: 7000 }] }), { lazyConnect: true });
  t.ok(cluster instanceof Cluster && isCluster(cluster));
  const opts = (cluster as Cluster).options;
  t.equal(opts.enableOfflineQueue, false, 'fails fast while the cluster is away');
  t.match(opts.redisOptions, { username: 'app', password: 'p@ss', tls: {}, maxRetriesPerRequest: 1, commandTimeout: 2000 });

  const sub = subscriberOf(cluster);
  t.ok(isCluster(sub), 'a cluster subscribes through a cluster client');
  t.match((sub as Cluster).options, { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: null, password: 'p@ss' } }, 'which waits for Redis');
  const subOne = subscriberOf(single);
  t.match((subOne as Redis).options, { enableOfflineQueue: true, maxRetriesPerRequest: null, port: 6390 });
  for (const c of [single, sentinel, cluster, sub, subOne]) c.disconnect();

  t.throws(() => createRedis(config({ url: 'redis://h/1', clusterNodes: [{ host: 'h', port: 7000 }] })), { code: 'store_misconfigured', message: /database 0/ });
  t.throws(() => urlAuth('not a url'), { code: 'store_misconfigured' });
});

t.test('a cluster or sentinel out of reach is a 503 (store_unavailable), a script error is not', async (t) => {
  const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });
  for (const err of [
    new Error('CLUSTERDOWN The cluster is down'),
    new Error('TRYAGAIN Multiple keys request during rehashing of slot'),
    named('ClusterAllFailedError', 'Failed to refresh slots cache.'),
    new Error('None of startup nodes is available'),
    new Error("Cluster isn't ready and enableOfflineQueue options is false"),
    new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'),
  ]) {
    t.ok(isConnectionError(err), err.message);
    await t.rejects(guard(() => Promise.reject(err)), { code: 'store_unavailable' });
  }
  for (const err of [new Error("CROSSSLOT Keys in request don't hash to the same slot"), new Error('ERR Error running script: attempt to compare nil')]) {
    t.notOk(isConnectionError(err), `${err.message}: a bug to see, not an outage`);
  }
});
