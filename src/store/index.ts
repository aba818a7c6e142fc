/**
 * Shared state in Redis (SPEC §5–§7).
 *
 *   createRedis(config: Pick<Config,'redis'>, opts?: RedisOptions): Redis
 *   createStore(redis: Redis, config: Pick<Config,'redis'>): Store
 *     store.sipDirectory / store.registrations implement src/sip/ports.ts
 *
 * `createStore` uses the client as given and prefixes keys itself with
 * REDIS_KEY_PREFIX (pub/sub channels included, which ioredis's own keyPrefix would
 * not cover), so the client must not have `keyPrefix` set. The store never closes the
 * client: its owner does. `createRedis` makes a client with the options the store
 * expects (fail fast while Redis is down instead of queueing requests).
 */
import { Redis, RedisOptions } from 'ioredis';
import type { Config } from '../config';
import { CallStore } from './calls';
import { DirectoryStore } from './directory';
import { guard, StoreConfigError } from './errors';
import { EventBus } from './events';
import { Keys } from './keys';
import { CommandBus } from './commands';
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
  /** Lease of live calls, sessions and locks (LOCK_TTL_SEC), in ms. */
  readonly leaseMs: number;
  /** The SIP adapter's directory and registrar ports (src/sip/ports.ts). */
  readonly sipDirectory: RedisSipDirectory;
  readonly registrations: RedisRegistrationStore;
  /** Round trip to Redis in ms; throws StoreUnavailableError when it is down. */
  ping(): Promise<number>;
}

export type StoreConfig = Pick<Config, 'redis'>;

export function createStore(redis: Redis, config: StoreConfig): Store {
  if (redis.options.keyPrefix) {
    throw new StoreConfigError('the Redis client must not set keyPrefix: the store prefixes keys with REDIS_KEY_PREFIX itself');
  }
  const { keyPrefix, lockTtlSec, timelineTtlSec } = config.redis;
  const keys = new Keys(keyPrefix);
  const leaseMs = Math.round(lockTtlSec * 1000);
  const directory = new DirectoryStore(redis, keys);
  const presence = new PresenceStore(redis, keys);
  return {
    keys,
    leaseMs,
    sipDirectory: new RedisSipDirectory(directory, presence),
    registrations: new RedisRegistrationStore(redis, keys),
    calls: new CallStore(redis, keys, leaseMs, timelineTtlSec),
    sessions: new SessionStore(redis, keys, leaseMs, timelineTtlSec),
    locks: new LockStore(redis, keys, leaseMs),
    presence,
    directory,
    timeline: new TimelineStore(redis, keys, timelineTtlSec),
    events: new EventBus(redis, keys),
    rateLimits: new RateLimitStore(redis, keys),
    tickets: new EventTicketStore(redis, keys),
    commands: new CommandBus(redis, keys),
    async ping() {
      const t0 = process.hrtime.bigint();
      await guard(() => redis.ping());
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
  };
}

export function createRedis(config: StoreConfig, opts: RedisOptions = {}): Redis {
  return new Redis(config.redis.url, {
    // While Redis is down, fail commands at once (503) instead of queueing requests
    // until they time out; ioredis keeps reconnecting in the background.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...opts,
  });
}

export * from './types';
export * from './errors';
export { Keys } from './keys';
export type { CallStore, CallFilter, CallPage } from './calls';
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
