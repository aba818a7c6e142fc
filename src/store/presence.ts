import type { RedisClient } from './client';
import { UserStatus } from '../domain';
import { guard } from './errors';
import { Keys } from './keys';
import { SET_STATUS } from './lua';
import { Presence } from './types';

const STATUSES: readonly string[] = ['available', 'busy', 'unavailable'];
const asStatus = (v: string | undefined, def: UserStatus): UserStatus => (v && STATUSES.includes(v) ? (v as UserStatus) : def);

/**
 * User status (available / busy / unavailable). Busy during a supervision session is
 * set and restored by the lock scripts; this is the read side and the user's own
 * changes. A user without a presence record reads as unavailable: nothing is routed
 * to, and nobody supervises as, a user the directory never set up.
 */
export class PresenceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async get(userId: string): Promise<Presence> {
    const k = this.keys;
    const res = await guard(() => this.redis.multi().hgetall(k.presence(userId)).get(k.supervisorLock(userId)).exec());
    const h = (res?.[0]?.[1] ?? {}) as Record<string, string>;
    const lock = res?.[1]?.[1] as string | null;
    if (h.session !== undefined && lock !== h.session) {
      // The session's instance died and its lock expired: the busy is stale.
      return { status: asStatus(h.restore, 'available') };
    }
    const p: Presence = { status: asStatus(h.status, 'unavailable') };
    if (h.session !== undefined) {
      p.session = h.session;
      p.restore = asStatus(h.restore, 'available');
    }
    return p;
  }

  /** The user's own change. During a session it is deferred to the session's end. */
  async set(userId: string, status: UserStatus): Promise<'set' | 'deferred'> {
    const keys = [this.keys.presence(userId), this.keys.supervisorLock(userId)];
    return (await guard(() => SET_STATUS.run(this.redis, keys, [status]))) as 'set' | 'deferred';
  }

  async remove(userId: string): Promise<void> {
    await guard(() => this.redis.del(this.keys.presence(userId)));
  }
}
