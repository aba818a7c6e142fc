import type { Redis } from 'ioredis';
import { Call } from '../domain';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { CallRecord } from './types';

/**
 * Live calls. A live call's key and its index entries carry a lease (LOCK_TTL) that
 * the owning instance renews; a call whose owner crashed drops out of listings when
 * the lease runs out instead of staying "live" forever. An ended call is kept
 * TIMELINE_TTL for its detail page, and leaves every index at once.
 */
export class CallStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly leaseMs: number,
    private readonly endedTtlSec: number,
  ) {}

  /** Agents on the call (directory ids of internal participants still there). */
  static agentsOf(call: Call): string[] {
    const ids = call.participants.filter((p) => p.kind === 'internal' && p.userId && p.status !== 'left').map((p) => p.userId!);
    return [...new Set(ids)].sort();
  }

  async get(id: string): Promise<CallRecord | undefined> {
    return guard(async () => parseJson<CallRecord>(this.keys.call(id), await this.redis.get(this.keys.call(id))));
  }

  /**
   * Writes the call and its indexes. `previous` is the record as last saved (its agents
   * are dropped from the agent index when they left). Called by the call's owner only,
   * serialized per call, so the read-modify-write of the index is safe.
   */
  async save(record: CallRecord, previous: CallRecord | undefined, now: number): Promise<void> {
    const k = this.keys;
    const { call } = record;
    const agents = CallStore.agentsOf(call);
    const gone = previous ? CallStore.agentsOf(previous.call).filter((a) => !agents.includes(a)) : [];
    const tx = this.redis.multi();
    for (const a of gone) tx.zrem(k.callsByAgent(a), call.id);
    if (previous && previous.call.number !== call.number) tx.zrem(k.callsByNumber(previous.call.number), call.id);
    if (call.ended) {
      tx.set(k.call(call.id), JSON.stringify(record), 'EX', this.endedTtlSec);
      tx.zrem(k.liveCalls(), call.id);
      tx.zrem(k.callsByNumber(call.number), call.id);
      for (const a of agents) tx.zrem(k.callsByAgent(a), call.id);
    } else {
      const expiry = now + this.leaseMs;
      tx.set(k.call(call.id), JSON.stringify(record), 'PX', this.leaseMs);
      // Entries of calls whose owner vanished are pruned where they would accumulate.
      tx.zremrangebyscore(k.liveCalls(), '-inf', now);
      tx.zremrangebyscore(k.callsByNumber(call.number), '-inf', now);
      tx.zadd(k.liveCalls(), expiry, call.id);
      tx.zadd(k.callsByNumber(call.number), expiry, call.id);
      for (const a of agents) tx.zadd(k.callsByAgent(a), expiry, call.id);
    }
    await guard(() => tx.exec());
  }

  /** Renews the leases of live calls this instance owns (re-writing lost records too). */
  async refresh(records: readonly CallRecord[], now: number): Promise<void> {
    if (records.length === 0) return;
    const k = this.keys;
    const expiry = now + this.leaseMs;
    const p = this.redis.pipeline();
    for (const r of records) {
      if (r.call.ended) continue;
      p.set(k.call(r.call.id), JSON.stringify(r), 'PX', this.leaseMs);
      p.zadd(k.liveCalls(), expiry, r.call.id);
      p.zadd(k.callsByNumber(r.call.number), expiry, r.call.id);
      for (const a of CallStore.agentsOf(r.call)) p.zadd(k.callsByAgent(a), expiry, r.call.id);
    }
    await guard(() => p.exec());
  }

  /** Live calls, optionally only those on `number` and/or with agent `agent`, by id. */
  async list(filter: { number?: string; agent?: string }, now: number): Promise<CallRecord[]> {
    const k = this.keys;
    const sources = [
      filter.number !== undefined ? k.callsByNumber(filter.number) : undefined,
      filter.agent !== undefined ? k.callsByAgent(filter.agent) : undefined,
    ].filter((s): s is string => s !== undefined);
    if (sources.length === 0) sources.push(k.liveCalls());
    const sets = await guard(() => Promise.all(sources.map((s) => this.redis.zrangebyscore(s, now, '+inf'))));
    const [first = [], ...rest] = sets;
    const ids = first.filter((id) => rest.every((s) => s.includes(id))).sort();
    if (ids.length === 0) return [];
    const raws = await guard(() => this.redis.mget(...ids.map((id) => k.call(id))));
    const out: CallRecord[] = [];
    raws.forEach((raw, i) => {
      const r = parseJson<CallRecord>(k.call(ids[i]!), raw);
      if (r && !r.call.ended) out.push(r);
    });
    return out;
  }
}
