import type { StreamStatus } from '../api/event-stream';
import { Observable } from './observable';

/** Whether the page is live: the event stream's state, and the last error reading the API. */
export class Connection extends Observable {
  stream: StreamStatus | 'off' = 'off';
  detail = '';
  /** Set while the stream has been lost at least once since the page was last live. */
  lost = false;
  error = '';

  setStream(s: StreamStatus, detail = ''): void {
    if (s === 'reconnecting') this.lost = true;
    this.stream = s;
    this.detail = detail;
    this.changed();
  }

  setError(message: string): void {
    this.error = message;
    this.changed();
  }

  reset(): void {
    this.stream = 'off';
    this.lost = false;
    this.error = '';
    this.detail = '';
    this.changed();
  }
}
