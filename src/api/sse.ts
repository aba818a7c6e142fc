import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { NumberEntry, User } from '../domain';
import type { BusEvent, Store, Subscription } from '../store';
import type { Metrics } from '../app/metrics';
import { maySeeEvent, shownEntry } from '../app/visibility';
import { RESYNC_EVENT, type StreamEvent } from '../contract';

/** Re-checks the credential a stream was opened with: the user as they are now, or undefined once revoked. */
export type Revalidate = () => Promise<User | undefined>;

interface Client {
  user: User;
  res: ServerResponse;
  revalidate: Revalidate | undefined;
  /** Id of the last event written to it: a resumed stream never gets one twice. */
  lastId: number;
  /** While its missed events are replayed, live events wait (they are in the replay or come after it). */
  replaying: boolean;
  /** `event:` is the event's type (default); else every event is an unnamed message (see StreamOptions). */
  named: boolean;
}

export interface StreamOptions {
  /** Replay what came after this event id first (Last-Event-ID). */
  resumeAfter?: number;
  /**
   * false: send every event as an unnamed SSE message (its type is in data.type), so a
   * browser's EventSource needs one onmessage handler instead of a listener for each of
   * an open-ended set of event types.
   */
  named?: boolean;
}

/** Directory events after which the named user's streams are re-checked at once, on every instance. */
const REVOKING = new Set(['user_updated', 'user_deleted']);

/**
 * GET /v1/events: one Redis subscription per app instance, fanned out to this
 * instance's Server-Sent-Event clients, each receiving only what its user may see
 * (app/visibility). Events are dispatched one at a time in arrival order, which is the
 * order of their global ids, so every client sees a gap-free increasing subsequence.
 * A client that reconnects with Last-Event-ID (or ?lastEventId=) first gets what it
 * missed, from the store's capped list of recent events, or `resync` when that is gone.
 *
 * A stream lasts only as long as its credential: when its user is deleted, changes
 * role or loses the token the stream was opened with, the stream is ended before the
 * next event (the directory's user_updated / user_deleted events reach every
 * instance's hub), and every heartbeat re-checks all streams in case such an event
 * was missed while the subscription was down.
 */
export class EventStreamHub {
  private readonly clients = new Set<Client>();
  private sub: Subscription | undefined;
  private chain: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly heartbeatMs = 15_000,
  ) {}

  /** Subscribes to the bus; resolves when the subscription is confirmed (it waits for Redis). */
  start(): Promise<void> {
    if (!this.sub) {
      this.sub = this.store.events.subscribe(
        (e) => {
          this.chain = this.chain.then(() => this.dispatch(e)).catch((err: unknown) => this.logger.warn({ err }, 'event dispatch failed'));
        },
        (err) => this.logger.warn({ err }, 'event subscription error'),
      );
      this.heartbeat = setInterval(() => {
        this.broadcast(': keep-alive\n\n');
        this.chain = this.chain.then(() => this.revalidate(() => true)).catch((err: unknown) => this.logger.warn({ err }, 'stream revalidation failed'));
      }, this.heartbeatMs);
      this.heartbeat.unref();
    }
    return this.sub.ready;
  }

  /**
   * Takes over a hijacked response and streams to it until the client goes away, or
   * `revalidate` says the credential it was opened with no longer holds.
   */
  add(user: User, res: ServerResponse, revalidate?: Revalidate, opts: StreamOptions = {}): void {
    const { resumeAfter } = opts;
    // The stream is quiet between events; the heartbeat, not the idle timeout, keeps it honest.
    res.socket?.setTimeout(0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    const client: Client = { user, res, revalidate, lastId: 0, replaying: resumeAfter !== undefined, named: opts.named ?? true };
    this.clients.add(client);
    if (resumeAfter !== undefined) {
      // On the dispatch chain: live events queued before it are skipped (replaying), the
      // replay reads them from Redis, and those queued after it run once it is done.
      this.chain = this.chain.then(() => this.resume(client, resumeAfter)).catch((err: unknown) => this.logger.warn({ err }, 'event stream resume failed'));
    }
    this.metrics.sseClients.set(this.clients.size);
    res.on('close', () => {
      this.clients.delete(client);
      this.metrics.sseClients.set(this.clients.size);
    });
  }

  get size(): number {
    return this.clients.size;
  }

  /** Ends every stream (shutdown: before the server waits for its connections to finish). */
  endAll(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.metrics.sseClients.set(0);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.endAll();
    await this.sub?.close();
    this.sub = undefined;
  }

  private broadcast(chunk: string): void {
    for (const c of this.clients) c.res.write(chunk);
  }

  /** Ends the streams whose credential no longer holds; a user whose role changed reconnects to be authorized anew. */
  private async revalidate(which: (c: Client) => boolean): Promise<void> {
    const checks = [...this.clients].filter((c) => c.revalidate && which(c));
    const fresh = await Promise.all(checks.map((c) => c.revalidate!()));
    checks.forEach((c, i) => {
      const now = fresh[i];
      if (now && now.role === c.user.role) {
        c.user = now;
        return;
      }
      this.logger.info({ userId: c.user.id, why: now ? 'role changed' : 'credential revoked' }, 'event stream ended');
      this.clients.delete(c);
      c.res.end();
    });
    this.metrics.sseClients.set(this.clients.size);
  }

  /**
   * Replays what a reconnecting client missed after `after` (Last-Event-ID), filtered
   * like live events; when that is no longer kept, tells it to re-read the state
   * (`resync`, carrying the newest id to resume from next time).
   */
  private async resume(c: Client, after: number): Promise<void> {
    try {
      const r = await this.store.events.since(after).catch(() => ({ gap: true as const, newestId: after }));
      if ('gap' in r) {
        c.lastId = r.newestId;
        c.res.write(sseChunk(r.newestId, RESYNC_EVENT, JSON.stringify({ id: r.newestId, type: RESYNC_EVENT }), c.named));
        return;
      }
      c.lastId = after;
      for (const e of r.events) {
        const number = await this.numberOf(e);
        if (maySeeEvent(c.user, e, number)) c.res.write(chunkOf({ ...e, entry: shownEntry(c.user, e, number) }, c.named));
        c.lastId = e.id;
      }
    } finally {
      c.replaying = false;
    }
  }

  /** The number entry visibility needs for a supervision event, or a status change a supervision caused. */
  private async numberOf(e: BusEvent): Promise<NumberEntry | undefined> {
    const bySupervision = e.entry.kind === 'supervision' || (e.entry.kind === 'user' && e.entry.detail?.sessionId !== undefined);
    return bySupervision && e.scope.number !== undefined ? this.store.directory.getNumber(e.scope.number) : undefined;
  }

  private async dispatch(e: BusEvent): Promise<void> {
    if (this.clients.size === 0) return;
    if (e.entry.kind === 'user' && REVOKING.has(e.entry.type)) {
      const userId = e.entry.detail?.userId;
      await this.revalidate((c) => c.user.id === userId);
    }
    const number = await this.numberOf(e);
    const named = chunkOf(e, true);
    const unnamed = chunkOf(e, false);
    for (const c of this.clients) {
      if (c.replaying || e.id <= c.lastId) continue;
      if (maySeeEvent(c.user, e, number)) {
        const entry = shownEntry(c.user, e, number);
        c.res.write(entry === e.entry ? (c.named ? named : unnamed) : chunkOf({ ...e, entry }, c.named));
      }
      c.lastId = e.id;
    }
  }
}

function chunkOf(e: BusEvent, named: boolean): string {
  const payload: StreamEvent = { id: e.id, seq: e.seq, ...e.entry };
  return sseChunk(e.id, e.entry.type, JSON.stringify(payload), named);
}

function sseChunk(id: number, type: string, data: string, named: boolean): string {
  return named ? `id: ${id}\nevent: ${type}\ndata: ${data}\n\n` : `id: ${id}\ndata: ${data}\n\n`;
}
