import { subscriberOf, type RedisClient } from './client';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { PUBLISH_EVENT } from './lua';
import { BusEvent, EventScope, TimelineEntry } from './types';

export interface Subscription {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * How many of the newest events Redis keeps for streams that reconnect (Last-Event-ID).
 * Events are a few hundred bytes, so this is about 1 MiB; at the 1,000-call bench's
 * event rates it covers a reconnect of several seconds. A client that was away longer
 * is told to re-read the state (`since` answers 'gap').
 */
export const RECENT_EVENTS_CAP = 2000;

/**
 * The cross-instance event stream: Redis pub/sub on one channel. Timeline entries are
 * published by TimelineStore.append; other events (user status) by `publish`. Every
 * event carries a global id from one counter, so subscribers on any instance see the
 * same order. Pub/sub is fire-and-forget, so the same scripts also keep the newest
 * RECENT_EVENTS_CAP events in a list: a stream that reconnects resumes from there.
 */
export class EventBus {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async publish(entry: TimelineEntry, scope: EventScope): Promise<number> {
    const k = this.keys;
    const args = [k.eventChannel(), JSON.stringify(entry), JSON.stringify(scope), RECENT_EVENTS_CAP];
    return (await guard(() => PUBLISH_EVENT.run(this.redis, [k.eventSeq(), k.recentEvents()], args))) as number;
  }

  /** The id of the newest event published so far (0 before the first). */
  async lastId(): Promise<number> {
    return Number((await guard(() => this.redis.get(this.keys.eventSeq()))) ?? 0);
  }

  /**
   * The events after `lastId`, oldest first; or a gap, with the newest id, when some
   * of them are no longer kept (trimmed from the list, or `lastId` is from before the
   * counter was reset: Redis lost its data).
   */
  async since(lastId: number): Promise<{ events: BusEvent[] } | { gap: true; newestId: number }> {
    const k = this.keys;
    const res = await guard(() => this.redis.multi().get(k.eventSeq()).lrange(k.recentEvents(), 0, -1).exec());
    const newestId = Number(res?.[0]?.[1] ?? 0);
    const raws = (res?.[1]?.[1] ?? []) as string[];
    if (lastId > newestId) return { gap: true, newestId };
    const missed: BusEvent[] = [];
    for (const raw of raws) {
      const e = parseJson<BusEvent>(k.recentEvents(), raw)!;
      if (e.id <= lastId) break;
      missed.push(e);
    }
    missed.reverse();
    const first = missed[0]?.id ?? newestId + 1;
    return first === lastId + 1 ? { events: missed } : { gap: true, newestId };
  }

  /**
   * Subscribes on a dedicated connection (a subscribed connection can do nothing
   * else). Returns at once; `ready` settles when Redis confirmed the subscription —
   * which waits for Redis if it is down, and ioredis re-subscribes after reconnects.
   * On a cluster the events are published (by the scripts, on the {events} slot's
   * node) and received (on whichever node ioredis subscribes through) on any nodes:
   * the cluster bus carries every PUBLISH to all of them.
   */
  subscribe(onEvent: (e: BusEvent) => void, onError?: (err: unknown) => void): Subscription {
    const sub = subscriberOf(this.redis);
    const channel = this.keys.eventChannel();
    sub.on('message', (ch: string, msg: string) => {
      if (ch !== channel) return;
      try {
        onEvent(JSON.parse(msg) as BusEvent);
      } catch (err) {
        onError?.(err);
      }
    });
    sub.on('error', (err: unknown) => onError?.(err));
    const ready = sub.subscribe(channel).then(() => undefined);
    ready.catch((err: unknown) => onError?.(err));
    return {
      ready,
      async close() {
        sub.disconnect();
      },
    };
  }
}
