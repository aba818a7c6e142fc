import { randomUUID } from 'node:crypto';
import type { RedisClient } from './client';
import { Call } from '../domain';
import { guard, parseJson } from './errors';
import { LIVE_SESSION_IDS, PAGE_CALL_IDS, REFRESH_CALL, RENEW_CALLS, BUSY_AGENTS } from './calls-lua';
import { Keys, hashTag } from './keys';
import { SeenMap } from './seen-map';
import { CallRecord } from './types';

export interface CallFilter {
  number?: string;
  agent?: string;
}

export interface CallPage {
  records: CallRecord[];
  /** Ids of each listed call's live supervision sessions. */
  sessionIds: Map<string, string[]>;
  more: boolean;
  /** The last id looked at: where the next page starts, even if none of this page's calls was still live. */
  last?: string;
}

/** Enough for every live call of a large contact center; the oldest entry makes room. */
const PARSED_CACHE_MAX = 20_000;
/** A parsed record no listing met for this long is dropped (a minute: a page left open re-lists far more often). */
export const PARSED_IDLE_MS = 60_000;

/**
 * Calls per renewal script: 100 keep one script's run in Redis well under a
 * millisecond (other clients' commands wait behind it) while 1,000 calls cost 10.
 */
const RENEW_BATCH = 100;

/**
 * Live calls. A live call's key and its index entries carry a lease (LOCK_TTL) that
 * the owning instance renews; a call whose owner crashed drops out of listings when
 * the lease runs out instead of staying "live" forever. An ended call is kept
 * TIMELINE_TTL for its detail page, and leaves every index at once.
 */
export class CallStore {
  constructor(
    private readonly redis: RedisClient,
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
    for (const a of gone) tx.zrem(k.callIdsByAgent(a), call.id);
    if (previous && previous.call.number !== call.number) tx.zrem(k.callIdsByNumber(previous.call.number), call.id);
    if (call.ended) {
      tx.set(k.call(call.id), JSON.stringify(record), 'EX', this.endedTtlSec);
      tx.hdel(k.callVersions(), call.id);
      tx.zrem(k.liveCalls(), call.id);
      tx.zrem(k.liveCallIds(), call.id);
      tx.zrem(k.callIdsByNumber(call.number), call.id);
      for (const a of agents) tx.zrem(k.callIdsByAgent(a), call.id);
    } else {
      tx.set(k.call(call.id), JSON.stringify(record), 'PX', this.leaseMs);
      tx.hset(k.callVersions(), call.id, randomUUID());
      // Leases of calls whose owner vanished are pruned here; their id-index entries when a listing meets them.
      tx.zremrangebyscore(k.liveCalls(), '-inf', now);
      tx.zadd(k.liveCalls(), now + this.leaseMs, call.id);
      this.index(tx, call);
    }
    await guard(() => tx.exec());
  }

  /**
   * Writes live calls' records and index entries back whole and renews their leases,
   * one script per call so that it never undoes an end saved meanwhile: the repair
   * path of `renew`, for records Redis lost or whose lease ran out.
   */
  async refresh(records: readonly CallRecord[], now: number): Promise<void> {
    const k = this.keys;
    const expiry = now + this.leaseMs;
    await guard(() =>
      Promise.all(
        records
          .filter((r) => !r.call.ended)
          .map((r) => {
            const { call } = r;
            const keys = [k.call(call.id), k.liveCalls(), k.callVersions(), k.liveCallIds(), k.callIdsByNumber(call.number), ...CallStore.agentsOf(call).map((a) => k.callIdsByAgent(a))];
            // The same record: its version stays, unless Redis lost it (then any new one will do).
            return REFRESH_CALL.run(this.redis, keys, [JSON.stringify(r), this.leaseMs, expiry, call.id, randomUUID()]);
          }),
      ),
    );
  }

  /**
   * The lease renewal of the live calls this instance owns, every LOCK_TTL / 3: their
   * records are the ones last saved, so only the leases move (PEXPIRE of the record,
   * its score in `calls:live`), RENEW_BATCH calls per script and no record on the
   * wire. The few a script could not renew — the record or an index entry lost, or the
   * lease already run out — are written again whole by `refresh`, which still never
   * writes over an ended record. Returns how many needed that.
   */
  async renew(records: readonly CallRecord[], now: number): Promise<number> {
    const k = this.keys;
    const live = new Map(records.filter((r) => !r.call.ended).map((r) => [r.call.id, r]));
    if (live.size === 0) return 0;
    // One script's keys must share a slot on a Redis Cluster: grouped by hash tag (all
    // of a prefix's call keys carry {calls}, keys.ts, so in practice one group).
    const byTag = new Map<string, string[]>();
    for (const id of live.keys()) {
      const tag = hashTag(k.call(id));
      const group = byTag.get(tag);
      if (group) group.push(id);
      else byTag.set(tag, [id]);
    }
    const batches: string[][] = [];
    for (const ids of byTag.values()) for (let i = 0; i < ids.length; i += RENEW_BATCH) batches.push(ids.slice(i, i + RENEW_BATCH));
    const args = (ids: string[]): (string | number)[] => [this.leaseMs, now + this.leaseMs, now, ...ids];
    const keys = (ids: string[]): string[] => [k.liveCalls(), k.callVersions(), k.liveCallIds(), ...ids.map((id) => k.call(id))];
    const left = (await guard(() => Promise.all(batches.map((ids) => RENEW_CALLS.run(this.redis, keys(ids), args(ids)))))) as string[][];
    const repair = left.flat().map((id) => live.get(id)!);
    if (repair.length > 0) await this.refresh(repair, now);
    return repair.length;
  }

  /** The id indexes (score 0, so ordered by id) a listing pages through. */
  private index(p: ReturnType<RedisClient['pipeline']>, call: Call): void {
    const k = this.keys;
    p.zadd(k.liveCallIds(), 0, call.id);
    p.zadd(k.callIdsByNumber(call.number), 0, call.id);
    for (const a of CallStore.agentsOf(call)) p.zadd(k.callIdsByAgent(a), 0, call.id);
  }

  /**
   * Which of these directory users are on a live call — ringing or connected — on any
   * instance: an agent takes one call at a time, whichever instance rings them.
   */
  async busyAgents(userIds: readonly string[], now: number): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const k = this.keys;
    const positions = (await guard(() => BUSY_AGENTS.runBatched(this.redis, [k.liveCalls(), ...userIds.map((id) => k.callIdsByAgent(id))], [now]))) as number[];
    return new Set(positions.map((i) => userIds[i - 1]!));
  }

  /** Live calls, optionally only those on `number` and/or with agent `agent`, by id. */
  async list(filter: CallFilter, now: number): Promise<CallRecord[]> {
    return (await this.page(filter, now, { limit: 1_000_000 })).records;
  }

  /**
   * One page of `list`: the first `limit` calls whose id sorts after `after`, with the
   * ids of each one's live supervision sessions. Paging by id is stable while calls
   * start and end: a call live for the whole walk is seen exactly once. `more` says
   * whether calls after this page exist. One script (PAGE_CALL_IDS) reads the page's
   * ids, which are live, their versions and which are supervised (LIVE_SESSION_IDS
   * then reads those ones' session ids, in the next batch); then only the records this instance has not read at their version yet. The script
   * goes out in the current turn's batch (batch.ts): every request of a listing runs it.
   */
  async page(filter: CallFilter, now: number, page: { after?: string; limit: number }): Promise<CallPage> {
    const k = this.keys;
    // With both filters the agent's index (a handful of calls) is walked and the number's checked.
    const [scan, second] =
      filter.agent !== undefined
        ? [k.callIdsByAgent(filter.agent), filter.number !== undefined ? k.callIdsByNumber(filter.number) : undefined]
        : [filter.number !== undefined ? k.callIdsByNumber(filter.number) : k.liveCallIds(), undefined];
    const keys = [scan, k.liveCalls(), k.callVersions(), k.supervisedCalls(), second ?? scan];
    const args = [page.after ?? '', page.limit + 1, now, second ? '1' : '0'];
    const [found, foundVersions, watchedIds] = (await guard(() => PAGE_CALL_IDS.runBatched(this.redis, keys, args))) as [string[], (string | null)[], string[]];
    // The live sessions of the supervised calls on the page: a second round trip only when there are some.
    const watchedSessions =
      watchedIds.length === 0 ? [] : ((await guard(() => LIVE_SESSION_IDS.runBatched(this.redis, watchedIds.map((id) => k.sessionsByCall(id)), [now]))) as string[][]);
    const more = found.length > page.limit;
    const n = Math.min(found.length, page.limit);
    // Even when the page is empty: the last calls ended, and their records must still go.
    this.cached.sweep(now);
    if (n === 0) return { records: [], sessionIds: new Map(), more };
    const sessionsOf = new Map(watchedIds.map((id, i) => [id, watchedSessions[i] ?? []]));
    const wanted: { id: string; version: string | null }[] = [];
    for (let i = 0; i < n; i++) {
      const v = foundVersions[i];
      if (v === null || v === undefined) continue;
      wanted.push({ id: found[i]!, version: v === '' ? null : v });
    }
    // Only records that changed since this instance last read them cross the wire.
    const unknown = wanted.filter((w) => w.version === null || this.cached.get(w.id, now)?.version !== w.version);
    const raws = unknown.length > 0 ? await guard(() => this.redis.mget(...unknown.map((w) => k.call(w.id)))) : [];
    const fresh = new Map<string, CallRecord | undefined>();
    unknown.forEach((w, i) => fresh.set(w.id, this.remember(w.id, w.version, raws[i] ?? null, now)));
    const records: CallRecord[] = [];
    const sessionIds = new Map<string, string[]>();
    for (const w of wanted) {
      const r = fresh.has(w.id) ? fresh.get(w.id) : this.cached.get(w.id, now)?.record;
      if (!r || r.call.ended) continue;
      records.push(r);
      const sessions = sessionsOf.get(w.id);
      if (sessions) sessionIds.set(w.id, sessions);
    }
    return { records, sessionIds, more, last: found[n - 1]! };
  }

  /**
   * Parsed records by the version written with them (a random id per save): a listing
   * reads the same unchanged calls again and again. Read-only: records are shared.
   * Those of calls no listing met for PARSED_IDLE_MS go: ended calls are never met
   * again (seen-map.ts, issue 14).
   */
  private readonly cached = new SeenMap<string, { version: string; record: CallRecord }>(PARSED_IDLE_MS, PARSED_CACHE_MAX);

  private remember(id: string, version: string | null, raw: string | null, now: number): CallRecord | undefined {
    if (raw === null) return undefined;
    const record = parseJson<CallRecord>(this.keys.call(id), raw)!;
    if (version === null) return record;
    this.cached.set(id, { version, record }, now);
    return record;
  }
}
