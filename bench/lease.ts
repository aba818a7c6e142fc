/**
 * The lease renewal with 1,000 live calls (issue 11): what one tick of the lease
 * refresher (every LOCK_TTL / 3) costs the app and Redis, and what it does to API
 * requests that arrive meanwhile. The app is built as the API tests build it
 * (test/helpers/world.ts, private redis-server), the refresher's timer off so that
 * every tick here is one this bench started. Rows:
 *   - tick: wall time of one renewal of every owned call, and the app CPU it took;
 *   - longest event-loop block during a tick (monitorEventLoopDelay, 1 ms resolution);
 *   - bytes the app sent Redis per tick (INFO stats total_net_input_bytes) and the time
 *     Redis spent on its commands (INFO commandstats);
 *   - GET /v1/calls/:id latency while ticks run back to back.
 * Baseline: the renewal as it was before issue 11's fix (CallStore.refresh: one
 * script per call, each resending the whole record), measured in the same run; for
 * the request latency, the same requests with no renewal running.
 *
 *   npm run bench -- lease     (or: node --expose-gc --import tsx bench/lease.ts)
 *   BENCH_LEASE_CALLS=1000 BENCH_LEASE_TICKS=30
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRedis } from '../test/helpers/redis';
import { makeWorld, supervisorToken } from '../test/helpers/world';
import { benchCall } from './api';
import { Row, nowMs, percentile, printTable, runIfMain, sleep } from './lib/report';

const CALLS = Number(process.env.BENCH_LEASE_CALLS ?? 1000);
const TICKS = Number(process.env.BENCH_LEASE_TICKS ?? 30);
/** Ticks closer together than LOCK_TTL / 3 (10 s), so that 3 s of requests meet several. */
const TICK_EVERY_MS = 250;

interface TickFigures {
  wall: number[];
  cpu: number[];
  block: number[];
  bytes: number[];
  redisMs: number[];
}

export async function main(): Promise<void> {
  const server = await startRedis();
  const w = await makeWorld(server, { refresh: false, extraSupervisors: 1 });
  try {
    w.media.applyPlan = async () => undefined;
    for (let i = 0; i < CALLS; i += 50) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(CALLS, i + 50); j++) batch.push(w.service.callChanged(benchCall(j), { type: 'call_answered' }));
      await Promise.all(batch);
    }
    await w.service.idle();
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${supervisorToken(0)}` };

    const owned = await w.store.calls.list({}, Date.now());
    if (owned.length !== CALLS) throw new Error(`${owned.length} live calls stored, not ${CALLS}`);
    const before = async (): Promise<void> => {
      // The tick as it was: CallStore.refresh (one script per call, record resent), then the timelines.
      await w.store.calls.refresh(owned, Date.now());
      await w.store.timeline.touch(owned.map((r) => r.call.id));
    };
    const after = (): Promise<void> => w.service.renewLeases();

    /** CPU time Redis spent in commands so far (INFO commandstats, every command's usec). */
    const redisUsec = async (): Promise<number> => [...(await w.redis.info('commandstats')).matchAll(/,usec=(\d+),/g)].reduce((a, m) => a + Number(m[1]), 0);
    const inputBytes = async (): Promise<number> => Number(/total_net_input_bytes:(\d+)/.exec(await w.redis.info('stats'))?.[1] ?? NaN);
    const ticks = async (tick: () => Promise<void>): Promise<TickFigures> => {
      const f: TickFigures = { wall: [], cpu: [], block: [], bytes: [], redisMs: [] };
      for (let i = 0; i < 3; i++) await tick(); // warm: scripts loaded, code compiled
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      for (let i = 0; i < TICKS; i++) {
        const b0 = await inputBytes();
        const r0 = await redisUsec();
        h.reset();
        const c0 = process.cpuUsage();
        const t0 = nowMs();
        await tick();
        f.wall.push(nowMs() - t0);
        const c = process.cpuUsage(c0);
        f.cpu.push((c.user + c.system) / 1000);
        f.block.push(h.max / 1e6);
        f.bytes.push((await inputBytes()) - b0);
        f.redisMs.push(((await redisUsec()) - r0) / 1000);
      }
      h.disable();
      return f;
    };

    /** GET /v1/calls/:id one after another for `ms`, with a tick every TICK_EVERY_MS (or none). */
    const requests = async (ms: number, tick?: () => Promise<void>): Promise<number[]> => {
      let stop = false;
      const ticking = (async () => {
        while (tick && !stop) {
          await tick();
          await sleep(TICK_EVERY_MS);
        }
      })();
      const lat: number[] = [];
      const end = nowMs() + ms;
      for (let i = 0; nowMs() < end; i++) {
        const t0 = nowMs();
        const res = await fetch(`${base}/v1/calls/${owned[i % owned.length]!.call.id}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET /v1/calls/:id answered ${res.status}`);
        lat.push(nowMs() - t0);
      }
      stop = true;
      await ticking;
      return lat;
    };

    const old = await ticks(before);
    const now = await ticks(after);
    const idle = await requests(3000);
    const withOld = await requests(3000, before);
    const withNew = await requests(3000, after);

    const against = 'per-call renewal (CallStore.refresh: one script per call, record resent), same run';
    const pair = (metric: string, unit: string, pick: (f: TickFigures) => number): Row => ({ metric, unit, value: pick(now), baseline: pick(old), against });
    const rows: Row[] = [
      pair('tick, batched renewal, p50', 'ms', (f) => percentile(f.wall, 50)),
      pair('tick, batched renewal, max', 'ms', (f) => Math.max(...f.wall)),
      pair('app CPU per tick', 'ms', (f) => percentile(f.cpu, 50)),
      pair('longest event-loop block in a tick, p50', 'ms', (f) => percentile(f.block, 50)),
      pair('longest event-loop block in a tick, max', 'ms', (f) => Math.max(...f.block)),
      pair('bytes to Redis per tick', 'B', (f) => percentile(f.bytes, 50)),
      pair('Redis time per tick (commandstats)', 'ms', (f) => percentile(f.redisMs, 50)),
      { metric: 'GET /v1/calls/:id p99, a tick every 250 ms (batched)', unit: 'ms', value: percentile(withNew, 99), baseline: percentile(idle, 99), against: 'no renewal running' },
      { metric: 'GET /v1/calls/:id p99, a tick every 250 ms (per call)', unit: 'ms', value: percentile(withOld, 99), baseline: percentile(idle, 99), against: 'no renewal running' },
      { metric: 'GET /v1/calls/:id max, a tick every 250 ms (batched)', unit: 'ms', value: Math.max(...withNew), baseline: Math.max(...idle), against: 'no renewal running' },
      { metric: 'GET /v1/calls/:id max, a tick every 250 ms (per call)', unit: 'ms', value: Math.max(...withOld), baseline: Math.max(...idle), against: 'no renewal running' },
    ];
    printTable(`lease renewal, ${CALLS} live calls`, rows, [`${TICKS} ticks each after 3 warm-up; requests one at a time for 3 s per row, a tick every 250 ms (${idle.length}, ${withOld.length}, ${withNew.length} requests)`]);
  } finally {
    await w.close();
    await server.stop();
  }
}

runIfMain(module, main);
