import type { StreamEvent } from '../../contract';
import { RESYNC_EVENT } from '../../contract/values';
import type { ApiClient } from './client';
import { ApiClientError } from './errors';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  event(e: StreamEvent): void;
  /** The server could not replay what was missed: re-read the state. */
  resync(): void;
  status(s: StreamStatus, detail?: string): void;
  /** The token no longer works: the user must sign in again. */
  unauthorized(): void;
}

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

/**
 * The live event stream, opened with a single-use ticket (an EventSource cannot send
 * the bearer token, and a token must not be put in a URL). A ticket works once, so the
 * browser's own reconnect (same URL) would be refused: on any error the page closes
 * the EventSource itself, asks for a new ticket and reopens with the last event id it
 * saw, and the server replays what was missed (or says `resync`).
 */
export class LiveEvents {
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private stopped = false;
  private lastEventId = 0;
  private spareTicket: string | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly on: StreamHandlers,
  ) {}

  /**
   * Opens the stream so that it carries on from `lastEventId`: the id that came with a
   * ticket asked for before the state was read, so nothing in between is missed. That
   * ticket, still unused, opens the first connection.
   */
  start(lastEventId: number, ticket?: string): void {
    this.lastEventId = lastEventId;
    this.spareTicket = ticket;
    this.stopped = false;
    this.on.status('connecting');
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
  }

  /** Reconnects at once (the user asked, or the page came back online). */
  reconnectNow(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
    this.attempt = 0;
    void this.open();
  }

  private async open(): Promise<void> {
    let ticket: string;
    try {
      ticket = this.spareTicket ?? (await this.api.eventTicket()).ticket;
      this.spareTicket = undefined;
    } catch (err) {
      if (err instanceof ApiClientError && err.unauthorized) {
        this.on.unauthorized();
        return;
      }
      this.retry(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.stopped) return;
    const es = new EventSource(this.api.eventsUrl(ticket, this.lastEventId));
    this.source = es;
    es.onopen = () => {
      this.attempt = 0;
      this.on.status('live');
    };
    es.onmessage = (m: MessageEvent<string>) => this.message(m);
    es.onerror = () => {
      if (this.source !== es) return;
      es.close();
      this.source = undefined;
      this.retry('the live connection was lost');
    };
  }

  private message(m: MessageEvent<string>): void {
    let data: StreamEvent | { id: number; type: typeof RESYNC_EVENT };
    try {
      data = JSON.parse(m.data) as typeof data;
    } catch {
      return;
    }
    if (typeof data.id === 'number') this.lastEventId = data.id;
    if (data.type === RESYNC_EVENT) this.on.resync();
    else this.on.event(data as StreamEvent);
  }

  private retry(why: string): void {
    if (this.stopped) return;
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt += 1;
    // Jitter, so that every page of a contact center does not come back in the same instant.
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    this.on.status('reconnecting', why);
    this.timer = setTimeout(() => void this.open(), wait);
  }
}
