import { addressBucket } from '../app/address-bucket';
import type { RateLimitStore, WindowCount } from '../store';
import { ApiError } from './errors';

/**
 * Failed authentications counted per source address in Redis (so every instance
 * counts together): past `limit` in a window, the address gets 429 with Retry-After
 * until the window ends. Only failures count, so a busy good client is never slowed;
 * and one address's failures never touch another's. IPv6 is counted per /64 (see
 * addressBucket). SIP digest failures have their own counters (src/sip/auth-throttle.ts).
 */
export class AuthThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async check(ip: string): Promise<void> {
    this.enforce(await this.store.peek(throttleKey(ip)));
  }

  /** The counter and limit of `ip`, for a lookup that reads the count together with the token (one round trip). */
  counterOf(ip: string): { counter: string; limit: number } {
    return { counter: throttleKey(ip), limit: this.limit };
  }

  /** 429 once `failures` (the count of one address, as just read) has reached the limit. */
  enforce(failures: WindowCount): void {
    if (failures.count >= this.limit) throw throttled(failures.resetMs);
  }

  async failed(ip: string): Promise<void> {
    await this.store.hit(throttleKey(ip), this.windowMs);
  }
}

function throttled(resetMs: number): ApiError {
  const retryAfterSec = Math.max(1, Math.ceil(resetMs / 1000));
  return new ApiError('too_many_auth_failures', `too many failed authentications from your address; try again in ${retryAfterSec} s`, { retryAfterSec });
}

export function throttleKey(ip: string): string {
  return `auth:${addressBucket(ip)}`;
}
