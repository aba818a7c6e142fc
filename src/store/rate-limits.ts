import type { RedisClient } from './client';
import { guard } from './errors';
import { Keys } from './keys';
import { Script } from './script';

/** Where a counter stands: its count in the current window and the ms until that window ends. */
export interface WindowCount {
  count: number;
  resetMs: number;
}

/**
 * Fixed-window counters in Redis, shared by every instance: failed authentications
 * per source address, supervision starts per supervisor. A window starts with its
 * first hit and lasts `windowMs`; the key expires with it, so nothing accumulates.
 */
export class RateLimitStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Counts one more event for `key` (e.g. a failed authentication). */
  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, resetMs] = (await guard(() => HIT.run(this.redis, [this.keys.rateLimit(key)], [windowMs]))) as [number, number];
    return { count, resetMs };
  }

  /** Counts one more event only while fewer than `limit` are counted; `taken` says whether it was. */
  async take(key: string, limit: number, windowMs: number): Promise<WindowCount & { taken: boolean }> {
    const [taken, count, resetMs] = (await guard(() => TAKE.run(this.redis, [this.keys.rateLimit(key)], [limit, windowMs]))) as [number, number, number];
    return { taken: taken === 1, count, resetMs };
  }

  /** Gives back one taken event (the action it allowed did not happen after all). */
  async refund(key: string): Promise<void> {
    await guard(() => REFUND.run(this.redis, [this.keys.rateLimit(key)], []));
  }

  async peek(key: string): Promise<WindowCount> {
    const k = this.keys.rateLimit(key);
    const res = await guard(() => this.redis.multi().get(k).pttl(k).exec());
    const count = Number(res?.[0]?.[1] ?? 0);
    const ttl = Number(res?.[1]?.[1] ?? -2);
    return { count: Number.isFinite(count) ? count : 0, resetMs: ttl > 0 ? ttl : 0 };
  }
}

/** KEYS counter · ARGV windowMs → {count, msLeft}. */
const HIT = new Script(
  'rate_hit',
  `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}
`,
);

/** KEYS counter · ARGV limit, windowMs → {1 taken | 0 refused, count, msLeft}. */
const TAKE = new Script(
  'rate_take',
  `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
  return {0, n, ttl}
end
n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
return {1, n, ttl}
`,
);

/** KEYS counter → the count after giving one back (never below 0). */
const REFUND = new Script(
  'rate_refund',
  `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then return 0 end
return redis.call('DECR', KEYS[1])
`,
);
