/**
 * Heap per finished call (issue 14): a soak's heap grew ~0.55 MB/min, ~3 KB per
 * finished call and supervision. This runs N calls through the app as the API tests
 * build it (test/helpers/world.ts: real store on a private redis-server, service and
 * Fastify app; lean SIP and media doubles that keep nothing), each one the way a soak
 * sees it — answered, listed (GET /v1/calls, GET /v1/calls/:id), supervised (start,
 * answered, switch to coach, stop), ended — and reads heapUsed after gc() before and
 * after, and again a minute later (the listings' memos forget calls nobody listed for
 * that long). Baseline: the same figure for rounds with no calls (the requests alone),
 * so a row is what a finished call leaves behind.
 *
 *   npm run bench -- finished     (or: node --expose-gc --import tsx bench/finished-calls.ts)
 *   BENCH_FINISHED_CALLS=2000
 */
import { endCall } from '../src/domain';
import { startRedis } from '../test/helpers/redis';
import { makeWorld, supervisorToken } from '../test/helpers/world';
import { PARSED_IDLE_MS } from '../src/store/calls';
import { benchCall } from './api';
import { Row, gcOrThrow, heapUsed, printTable, runIfMain, sleep } from './lib/report';

const CALLS = Number(process.env.BENCH_FINISHED_CALLS ?? 2000);

/** Buffers' backing stores, outside the heap (read after heapUsed's gc()). */
const arrayBuffers = (): number => process.memoryUsage().arrayBuffers;

export async function main(): Promise<void> {
  gcOrThrow();
  const server = await startRedis();
  const w = await makeWorld(server, { refresh: false, extraSupervisors: 1 });
  try {
    const listeners = new Map<string, unknown>();
    w.signaling.dialSupervisor = async (req, onEvent) => void listeners.set(req.sessionId, onEvent);
    w.signaling.hangupSupervisor = async (id) => void listeners.delete(id);
    w.media.applyPlan = async () => undefined;
    w.media.playToMember = async () => undefined;
    const headers = { authorization: `Bearer ${supervisorToken(0)}` };
    const json = { ...headers, 'content-type': 'application/json' };

    /** Call i, start to end; `withCall` false runs the same requests on no call (the baseline). */
    const one = async (i: number, withCall: boolean): Promise<void> => {
      const id = `fin-${i.toString().padStart(6, '0')}`;
      // Sales calls whose agent is on the call: benchCall kinds 0–4 (supervisable, no transfer).
      const call = benchCall(i % 5, id);
      if (withCall) await w.service.callChanged(call, { type: 'call_answered' });
      await w.app.inject({ method: 'GET', url: '/v1/calls', headers });
      await w.app.inject({ method: 'GET', url: `/v1/calls/${id}`, headers });
      if (!withCall) return;
      const started = await w.app.inject({ method: 'POST', url: `/v1/calls/${id}/supervisions`, headers: json, payload: { target: 'internal', mode: 'monitor' } });
      if (started.statusCode !== 201) throw new Error(`start answered ${started.statusCode}: ${started.body}`);
      const sid = started.json().id as string;
      (listeners.get(sid) as (e: { type: 'answered' }) => void)({ type: 'answered' });
      await w.service.idle();
      const sw = await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${sid}`, headers: json, payload: { mode: 'coach' } });
      if (sw.statusCode !== 200) throw new Error(`switch answered ${sw.statusCode}: ${sw.body}`);
      await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${sid}`, headers });
      await w.service.callChanged(endCall(call), { type: 'call_ended' });
      await w.service.idle();
    };

    for (let i = 0; i < 200; i++) await one(i, true); // warm: code compiled, pools and caches at their steady size
    for (let i = 0; i < 200; i++) await one(i, false);
    const b0 = await heapUsed();
    for (let i = 0; i < CALLS; i++) await one(i, false);
    const b1 = await heapUsed();
    const c0 = await heapUsed();
    const x0 = arrayBuffers();
    for (let i = 200; i < 200 + CALLS; i++) await one(i, true);
    const c1 = await heapUsed();
    const x1 = arrayBuffers();
    // The listings' memos forget calls nobody listed for a minute (src/store/seen-map.ts):
    // past that, one listing sweeps them.
    await sleep(PARSED_IDLE_MS + 1000);
    await w.app.inject({ method: 'GET', url: '/v1/calls', headers });
    const c2 = await heapUsed();
    const x2 = arrayBuffers();
    const against = 'the same requests with no call';
    const rows: Row[] = [
      { metric: 'heap per finished call, just after', unit: 'bytes', value: (c1 - c0) / CALLS, baseline: (b1 - b0) / CALLS, against },
      { metric: 'heap per finished call, a minute later', unit: 'bytes', value: (c2 - c0) / CALLS, baseline: (b1 - b0) / CALLS, against },
      { metric: 'buffers (outside the heap) per finished call, just after', unit: 'bytes', value: (x1 - x0) / CALLS },
      { metric: 'buffers (outside the heap) per finished call, a minute later', unit: 'bytes', value: (x2 - x0) / CALLS },
    ];
    printTable(`heap per finished call, ${CALLS} calls`, rows, [
      `heapUsed after gc(): ${(c0 / 2 ** 20).toFixed(1)} → ${(c1 / 2 ** 20).toFixed(1)} MiB over the calls, ${(c2 / 2 ** 20).toFixed(1)} MiB a minute later`,
    ]);
  } finally {
    await w.close();
    await server.stop();
  }
}

runIfMain(module, main);
