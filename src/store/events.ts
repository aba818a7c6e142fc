import type { Redis } from 'ioredis';
import { guard } from './errors';
import { Keys } from './keys';
import { PUBLISH_EVENT } from './lua';
import { BusEvent, EventScope, TimelineEntry } from './types';

export interface Subscription {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The cross-instance event stream: Redis pub/sub on one channel. Timeline entries are
 * published by TimelineStore.append; other events (user status) by `publish`. Every
 * event carries a global id from one counter, so subscribers on any instance see the
 * same order. Pub/sub is fire-and-forget: a subscriber that is disconnected misses
 * events (clients re-read state with GET on reconnect).
 */
export class EventBus {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async publish(entry: TimelineEntry, scope: EventScope): Promise<number> {
    const k = this.keys;
    const args = [k.eventChannel(), JSON.stringify(entry), JSON.stringify(scope)];
    return (await guard(() => PUBLISH_EVENT.run(this.redis, [k.eventSeq()], args))) as number;
  }

  /**
   * Subscribes on a dedicated connection (a subscribed connection can do nothing
   * else). Returns at once; `ready` settles when Redis confirmed the subscription —
   * which waits for Redis if it is down, and ioredis re-subscribes after reconnects.
   */
  subscribe(onEvent: (e: BusEvent) => void, onError?: (err: unknown) => void): Subscription {
    const sub = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
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
