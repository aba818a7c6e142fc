import type { Redis } from 'ioredis';
import { isLive } from '../domain';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { SessionRecord } from './types';

/**
 * Supervision sessions. Like calls, a live session's record and its entry in the
 * call's index carry a lease the owning instance renews (LockStore.renew, together
 * with the session's locks); a finished session is kept
 * TIMELINE_TTL so `GET /v1/supervisions/:id` still answers after the end.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly leaseMs: number,
    private readonly endedTtlSec: number,
  ) {}

  async get(id: string): Promise<SessionRecord | undefined> {
    return guard(async () => parseJson<SessionRecord>(this.keys.session(id), await this.redis.get(this.keys.session(id))));
  }

  async save(record: SessionRecord, now: number): Promise<void> {
    const k = this.keys;
    const s = record.session;
    const tx = this.redis.multi();
    if (isLive(s)) {
      tx.set(k.session(s.id), JSON.stringify(record), 'PX', this.leaseMs);
      tx.zremrangebyscore(k.sessionsByCall(s.callId), '-inf', now);
      tx.zadd(k.sessionsByCall(s.callId), now + this.leaseMs, s.id);
    } else {
      tx.set(k.session(s.id), JSON.stringify(record), 'EX', this.endedTtlSec);
      tx.zrem(k.sessionsByCall(s.callId), s.id);
    }
    await guard(() => tx.exec());
  }

  /** Live sessions of a call. */
  async listByCall(callId: string, now: number): Promise<SessionRecord[]> {
    const ids = await guard(() => this.redis.zrangebyscore(this.keys.sessionsByCall(callId), now, '+inf'));
    if (ids.length === 0) return [];
    const raws = await guard(() => this.redis.mget(...ids.map((id) => this.keys.session(id))));
    const out: SessionRecord[] = [];
    raws.forEach((raw, i) => {
      const r = parseJson<SessionRecord>(this.keys.session(ids[i]!), raw);
      if (r && isLive(r.session)) out.push(r);
    });
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.session.id.localeCompare(b.session.id));
  }
}
