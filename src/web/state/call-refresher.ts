import type { CallView } from '../../contract';
import type { ApiClient } from '../api/client';
import { ApiClientError } from '../api/errors';
import type { CallsBook } from './calls-book';

/** Past this many changed calls at once, one listing is cheaper than one request each. */
const RELOAD_ALL_OVER = 60;
const CONCURRENCY = 6;

/**
 * Keeps the calls book current from the event stream. An event says *that* a call
 * changed; the call is read again (GET /v1/calls/:id, which the server shapes for this
 * user: visibility, actions), so the page never works out a call's state itself.
 * Changes are coalesced: each call is read at most once at a time, and a burst
 * becomes one listing.
 */
export class CallRefresher {
  private readonly dirty = new Set<string>();
  private running = false;
  private reloadAll = false;

  constructor(
    private readonly api: ApiClient,
    private readonly book: CallsBook,
    private readonly onFetched: (c: CallView) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  touch(callId: string): void {
    this.dirty.add(callId);
    this.kick();
  }

  /** Reads the whole listing again (after a resync or a reconnect that could not resume). */
  all(): void {
    this.reloadAll = true;
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // Let the events of the same burst arrive first.
    setTimeout(() => void this.drain(), 0);
  }

  private async drain(): Promise<void> {
    try {
      while (this.reloadAll || this.dirty.size > 0) {
        if (this.reloadAll || this.dirty.size > RELOAD_ALL_OVER) {
          this.reloadAll = false;
          this.dirty.clear();
          this.book.replaceAll(await this.api.calls());
          continue;
        }
        const ids = [...this.dirty].slice(0, CONCURRENCY);
        for (const id of ids) this.dirty.delete(id);
        await Promise.all(ids.map((id) => this.readOne(id)));
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }

  private async readOne(id: string): Promise<void> {
    try {
      const c = await this.api.call(id);
      this.book.put(c);
      this.onFetched(c);
    } catch (err) {
      if (err instanceof ApiClientError && err.code === 'call_not_found') this.book.remove(id);
      else throw err;
    }
  }
}
