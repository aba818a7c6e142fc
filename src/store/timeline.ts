import type { RedisClient } from './client';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { RECENT_EVENTS_CAP } from './events';
import { APPEND_TIMELINE } from './lua';
import { EventScope, TimelineEntry, TimelineEvent } from './types';

/**
 * Per-call timelines: ordered entries (who, what, when). Every append renews the
 * list's TTL, so a timeline lives TIMELINE_TTL after its call's last event — the end.
 * Appending also publishes the entry on the event channel, in the same script.
 */
export class TimelineStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlSec: number,
  ) {}

  async append(callId: string, entry: TimelineEntry, scope: EventScope): Promise<{ id: number; seq: number }> {
    const k = this.keys;
    const res = (await guard(() =>
      APPEND_TIMELINE.run(this.redis, [k.timeline(callId), k.eventSeq(), k.recentEvents()], [
        JSON.stringify({ ...entry, callId }),
        this.ttlSec,
        k.eventChannel(),
        JSON.stringify(scope),
        RECENT_EVENTS_CAP,
      ]),
    )) as [number, number];
    return { id: res[0], seq: res[1] };
  }

  async list(callId: string): Promise<TimelineEvent[]> {
    const key = this.keys.timeline(callId);
    const raws = await guard(() => this.redis.lrange(key, 0, -1));
    return raws.map((raw, i) => ({ ...parseJson<TimelineEntry>(key, raw)!, seq: i + 1 }));
  }

  /** Up to `count` entries after position `afterSeq` (0: from the start), and how many the timeline has. */
  async range(callId: string, afterSeq: number, count: number): Promise<{ events: TimelineEvent[]; total: number }> {
    const key = this.keys.timeline(callId);
    const res = await guard(() => this.redis.multi().lrange(key, afterSeq, afterSeq + count - 1).llen(key).exec());
    const raws = (res?.[0]?.[1] ?? []) as string[];
    const total = Number(res?.[1]?.[1] ?? 0);
    return { events: raws.map((raw, i) => ({ ...parseJson<TimelineEntry>(key, raw)!, seq: afterSeq + i + 1 })), total };
  }

  /** Keeps a live call's timeline from expiring while the call goes on without events. */
  async touch(callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of callIds) p.expire(this.keys.timeline(id), this.ttlSec);
    await guard(() => p.exec());
  }
}
