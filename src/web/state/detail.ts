import type { CallView, TimelineEventView } from '../../contract';
import type { ApiClient } from '../api/client';
import { ApiClientError } from '../api/errors';
import { Observable } from './observable';

/**
 * The call whose details are open, as GET /v1/calls/:id shapes it for this user (with
 * the actions allowed on each participant), and its timeline, kept live.
 */
export class CallDetail extends Observable {
  callId: string | undefined;
  call: CallView | undefined;
  timeline: TimelineEventView[] = [];
  error: ApiClientError | undefined;
  loading = false;
  /** The call ended while it was open: its last view stays on screen, marked ended. */
  ended = false;

  constructor(private readonly api: ApiClient) {
    super();
  }

  async open(callId: string): Promise<void> {
    if (this.callId === callId && (this.call || this.loading)) return;
    this.callId = callId;
    this.call = undefined;
    this.timeline = [];
    this.error = undefined;
    this.ended = false;
    this.loading = true;
    this.changed();
    try {
      const [call, timeline] = await Promise.all([this.api.call(callId), this.api.timeline(callId)]);
      if (this.callId !== callId) return;
      this.call = call;
      this.ended = call.state === 'ended';
      this.mergeTimeline(timeline);
    } catch (err) {
      if (this.callId !== callId) return;
      this.error = err instanceof ApiClientError ? err : new ApiClientError('bad_response', String(err), 0);
    } finally {
      if (this.callId === callId) {
        this.loading = false;
        this.changed();
      }
    }
  }

  close(): void {
    this.callId = undefined;
    this.call = undefined;
    this.timeline = [];
    this.error = undefined;
    this.changed();
  }

  /** A fresh view of the open call (from the refresher). */
  update(c: CallView): void {
    if (c.id !== this.callId) return;
    this.call = c;
    this.ended = c.state === 'ended';
    this.changed();
  }

  /** The open call is gone from the live calls. */
  markEnded(callId: string): void {
    if (callId !== this.callId || !this.call) return;
    this.ended = true;
    this.changed();
  }

  /** Timeline entries from the stream (events with seq > 0 are on the call's timeline). */
  addEvent(e: TimelineEventView): void {
    if (e.callId !== this.callId || e.seq <= 0) return;
    this.mergeTimeline([e]);
    this.changed();
  }

  private mergeTimeline(events: readonly TimelineEventView[]): void {
    const bySeq = new Map(this.timeline.map((e) => [e.seq, e]));
    for (const e of events) bySeq.set(e.seq, e);
    this.timeline = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}
