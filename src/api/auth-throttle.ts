import { isIPv6 } from 'node:net';
import type { RateLimitStore } from '../store';
import { ApiError } from './errors';

/**
 * Failed authentications counted per source address in Redis (so every instance
 * counts together): past `limit` in a window, the address gets 429 with Retry-After
 * until the window ends. Only failures count, so a busy good client is never slowed;
 * and one address's failures never touch another's. IPv6 is counted per /64, what one
 * host usually gets, so rotating addresses inside it does not reset the count.
 */
export class AuthThrottle {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async check(ip: string): Promise<void> {
    const { count, resetMs } = await this.store.peek(throttleKey(ip));
    if (count >= this.limit) throw throttled(resetMs);
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
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `auth:${mapped[1]}`;
  if (isIPv6(ip)) return `auth:${ipv6Prefix64(ip)}::/64`;
  return `auth:${ip}`;
}

/** The first four groups of an IPv6 address, written out in full. */
function ipv6Prefix64(ip: string): string {
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => g.toLowerCase().padStart(4, '0')).join(':');
}
