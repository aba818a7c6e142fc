import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../config';
import { StoreConfigError } from './errors';

/**
 * The Redis connection in the three shapes coachline runs on (REDIS_URL,
 * REDIS_SENTINELS, REDIS_CLUSTER_NODES):
 *
 *   one server   ioredis `Redis` on REDIS_URL
 *   Sentinel     ioredis `Redis` with `sentinels` + `name`: it asks the sentinels for
 *                the master of REDIS_SENTINEL_NAME and follows failovers
 *   Cluster      ioredis `Cluster` on the seed nodes; every script's and MULTI's keys
 *                share a hash tag (keys.ts), so each goes to one slot
 *
 * REDIS_URL's credentials, database and scheme (rediss: for TLS) apply to the data
 * connections in every shape; with sentinels or cluster nodes set, its host and port
 * are not used. The store takes either client type (`RedisClient`).
 */
export type RedisClient = Redis | Cluster;

export type RedisSettings = Config['redis'];

/** Options every data connection gets: while Redis is down, fail at once (503) rather than queue. */
const FAIL_FAST: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/** Username, password, db and TLS of REDIS_URL, for the sentinel and cluster shapes. */
export function urlAuth(url: string): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreConfigError(`REDIS_URL is not a URL: "${url}"`);
  }
  const out: Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> = {};
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '') out.db = Number(db);
  if (u.protocol === 'rediss:') out.tls = {};
  return out;
}

export function createRedis(config: { redis: RedisSettings }, opts: RedisOptions = {}): RedisClient {
  const r = config.redis;
  if (r.clusterNodes.length > 0) {
    const { db, ...auth } = urlAuth(r.url);
    if (db !== undefined && db !== 0) throw new StoreConfigError('Redis Cluster has only database 0: drop the database from REDIS_URL');
    return new Cluster(r.clusterNodes, clusterOptions({ ...FAIL_FAST, ...auth, ...opts }));
  }
  if (r.sentinels.length > 0) {
    return new Redis({
      ...urlAuth(r.url),
      sentinels: r.sentinels,
      name: r.sentinelName,
      ...(r.sentinelPassword ? { sentinelPassword: r.sentinelPassword } : {}),
      enableOfflineQueue: false,
      ...FAIL_FAST,
      ...opts,
    });
  }
  return new Redis(r.url, { enableOfflineQueue: false, ...FAIL_FAST, ...opts });
}

/**
 * `redisOptions` are the per-node connection's; the offline queue and the retry of the
 * whole cluster are the Cluster's own.
 */
function clusterOptions(node: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, retryStrategy: _perNode, ...redisOptions } = node;
  return {
    enableOfflineQueue: enableOfflineQueue ?? false,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    // A failover moves slots: retry a command on MOVED/TRYAGAIN/CLUSTERDOWN a few times, briefly.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    redisOptions,
  };
}

export const isCluster = (redis: RedisClient): redis is Cluster => redis.isCluster;

/**
 * A connection of its own for SUBSCRIBE (a subscribed connection can do nothing else),
 * on the same server, sentinels or cluster, that waits for Redis instead of failing:
 * ioredis re-subscribes after every reconnect. On a cluster, ioredis subscribes
 * through one node it picks and moves to another if that one goes; a PUBLISH on any
 * node reaches every node's subscribers (the cluster bus broadcasts it).
 */
export function subscriberOf(redis: RedisClient): RedisClient {
  const waitForRedis = { maxRetriesPerRequest: null, commandTimeout: undefined } satisfies RedisOptions;
  if (isCluster(redis)) {
    return redis.duplicate(undefined, { ...redis.options, enableOfflineQueue: true, redisOptions: { ...redis.options.redisOptions, ...waitForRedis } });
  }
  return redis.duplicate({ enableOfflineQueue: true, ...waitForRedis });
}

/** The client's key prefix, wherever its shape keeps it (the store refuses one: it prefixes keys itself). */
export function clientKeyPrefix(redis: RedisClient): string | undefined {
  if (isCluster(redis)) return redis.options.keyPrefix ?? redis.options.redisOptions?.keyPrefix;
  return redis.options.keyPrefix;
}
