import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { NumberEntry, User } from '../domain';
import type { BusEvent, Store, Subscription } from '../store';
import type { Metrics } from '../app/metrics';
import { maySeeEvent } from '../app/visibility';
import type { StreamEvent } from './contract';

interface Client {
  user: User;
  res: ServerResponse;
}

/**
 * GET /v1/events: one Redis subscription per app instance, fanned out to this
 * instance's Server-Sent-Event clients, each receiving only what its user may see
 * (app/visibility). Events are dispatched one at a time in arrival order, which is the
 * order of their global ids, so every client sees a gap-free increasing subsequence.
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
      this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), this.heartbeatMs);
      this.heartbeat.unref();
    }
    return this.sub.ready;
  }

  /** Takes over a hijacked response and streams to it until the client goes away. */
  add(user: User, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    const client: Client = { user, res };
    this.clients.add(client);
    this.metrics.sseClients.set(this.clients.size);
    res.on('close', () => {
      this.clients.delete(client);
      this.metrics.sseClients.set(this.clients.size);
    });
  }

  get size(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await this.sub?.close();
    this.sub = undefined;
  }

  private broadcast(chunk: string): void {
    for (const c of this.clients) c.res.write(chunk);
  }

  private async dispatch(e: BusEvent): Promise<void> {
    if (this.clients.size === 0) return;
    let number: NumberEntry | undefined;
    if (e.entry.kind === 'supervision' && e.scope.number !== undefined) number = await this.store.directory.getNumber(e.scope.number);
    const payload: StreamEvent = { id: e.id, seq: e.seq, ...e.entry };
    const chunk = `id: ${e.id}\nevent: ${e.entry.type}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of this.clients) {
      if (maySeeEvent(c.user, e, number)) c.res.write(chunk);
    }
  }
}
