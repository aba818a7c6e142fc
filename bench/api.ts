/**
 * The API with 1,000 live calls: the real store on a private redis-server, the real
 * supervision service and Fastify app (test/helpers/world.ts), recording SIP and media
 * doubles. Measures, against GET /healthz on the same server:
 *   - p50/p95/p99 and req/s of GET /v1/calls (its first page, the default size), a walk
 *     of all the calls page by page (`next` cursors), GET /v1/calls/:id and a supervision
 *     start→stop cycle (POST then DELETE) under N concurrent keep-alive clients, which
 *     run in a child process (bench/lib/load-client.ts) so they do not share the
 *     server's event loop;
 *   - supervision start latency (request sent → SignalingPort.dialSupervisor called) and
 *     mode-switch latency (PATCH sent → MediaPort.applyPlan called), one request at a time,
 *     timed in this process with hrtime;
 *   - the floor of the two listing rows: the same load client against a bare node:http
 *     server that sends the bodies the app sent (the client's own fetch and JSON.parse);
 *   - heap per live call: heapUsed after gc() around loading the calls into the service
 *     (service.callChanged → its owned-calls map), against the same records as plain
 *     objects in an array.
 *
 *   npm run bench -- api      (or: node --expose-gc --import tsx bench/api.ts)
 *   BENCH_API_CLIENTS=8 BENCH_API_SECONDS=4 BENCH_API_CALLS=1000 BENCH_API_SAMPLES=300
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DialEvent, DialRequest } from '../src/app';
import {
  Call,
  CompiledPlan,
  addRinging,
  endCall,
  newCall,
  participantAnswered,
  setHeld,
  startTransfer,
  transferTargetAnswered,
} from '../src/domain';
import { CALLS_PAGE } from '../src/contract';
import type { CallRecord } from '../src/store';
import { startRedis } from '../test/helpers/redis';
import { LEGAL, SALES, makeWorld, supervisorToken } from '../test/helpers/world';
import type { HttpClientKind, LoadResult, LoadSpec } from './lib/load-client';
import { Row, gcOrThrow, heapUsed, nowMs, percentile, printTable, runIfMain, sleep } from './lib/report';

const CALLS = Number(process.env.BENCH_API_CALLS ?? 1000);
const CLIENTS = Number(process.env.BENCH_API_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 4);
const SAMPLES = Number(process.env.BENCH_API_SAMPLES ?? 300);
/** The load's HTTP client: node:http (default) or fetch (undici), bench/lib/load-client.ts. */
const CLIENT: HttpClientKind = process.env.BENCH_API_CLIENT === 'fetch' ? 'fetch' : 'http';

const callId = (i: number): string => `call-${i.toString().padStart(5, '0')}`;

/**
 * Call i of the load: 1 in 10 on the unsupervisable Legal number, 1 in 10 held, 1 in 10
 * ringing a blind transfer, 1 in 10 in an attended transfer's consultation; the rest active.
 * Every call has its own agent (an agent is on one call at a time).
 */
export function benchCall(i: number, id = callId(i)): Call {
  const agent = `agent-${i.toString().padStart(5, '0')}`;
  const kind = i % 10;
  let c = newCall({
    id,
    direction: i % 4 === 3 ? 'outbound' : 'inbound',
    number: kind === 5 ? LEGAL : SALES,
    emergency: false,
    customer: { id: 'c1', address: `+346${(10_000_000 + i).toString()}` },
  });
  c = addRinging(c, { id: 'a1', kind: 'internal', userId: agent, address: `sip:${agent}@10.0.0.${(i % 250) + 1}`, origin: 'call' });
  c = participantAnswered(c, 'a1');
  if (kind === 7) c = setHeld(c, 'a1', true);
  if (kind === 8 || kind === 9) {
    const other = `agent-b${i.toString().padStart(5, '0')}`;
    c = addRinging(c, { id: 'a2', kind: 'internal', userId: other, address: `sip:${other}@10.0.1.1`, origin: kind === 8 ? 'transfer' : 'consult' });
    c = startTransfer(c, { kind: kind === 8 ? 'blind' : 'attended', by: 'a1', target: 'a2' });
    if (kind === 9) c = transferTargetAnswered(c);
  }
  return c;
}

/** Calls a supervisor may start monitoring the agent of (Sales, agent connected, no transfer). */
const supervisable = (i: number): boolean => [0, 1, 2, 3, 4, 6].includes(i % 10);

function loadInChild(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'lib', 'load-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    let result: LoadResult | undefined;
    child.once('message', (m) => (result = m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load client exited with ${code} and no result`))));
    child.send(spec);
  });
}

/**
 * The listing rows' floor: the first page and the pages of a walk as the app answered
 * them (one supervisor's), served again by a bare node:http server in this process, to
 * the same load client. What is left is the client's own work (fetch, decoding and
 * parsing ~270 KB per page of 500) and the loopback; the app's answer cannot be faster.
 */
async function listingFloor(
  base: string,
  token: string,
  walkPath: string,
  loads: (floorBase: string) => { list: () => Promise<LoadResult>; walk: () => Promise<LoadResult> },
): Promise<{ list: LoadResult; walk: LoadResult }> {
  const headers = { authorization: `Bearer ${token}` };
  const bodies = new Map<string, Buffer>();
  const read = async (path: string): Promise<Buffer> => {
    const res = await fetch(base + path, { headers });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    bodies.set(path, body);
    return body;
  };
  await read('/v1/calls');
  let next = (JSON.parse((await read(walkPath)).toString()) as { next?: string }).next;
  while (next !== undefined) next = (JSON.parse((await read(`${walkPath}&cursor=${next}`)).toString()) as { next?: string }).next;
  const bare = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const run = loads(`http://127.0.0.1:${(bare.address() as AddressInfo).port}`);
    return { list: await run.list(), walk: await run.walk() };
  } finally {
    await new Promise((resolve) => bare.close(resolve));
  }
}

export async function main(): Promise<void> {
  gcOrThrow();
  const redis = await startRedis();
  // Supervisors: one per load client, plus two for the one-at-a-time latency runs.
  const w = await makeWorld(redis, { refresh: true, extraSupervisors: CLIENTS + 2 });
  try {
    // Lean doubles: the recording ones keep every plan and dial, which the heap figure must not count.
    const listeners = new Map<string, (e: DialEvent) => void>();
    let onDial: ((req: DialRequest) => void) | undefined;
    let onPlan: ((callId: string, plan: CompiledPlan) => void) | undefined;
    w.signaling.dialSupervisor = async (req, onEvent) => {
      onDial?.(req);
      listeners.set(req.sessionId, onEvent);
    };
    w.signaling.hangupSupervisor = async (sessionId) => {
      listeners.delete(sessionId);
    };
    w.media.applyPlan = async (id, plan) => {
      onPlan?.(id, plan);
    };

    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;

    // Warm the paths the load uses (scripts loaded, pools open), then end those calls.
    for (let i = 0; i < 20; i++) await w.service.callChanged(benchCall(i, `warm-${i}`), { type: 'call_answered' });
    for (let i = 0; i < 20; i++) await w.service.callChanged(endCall(benchCall(i, `warm-${i}`)), { type: 'call_ended' });
    await w.service.idle();

    // ---- heap per live call ----
    const before = await heapUsed();
    const BATCH = 50;
    for (let i = 0; i < CALLS; i += BATCH) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(CALLS, i + BATCH); j++) batch.push(w.service.callChanged(benchCall(j), { type: 'call_answered' }));
      await Promise.all(batch);
    }
    await w.service.idle();
    const after = await heapUsed();
    const perCall = (after - before) / CALLS;

    const plainBefore = await heapUsed();
    const at = new Date().toISOString();
    let plain: CallRecord[] | undefined = [];
    for (let i = 0; i < CALLS; i++) {
      plain.push(JSON.parse(JSON.stringify({ call: benchCall(i), owner: 'instance-1', startedAt: at, updatedAt: at })) as CallRecord);
    }
    const plainAfter = await heapUsed();
    const perPlain = (plainAfter - plainBefore) / plain.length;
    plain = undefined;

    const listed = await (await fetch(`${base}/v1/calls?limit=${CALLS_PAGE.max}`, { headers: { authorization: `Bearer ${supervisorToken(0)}` } })).json() as { calls: unknown[]; next?: string };
    if (listed.calls.length !== Math.min(CALLS, CALLS_PAGE.max)) throw new Error(`GET /v1/calls lists ${listed.calls.length} calls on its first page`);

    // ---- one request at a time, timed in this process ----
    const latencySup = CLIENTS; // sup0NN with NN = CLIENTS, CLIENTS + 1
    const tokenA = supervisorToken(latencySup);
    const tokenB = supervisorToken(latencySup + 1);
    const supCalls = Array.from({ length: CALLS }, (_, i) => i).filter(supervisable);
    const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
    const json = (token: string): Record<string, string> => ({ ...bearer(token), 'content-type': 'application/json' });

    const healthRtt: number[] = [];
    for (let i = 0; i < 50; i++) await (await fetch(`${base}/healthz`)).text();
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = nowMs();
      await (await fetch(`${base}/healthz`)).text();
      healthRtt.push(nowMs() - t0);
    }

    // Supervision start: request sent → dialSupervisor called; then stop it (not timed).
    const startLat: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i++) {
      const id = callId(supCalls[(i * 7) % supCalls.length]!);
      let dialedAt = NaN;
      onDial = () => (dialedAt = nowMs());
      const t0 = nowMs();
      const res = await fetch(`${base}/v1/calls/${id}/supervisions`, { method: 'POST', headers: json(tokenA), body: JSON.stringify({ target: 'internal', mode: 'monitor' }) });
      const body = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`POST supervision: ${res.status} ${JSON.stringify(body)}`);
      if (i >= 20) startLat.push(dialedAt - t0);
      onDial = undefined;
      const del = await fetch(`${base}/v1/supervisions/${body.id}`, { method: 'DELETE', headers: bearer(tokenA) });
      await del.text();
      if (del.status !== 200) throw new Error(`DELETE supervision: ${del.status}`);
    }

    // Mode switch: one joined coach-capable session, PATCH monitor ⇄ coach; sent → applyPlan called for the call.
    const switchCall = callId(supCalls[1]!);
    const started = await fetch(`${base}/v1/calls/${switchCall}/supervisions`, { method: 'POST', headers: json(tokenB), body: JSON.stringify({ target: 'internal', mode: 'monitor' }) });
    const session = (await started.json()) as { id: string };
    if (started.status !== 201) throw new Error(`POST supervision: ${started.status} ${JSON.stringify(session)}`);
    listeners.get(session.id)!({ type: 'answered' });
    await w.service.idle();
    const switchLat: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i++) {
      const mode = i % 2 === 0 ? 'coach' : 'monitor';
      let appliedAt = NaN;
      onPlan = (id) => {
        if (id === switchCall && Number.isNaN(appliedAt)) appliedAt = nowMs();
      };
      const t0 = nowMs();
      const res = await fetch(`${base}/v1/supervisions/${session.id}`, { method: 'PATCH', headers: json(tokenB), body: JSON.stringify({ mode }) });
      const body = (await res.json()) as { mode?: string; state?: string };
      if (res.status !== 200 || body.mode !== mode || body.state !== 'active') throw new Error(`PATCH ${mode}: ${res.status} ${JSON.stringify(body)}`);
      if (i >= 20) switchLat.push(appliedAt - t0);
      onPlan = undefined;
    }
    await (await fetch(`${base}/v1/supervisions/${session.id}`, { method: 'DELETE', headers: bearer(tokenB) })).text();

    // ---- under load: N clients in a child process ----
    const clients = Array.from({ length: CLIENTS }, (_, i) => ({ token: supervisorToken(i), callId: callId(supCalls[(i * 13) % supCalls.length]!) }));
    const common = { base, clients, client: CLIENT, warmupMs: 500, durationMs: SECONDS * 1000 };
    const health = await loadInChild({ ...common, load: { kind: 'get', paths: ['/healthz'] } });
    const list = await loadInChild({ ...common, load: { kind: 'get', paths: ['/v1/calls'] } });
    // A client that wants every call asks for the largest pages.
    const walk = await loadInChild({ ...common, load: { kind: 'walk', path: `/v1/calls?limit=${CALLS_PAGE.max}`, expect: CALLS } });
    const detail = await loadInChild({ ...common, load: { kind: 'get', paths: Array.from({ length: CALLS }, (_, i) => `/v1/calls/${callId((i * 37) % CALLS)}`) } });
    const cycle = await loadInChild({ ...common, load: { kind: 'cycle' } });
    // The listings' floor: the same client load against a bare HTTP server that only sends the bytes the app sent.
    const floor = await listingFloor(base, supervisorToken(0), `/v1/calls?limit=${CALLS_PAGE.max}`, (floorBase) => ({
      list: () => loadInChild({ ...common, base: floorBase, load: { kind: 'get', paths: ['/v1/calls'] } }),
      walk: () => loadInChild({ ...common, base: floorBase, load: { kind: 'walk', path: `/v1/calls?limit=${CALLS_PAGE.max}`, expect: CALLS } }),
    }));
    for (const [name, r] of [['healthz', health], ['GET /v1/calls', list], ['walk /v1/calls', walk], ['GET /v1/calls/:id', detail], ['start→stop', cycle], ['floor: first page', floor.list], ['floor: walk', floor.walk]] as const) {
      if (r.errors > 0) throw new Error(`${name}: ${r.errors} failed requests, first: ${r.firstError}`);
    }

    const rows: Row[] = [];
    const loadAgainst = `GET /healthz under the same load (${CLIENTS} clients, same server, same run)`;
    const rate = (r: LoadResult): number => (r.latencies.length / r.windowMs) * 1000;
    const pages = Math.ceil(CALLS / CALLS_PAGE.max);
    const loads = [
      [`GET /v1/calls first page (${CALLS_PAGE.default})`, list, 'req/s'],
      [`walk all ${CALLS} calls (${pages} pages of ${CALLS_PAGE.max})`, walk, 'walks/s'],
      ['GET /v1/calls/:id', detail, 'req/s'],
      ['start→stop cycle', cycle, 'cycles/s'],
    ] as const;
    for (const [label, r, unit] of loads) {
      for (const p of [50, 95, 99]) {
        rows.push({ metric: `${label} p${p}`, unit: 'ms', value: percentile(r.latencies, p), baseline: percentile(health.latencies, p), against: loadAgainst });
      }
      rows.push({ metric: `${label} throughput`, unit, value: rate(r), baseline: rate(health), against: loadAgainst });
    }
    const rttAgainst = 'GET /healthz round trip, one request at a time (same server, same run)';
    for (const p of [50, 95]) {
      rows.push({ metric: `supervision start → dialSupervisor p${p}`, unit: 'ms', value: percentile(startLat, p), baseline: percentile(healthRtt, p), against: rttAgainst });
    }
    for (const p of [50, 95]) {
      rows.push({ metric: `mode switch PATCH → applyPlan p${p}`, unit: 'ms', value: percentile(switchLat, p), baseline: percentile(healthRtt, p), against: rttAgainst });
    }
    rows.push({ metric: 'heap per live call (service owned-calls map)', unit: 'bytes', value: perCall, baseline: perPlain, against: `the same ${CALLS} call records as plain objects in an array` });

    printTable(`api: ${CALLS} live calls in Redis, ${CLIENTS} concurrent HTTP clients (${CLIENT === 'http' ? 'node:http' : 'fetch'}) on 127.0.0.1`, rows, [
      `load: ${SECONDS} s per endpoint after 0.5 s warm-up; GET /v1/calls answers ${(list.bodyBytes / 1024).toFixed(0)} KiB (${CALLS_PAGE.default} of ${CALLS} calls); ` +
        `samples: ${list.latencies.length} / ${walk.latencies.length} / ${detail.latencies.length} / ${cycle.latencies.length} (healthz ${health.latencies.length})`,
      `targets (issue 11): first page p99 ≤ 20 ms → ${percentile(list.latencies, 99).toFixed(1)} ms; walk of all ${CALLS} calls p95 ≤ 100 ms → ${percentile(walk.latencies, 95).toFixed(1)} ms`,
      `floor: the same load against a bare node:http server sending the same bodies (no auth, Redis or views): first page p50/p99 ` +
        `${percentile(floor.list.latencies, 50).toFixed(1)}/${percentile(floor.list.latencies, 99).toFixed(1)} ms; walk p50/p95 ` +
        `${percentile(floor.walk.latencies, 50).toFixed(1)}/${percentile(floor.walk.latencies, 95).toFixed(1)} ms (${rate(floor.walk).toFixed(0)} walks/s)`,
      `one at a time: ${SAMPLES} samples each after 20 warm-up; heap: ${((after - before) / 1048576).toFixed(1)} MiB for ${CALLS} calls ` +
        `(plain: ${((plainAfter - plainBefore) / 1048576).toFixed(1)} MiB)`,
    ]);
  } finally {
    await w.close();
    await redis.stop();
  }
}

runIfMain(module, main);
