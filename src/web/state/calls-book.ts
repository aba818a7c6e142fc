import type { CallView } from '../../contract';
import { Observable } from './observable';

/** The live calls the page knows, by id (what GET /v1/calls and GET /v1/calls/:id said last). */
export class CallsBook extends Observable {
  private readonly calls = new Map<string, CallView>();
  private cached: { version: number; list: CallView[] } | undefined;

  get size(): number {
    return this.calls.size;
  }

  get(id: string): CallView | undefined {
    return this.calls.get(id);
  }

  /** All calls, newest first; the same array until the next change. */
  list(): CallView[] {
    if (this.cached?.version !== this.version) {
      const list = [...this.calls.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id.localeCompare(b.id)));
      this.cached = { version: this.version, list };
    }
    return this.cached.list;
  }

  replaceAll(calls: readonly CallView[]): void {
    this.calls.clear();
    for (const c of calls) if (c.state !== 'ended') this.calls.set(c.id, c);
    this.changed();
  }

  /** Puts a fresh view in; an ended call leaves the live list. */
  put(c: CallView): void {
    if (c.state === 'ended') this.calls.delete(c.id);
    else this.calls.set(c.id, c);
    this.changed();
  }

  remove(id: string): void {
    if (this.calls.delete(id)) this.changed();
  }
}
