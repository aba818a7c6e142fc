import type { RedisClient } from './client';
import { isLive } from '../domain';
import { batched } from './batch';
import { guard, parseJson } from './errors';
import { LIVE_SESSION_IDS } from './calls-lua';
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
    private readonly redis: RedisClient,
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
      tx.zremrangebyscore(k.supervisedCalls(), '-inf', now);
      tx.zadd(k.supervisedCalls(), 'GT', now + this.leaseMs, s.callId);
    } else {
      tx.set(k.session(s.id), JSON.stringify(record), 'EX', this.endedTtlSec);
      tx.zrem(k.sessionsByCall(s.callId), s.id);
    }
    await guard(() => tx.exec());
  }

  /** Live sessions of a call. */
  async listByCall(callId: string, now: number): Promise<SessionRecord[]> {
    return (await this.listByCalls([callId], now)).get(callId) ?? [];
  }

  /** Live sessions of many calls in two round trips, one command each (a call listing's page). */
  async listByCalls(callIds: readonly string[], now: number): Promise<Map<string, SessionRecord[]>> {
    const out = new Map<string, SessionRecord[]>(callIds.map((id) => [id, []]));
    if (callIds.length === 0) return out;
    const perCall = (await guard(() => LIVE_SESSION_IDS.run(this.redis, callIds.map((id) => this.keys.sessionsByCall(id)), [now]))) as string[][];
    return this.byIds(new Map(callIds.map((id, i) => [id, perCall[i] ?? []])));
  }

  /** The live sessions among `idsByCall` (call id → session ids, as a call page lists them), read in one MGET (batched: batch.ts). */
  async byIds(idsByCall: ReadonlyMap<string, readonly string[]>): Promise<Map<string, SessionRecord[]>> {
    const out = new Map<string, SessionRecord[]>([...idsByCall.keys()].map((id) => [id, []]));
    const ids = [...idsByCall.values()].flat();
    if (ids.length === 0) return out;
    const raws = (await guard(() => batched(this.redis, (p) => p.mget(...ids.map((id) => this.keys.session(id)))))) as (string | null)[];
    raws.forEach((raw, i) => {
      const r = parseJson<SessionRecord>(this.keys.session(ids[i]!), raw);
      if (r && isLive(r.session)) out.get(r.session.callId)?.push(r);
    });
    for (const list of out.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.session.id.localeCompare(b.session.id));
    return out;
  }
}
