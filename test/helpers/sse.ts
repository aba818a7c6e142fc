import http from 'node:http';

export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** A Server-Sent-Events client over plain node:http, collecting parsed events. */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  private buf = '';
  private req: http.ClientRequest | undefined;
  private ended = false;
  private readonly endListeners: (() => void)[] = [];

  static open(port: number, token: string): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      c.req = http.get({ host: '127.0.0.1', port, path: '/v1/events', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        // The hub writes a first comment at once: the stream is open.
        res.once('data', () => resolve(c));
        res.on('error', () => undefined);
        res.on('close', () => c.markEnded(c));
      });
      c.req.on('error', reject);
    });
  }

  /**
   * The stream at `path` (e.g. /v1/events?ticket=…) with these headers; resolves on the
   * first bytes, or on a refusal (then `status` is the 4xx and `body` its JSON).
   */
  static openPath(port: number, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      c.req = http.get({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        if (c.status !== 200) {
          let body = '';
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            c.body = body;
            resolve(c);
          });
          return;
        }
        res.on('data', (chunk: string) => c.feed(chunk));
        res.once('data', () => resolve(c));
        res.on('error', () => undefined);
        res.on('close', () => c.markEnded(c));
      });
      c.req.on('error', reject);
    });
  }

  /** The body of a refused stream request. */
  body = '';

  private feed(chunk: string): void {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || !line.includes(':')) continue;
        const k = line.slice(0, line.indexOf(':'));
        fields[k] = line.slice(line.indexOf(':') + 1).trimStart();
      }
      if (fields.data !== undefined) {
        this.events.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) as Record<string, unknown> });
      }
    }
  }

  /** Calls `fn` once the server ends the stream (at once if it already has). */
  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else this.endListeners.push(fn);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private markEnded(c: SseClient): void {
    c.ended = true;
    for (const fn of c.endListeners.splice(0)) fn();
  }

  types(): string[] {
    return this.events.map((e) => e.event);
  }

  close(): void {
    this.req?.destroy();
  }
}
