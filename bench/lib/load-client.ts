import http from 'node:http';

/**
 * HTTP load generator, run as a child process (fork) so the clients do not share the
 * server's event loop: N concurrent clients, each on its own keep-alive connection,
 * looping requests for a fixed time. The parent sends one LoadSpec, gets one
 * LoadResult back, and the process exits.
 *
 * The client is `node:http` by default (what a server-side integration uses); `fetch`
 * (undici) is kept to compare with: its `text()` decodes a 270 KB page through
 * TextDecoder, so eight walkers on this one event loop spent more CPU reading the
 * listing than the server spent answering it (bench/README.md, the call list).
 */

export interface LoadClient {
  token: string;
  /** Call this client works on (detail and supervision cycles). */
  callId: string;
}

export type LoadKind =
  /** GET `paths[i % paths.length]`, i counting this client's requests. */
  | { kind: 'get'; paths: string[] }
  /** POST /v1/calls/:callId/supervisions (monitor), then DELETE /v1/supervisions/:id: one sample per cycle. */
  | { kind: 'cycle' }
  /** GET `path`, then its `next` pages (`cursor=`) to the end: one sample per walk; `expect` items in all. */
  | { kind: 'walk'; path: string; expect: number };

export type HttpClientKind = 'http' | 'fetch';

export interface LoadSpec {
  base: string;
  /** Which HTTP client sends the requests (default `http`). */
  client?: HttpClientKind;
  clients: LoadClient[];
  load: LoadKind;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Latency of each sample started after the warm-up, in ms. */
  latencies: number[];
  /** Measured window: from the end of the warm-up to the last sample's end, in ms. */
  windowMs: number;
  errors: number;
  firstError?: string;
  /** Bytes of the last response body (GET), for the note. */
  bodyBytes: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

interface Answer {
  status: number;
  text: string;
}

type Send = (method: string, url: string, headers: Record<string, string>, body?: string) => Promise<Answer>;

const viaFetch: Send = async (method, url, headers, body) => {
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, text: await res.text() };
};

/** One keep-alive connection per client, as fetch's pool gives each sequential client. */
function viaHttp(): Send {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (method, url, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

function expect(res: Answer, status: number, what: string): string {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
  return res.text;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const start = nowMs();
  const warmEnd = start + spec.warmupMs;
  const end = warmEnd + spec.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let lastEnd = warmEnd;
  let bodyBytes = 0;

  const senders = new Map(spec.clients.map((c) => [c, spec.client === 'fetch' ? viaFetch : viaHttp()]));
  const one = async (c: LoadClient, i: number): Promise<void> => {
    const send = senders.get(c)!;
    const headers = { authorization: `Bearer ${c.token}` };
    if (spec.load.kind === 'get') {
      const path = spec.load.paths[i % spec.load.paths.length]!;
      const body = expect(await send('GET', spec.base + path, headers), 200, `GET ${path}`);
      bodyBytes = Buffer.byteLength(body);
      return;
    }
    if (spec.load.kind === 'walk') {
      const { path, expect: want } = spec.load;
      let seen = 0;
      let next: string | undefined;
      do {
        const url = next === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}cursor=${next}`;
        const page = JSON.parse(expect(await send('GET', spec.base + url, headers), 200, `GET ${url}`)) as { calls: unknown[]; next?: string };
        seen += page.calls.length;
        next = page.next;
      } while (next !== undefined);
      if (seen !== want) throw new Error(`walk of ${path}: ${seen} items, ${want} expected`);
      return;
    }
    const started = expect(
      await send(
        'POST',
        `${spec.base}/v1/calls/${encodeURIComponent(c.callId)}/supervisions`,
        { ...headers, 'content-type': 'application/json' },
        JSON.stringify({ target: 'internal', mode: 'monitor' }),
      ),
      201,
      'POST supervision',
    );
    const id = (JSON.parse(started) as { id: string }).id;
    expect(await send('DELETE', `${spec.base}/v1/supervisions/${encodeURIComponent(id)}`, headers), 200, 'DELETE supervision');
  };

  await Promise.all(
    spec.clients.map(async (c) => {
      for (let i = 0; ; i++) {
        const t0 = nowMs();
        if (t0 >= end) return;
        try {
          await one(c, i);
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
          // A refused cycle leaves nothing to clean up, but do not spin on a broken server.
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const t1 = nowMs();
        if (t0 >= warmEnd) {
          latencies.push(t1 - t0);
          lastEnd = Math.max(lastEnd, t1);
        }
      }
    }),
  );
  return { latencies, windowMs: lastEnd - warmEnd, errors, ...(firstError ? { firstError } : {}), bodyBytes };
}

if (require.main === module && process.send) {
  process.once('message', (spec: LoadSpec) => {
    runLoad(spec).then(
      (r) => process.send!(r, () => process.exit(0)),
      (err: unknown) => process.send!({ latencies: [], windowMs: 0, errors: 1, firstError: String(err), bodyBytes: 0 }, () => process.exit(1)),
    );
  });
}
