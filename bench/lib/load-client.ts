/**
 * HTTP load generator, run as a child process (fork) so the clients do not share the
 * server's event loop: N concurrent clients over keep-alive connections (fetch), each
 * looping requests for a fixed time. The parent sends one LoadSpec, gets one
 * LoadResult back, and the process exits.
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

export interface LoadSpec {
  base: string;
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

async function expect(res: Response, status: number, what: string): Promise<string> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  return text;
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

  const one = async (c: LoadClient, i: number): Promise<void> => {
    const headers = { authorization: `Bearer ${c.token}` };
    if (spec.load.kind === 'get') {
      const path = spec.load.paths[i % spec.load.paths.length]!;
      const body = await expect(await fetch(spec.base + path, { headers }), 200, `GET ${path}`);
      bodyBytes = Buffer.byteLength(body);
      return;
    }
    if (spec.load.kind === 'walk') {
      const { path, expect: want } = spec.load;
      let seen = 0;
      let next: string | undefined;
      do {
        const url = next === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}cursor=${next}`;
        const page = JSON.parse(await expect(await fetch(spec.base + url, { headers }), 200, `GET ${url}`)) as { calls: unknown[]; next?: string };
        seen += page.calls.length;
        next = page.next;
      } while (next !== undefined);
      if (seen !== want) throw new Error(`walk of ${path}: ${seen} items, ${want} expected`);
      return;
    }
    const started = await expect(
      await fetch(`${spec.base}/v1/calls/${encodeURIComponent(c.callId)}/supervisions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ target: 'internal', mode: 'monitor' }),
      }),
      201,
      'POST supervision',
    );
    const id = (JSON.parse(started) as { id: string }).id;
    await expect(await fetch(`${spec.base}/v1/supervisions/${encodeURIComponent(id)}`, { method: 'DELETE', headers }), 200, 'DELETE supervision');
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
