import { addressBucket } from '../app/address-bucket';
import type { Metrics } from '../app/metrics';

/**
 * Digest guessing against phones' SIP credentials (REGISTER, and INVITE from phones),
 * throttled the way src/api/auth-throttle.ts throttles bearer tokens: fixed-window
 * failure counters in Redis, shared by every instance, one per source address (an
 * IPv4 address, an IPv6 /64) and one per directory SIP username. Past a limit the
 * request is refused before its credentials are even checked, until the window ends,
 * so guessing stops; the window bounds how long a real phone can be kept out. An
 * address that authenticated as a user before (within GOOD_SOURCE_TTL_MS) is not held
 * back by that user's counter, only by its own: an attacker elsewhere who hammers
 * `ana` does not lock out ana's own phone. Only failures (403) count: a 401 challenge
 * is the normal first step of every REGISTER, and successes never slow a phone.
 */

/** What the throttle needs from the store (src/store/rate-limits.ts). */
export interface WindowCounters {
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  peek(key: string): Promise<{ count: number; resetMs: number }>;
}

export interface SipAuthLimits {
  /** Failures one SIP username may have per window. */
  userFailures: number;
  /** Failures one source address may make per window, any usernames. */
  sourceFailures: number;
  windowMs: number;
}

export type ThrottledBy = 'username' | 'source';

export interface Throttled {
  by: ThrottledBy;
  retryAfterSec: number;
}

/**
 * How long a success marks an address as known-good for a user. The mark lapses a day
 * after it was set (a hit does not extend it); the phone's next success, at most one
 * registration (REGISTER_MAX_EXPIRES_SEC, at most a day) later, sets it again.
 */
export const GOOD_SOURCE_TTL_MS = 86_400_000;

const sourceKey = (ip: string): string => `sipauth:source:${addressBucket(ip)}`;
const userKey = (username: string): string => `sipauth:user:${username}`;
const goodKey = (ip: string, username: string): string => `sipauth:good:${addressBucket(ip)}:${username}`;
const retryAfter = (resetMs: number): number => Math.max(1, Math.ceil(resetMs / 1000));

export class SipAuthThrottle {
  constructor(
    private readonly counters: WindowCounters,
    private readonly metrics: Pick<Metrics, 'sipAuthFailures' | 'sipAuthThrottled'>,
    private readonly limits: SipAuthLimits,
  ) {}

  /**
   * Whether a request presenting credentials must be refused without checking them.
   * `username` only when it is a directory user's (an unknown name has no counter).
   */
  async blocked(method: string, source: string, username: string | undefined): Promise<Throttled | undefined> {
    const verdict = await this.verdict(source, username);
    if (verdict) this.metrics.sipAuthThrottled.inc({ method, by: verdict.by });
    return verdict;
  }

  private async verdict(source: string, username: string | undefined): Promise<Throttled | undefined> {
    const bySource = await this.counters.peek(sourceKey(source));
    if (bySource.count >= this.limits.sourceFailures) return { by: 'source', retryAfterSec: retryAfter(bySource.resetMs) };
    if (username === undefined) return undefined;
    const byUser = await this.counters.peek(userKey(username));
    if (byUser.count < this.limits.userFailures) return undefined;
    if ((await this.counters.peek(goodKey(source, username))).count > 0) return undefined;
    return { by: 'username', retryAfterSec: retryAfter(byUser.resetMs) };
  }

  /** Counts a failed attempt; says when it was the one that reached a limit (worth a louder log line). */
  async failed(method: string, source: string, username: string | undefined): Promise<Throttled | undefined> {
    this.metrics.sipAuthFailures.inc({ method });
    const s = await this.counters.hit(sourceKey(source), this.limits.windowMs);
    const u = username === undefined ? undefined : await this.counters.hit(userKey(username), this.limits.windowMs);
    if (s.count === this.limits.sourceFailures) return { by: 'source', retryAfterSec: retryAfter(s.resetMs) };
    if (u?.count === this.limits.userFailures) return { by: 'username', retryAfterSec: retryAfter(u.resetMs) };
    return undefined;
  }

  /** Remembers that this address authenticated as this user. */
  async succeeded(source: string, username: string): Promise<void> {
    await this.counters.hit(goodKey(source, username), GOOD_SOURCE_TTL_MS);
  }
}
