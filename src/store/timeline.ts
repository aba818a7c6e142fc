import type { Redis } from 'ioredis';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { APPEND_TIMELINE } from './lua';
import { EventScope, TimelineEntry, TimelineEvent } from './types';

/**
 * Per-call timelines: ordered entries (who, what, when). Every append renews the
 * list's TTL, so a timeline lives TIMELINE_TTL after its call's last event — the end.
 * Appending also publishes the entry on the event channel, in the same script.
 */
export class TimelineStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlSec: number,
  ) {}

  async append(callId: string, entry: TimelineEntry, scope: EventScope): Promise<{ id: number; seq: number }> {
    const k = this.keys;
    const res = (await guard(() =>
      APPEND_TIMELINE.run(this.redis, [k.timeline(callId), k.eventSeq()], [
        JSON.stringify({ ...entry, callId }),
        this.ttlSec,
        k.eventChannel(),
        JSON.stringify(scope),
      ]),
    )) as [number, number];
    return { id: res[0], seq: res[1] };
  }

  async list(callId: string): Promise<TimelineEvent[]> {
    const key = this.keys.timeline(callId);
    const raws = await guard(() => this.redis.lrange(key, 0, -1));
    return raws.map((raw, i) => ({ ...parseJson<TimelineEntry>(key, raw)!, seq: i + 1 }));
  }

  /** Keeps a live call's timeline from expiring while the call goes on without events. */
  async touch(callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of callIds) p.expire(this.keys.timeline(id), this.ttlSec);
    await guard(() => p.exec());
  }
}
