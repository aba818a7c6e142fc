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
      });
      c.req.on('error', reject);
    });
  }

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

  types(): string[] {
    return this.events.map((e) => e.event);
  }

  close(): void {
    this.req?.destroy();
  }
}
