/**
 * Shared state in Redis (SPEC §5–§7).
 *
 *   createRedis(config: Pick<Config,'redis'>, opts?: RedisOptions): RedisClient
 *     one server (REDIS_URL), Sentinel (REDIS_SENTINELS) or Cluster (REDIS_CLUSTER_NODES): client.ts
 *   createStore(redis: RedisClient, config: Pick<Config,'redis'>): Store
 *     store.sipDirectory / store.registrations implement src/sip/ports.ts
 *
 * `createStore` uses the client as given and prefixes keys itself with
 * REDIS_KEY_PREFIX (pub/sub channels included, which ioredis's own keyPrefix would
 * not cover), so the client must not have `keyPrefix` set. The store never closes the
 * client: its owner does. `createRedis` makes a client with the options the store
 * expects (fail fast while Redis is down instead of queueing requests).
 */
import type { Config } from '../config';
import { clientKeyPrefix, type RedisClient } from './client';
import { CallStore } from './calls';
import { DirectoryStore } from './directory';
import { guard, StoreConfigError } from './errors';
import { EventBus } from './events';
import { Keys } from './keys';
import { CommandBus } from './commands';
import { InstanceStore } from './instances';
import { LockStore } from './locks';
import { PresenceStore } from './presence';
import { RateLimitStore } from './rate-limits';
import { SessionStore } from './sessions';
import { RedisRegistrationStore, RedisSipDirectory } from './sip-directory';
import { EventTicketStore } from './tickets';
import { TimelineStore } from './timeline';

export interface Store {
  readonly keys: Keys;
  readonly calls: CallStore;
  readonly sessions: SessionStore;
  readonly locks: LockStore;
  readonly presence: PresenceStore;
  readonly directory: DirectoryStore;
  readonly timeline: TimelineStore;
  readonly events: EventBus;
  readonly rateLimits: RateLimitStore;
  readonly tickets: EventTicketStore;
  /** Commands forwarded to the instance that owns a call or session. */
  readonly commands: CommandBus;
  /** App instances' heartbeats: a lost instance's calls are finished by a survivor. */
  readonly instances: InstanceStore;
  /** Lease of live calls, sessions and locks (LOCK_TTL_SEC), in ms. */
  readonly leaseMs: number;
  /** The SIP adapter's directory and registrar ports (src/sip/ports.ts). */
  readonly sipDirectory: RedisSipDirectory;
  readonly registrations: RedisRegistrationStore;
  /** Round trip to Redis in ms; throws StoreUnavailableError when it is down. */
  ping(): Promise<number>;
}

export type StoreConfig = Pick<Config, 'redis'>;

export function createStore(redis: RedisClient, config: StoreConfig): Store {
  if (clientKeyPrefix(redis)) {
    throw new StoreConfigError('the Redis client must not set keyPrefix: the store prefixes keys with REDIS_KEY_PREFIX itself');
  }
  const { keyPrefix, lockTtlSec, timelineTtlSec } = config.redis;
  const keys = new Keys(keyPrefix);
  const leaseMs = Math.round(lockTtlSec * 1000);
  const directory = new DirectoryStore(redis, keys);
  const presence = new PresenceStore(redis, keys);
  const calls = new CallStore(redis, keys, leaseMs, timelineTtlSec);
  return {
    keys,
    leaseMs,
    sipDirectory: new RedisSipDirectory(directory, presence, calls),
    registrations: new RedisRegistrationStore(redis, keys),
    calls,
    sessions: new SessionStore(redis, keys, leaseMs, timelineTtlSec),
    locks: new LockStore(redis, keys, leaseMs),
    presence,
    directory,
    timeline: new TimelineStore(redis, keys, timelineTtlSec),
    events: new EventBus(redis, keys),
    rateLimits: new RateLimitStore(redis, keys),
    tickets: new EventTicketStore(redis, keys),
    commands: new CommandBus(redis, keys),
    instances: new InstanceStore(redis, keys, timelineTtlSec, leaseMs),
    async ping() {
      const t0 = process.hrtime.bigint();
      await guard(() => redis.ping());
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
  };
}

export * from './types';
export * from './errors';
export { Keys, hashTag } from './keys';
export { createRedis, isCluster, subscriberOf, type RedisClient } from './client';
export { migrateUntaggedKeys } from './migrate';
export type { CallStore, CallFilter, CallPage } from './calls';
export type { InstanceStore } from './instances';
export type { SessionStore } from './sessions';
export type { LockStore, ClaimResult, RefreshResult } from './locks';
export type { PresenceStore } from './presence';
export type { RateLimitStore, WindowCount } from './rate-limits';
export type { DirectoryStore, DirectoryImport, CreateUserResult, ReplaceUserResult, DeleteUserResult } from './directory';
export type { TimelineStore } from './timeline';
export type { EventBus, Subscription } from './events';
export { RECENT_EVENTS_CAP } from './events';
export type { EventTicketStore, TicketHolder } from './tickets';
export type { CommandBus, CommandReply, InstanceCommand } from './commands';
export { OwnerUnavailableError } from './commands';
export type { RedisSipDirectory, RedisRegistrationStore } from './sip-directory';
