/**
 * A concurrency plateau: BENCH_PLATEAU_CALLS (100, 200) calls up at once for
 * BENCH_PLATEAU_SEC (60 s) with RTP both ways, ramped at BENCH_PLATEAU_RAMP_RATE calls/s
 * (below the knee, so the ramp itself is no overload), on coachline and on the baseline
 * B2BUA in the same run, alternating. Measured over the plateau only (all calls up,
 * none ended yet): FreeSWITCH CPU per call, node CPU, heap per call (after a full GC,
 * against the same process idle before the ramp), Redis memory per call (coachline
 * only: the baseline keeps nothing there), and the calls that failed.
 *
 *   npm run bench -- plateau       (needs E2E_DRACHTIO_BIN, E2E_FREESWITCH_BIN, SIPp)
 */
import os from 'node:os';
import { loadBench, makeDirectory, startLoadStack, type LoadStack } from './lib/load-stack';
import { Row, nowMs, printTable, runIfMain, sleep } from './lib/report';
import { drained, quietBox, Sampler, type StepSamples, type System } from './lib/sampler';
import { prepareSipp, runCustomers, startUas, type StepResult } from './lib/sipp';
import { targetOf } from './lib/steps';

const LEVELS = (process.env.BENCH_PLATEAU_CALLS ?? '100,200').split(',').map(Number);
const PLATEAU_SEC = Number(process.env.BENCH_PLATEAU_SEC ?? 60);
const RAMP_RATE = Number(process.env.BENCH_PLATEAU_RAMP_RATE ?? 4);
/** The span measured: the plateau minus a margin on either side for the last set-ups and the first hang-ups. */
const MARGIN_SEC = 5;

interface Plateau {
  system: System;
  calls: number;
  result: StepResult;
  channels: number;
  conferences: number;
  /** % of one core over the measured span. */
  cpu: StepSamples['cpu'];
  heapPerCall: number;
  redisPerCall: number;
  leftover: { channels: number; conferences: number };
}

async function redisUsed(stack: LoadStack): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await stack.redis.info('memory'))?.[1] ?? NaN);
}

async function plateau(stack: LoadStack, dir: string, numbersCsv: string, system: System, calls: number, uasPid: number): Promise<Plateau> {
  const app = system === 'coachline' ? stack.coachline : stack.baseline;
  await quietBox(stack);
  const heap0 = (await app.stats(true)).heapUsed;
  const redis0 = await redisUsed(stack);
  const rampSec = calls / RAMP_RATE;
  // Every call lasts the ramp plus the plateau, so the first one ends as the plateau does.
  const holdMs = (rampSec + PLATEAU_SEC) * 1000;
  const t0 = nowMs();
  let uacPid = 0;
  const done = runCustomers({ dir, target: targetOf(system), numbersCsv, rate: RAMP_RATE, calls, holdMs, recvTimeoutMs: 20_000, onStart: (pid) => (uacPid = pid) });
  await sleep((rampSec + MARGIN_SEC) * 1000 - (nowMs() - t0));
  const channels = await stack.esl.channels();
  const conferences = await stack.esl.conferences();
  const sampler = new Sampler(stack, system, [uasPid, uacPid]);
  sampler.start();
  await sleep(((PLATEAU_SEC - 2 * MARGIN_SEC) * 1000) / 2);
  const heap = (await app.stats(true)).heapUsed;
  const redis = await redisUsed(stack);
  await sleep(((PLATEAU_SEC - 2 * MARGIN_SEC) * 1000) / 2);
  const { cpu } = await sampler.stop();
  const result = await done;
  const leftover = await drained(stack);
  await sleep(1000);
  return { system, calls, result, channels, conferences, cpu, heapPerCall: (heap - heap0) / calls, redisPerCall: (redis - redis0) / calls, leftover };
}

export function main(): Promise<void | 'skipped'> {
  return loadBench('plateau', async ({ dir, hold }) => {
    const max = Math.max(...LEVELS);
    const directory = makeDirectory(dir, Math.max(400, 2 * max), 0);
    prepareSipp(dir, max / RAMP_RATE + PLATEAU_SEC + 5);
    const stack = hold(await startLoadStack(dir, { directory }));
    const uas = hold(startUas(dir, 5060, 30000));
    process.stderr.write(`plateau: ${LEVELS.join(' and ')} calls for ${PLATEAU_SEC} s, ramped at ${RAMP_RATE}/s; coachline and baseline alternate\n`);
    // Warm-up, not counted.
    for (const system of ['coachline', 'baseline'] as const) await runCustomers({ dir, target: targetOf(system), numbersCsv: directory.numbersCsv, rate: 2, calls: 10, holdMs: 1000 });
    await drained(stack);

    const results: Plateau[] = [];
    for (const [i, calls] of LEVELS.entries()) {
      for (const system of (i % 2 === 0 ? ['coachline', 'baseline'] : ['baseline', 'coachline']) as System[]) {
        const p = await plateau(stack, dir, directory.numbersCsv, system, calls, uas.child.pid!);
        process.stderr.write(`  ${system} ${calls}: ${p.channels} channels, FS ${p.cpu.freeswitch.toFixed(0)} %, node ${p.cpu.node.toFixed(0)} %, other ${p.cpu.others.toFixed(0)} %, ${p.result.failed} failed\n`);
        results.push(p);
      }
    }

    const rows: Row[] = [];
    const against = 'bench/baseline-b2bua.ts, same FreeSWITCH, same run (no Redis, no plan, no API)';
    for (const calls of LEVELS) {
      const c = results.find((r) => r.calls === calls && r.system === 'coachline')!;
      const b = results.find((r) => r.calls === calls && r.system === 'baseline')!;
      const up = (p: Plateau): number => p.result.answered.length - p.result.failedAfterAnswer;
      rows.push(
        { metric: `${calls} calls: calls up (answered, not failed)`, unit: 'calls', value: up(c), baseline: up(b), against },
        { metric: `${calls} calls: FreeSWITCH channels / conferences on the plateau`, unit: 'channels', value: c.channels, baseline: b.channels },
        { metric: `${calls} calls: FreeSWITCH CPU per call`, unit: '% of a core', value: c.cpu.freeswitch / calls, baseline: b.cpu.freeswitch / calls },
        { metric: `${calls} calls: FreeSWITCH CPU`, unit: '% of a core', value: c.cpu.freeswitch, baseline: b.cpu.freeswitch },
        { metric: `${calls} calls: node CPU`, unit: '% of a core', value: c.cpu.node, baseline: b.cpu.node },
        { metric: `${calls} calls: drachtio CPU`, unit: '% of a core', value: c.cpu.drachtio, baseline: b.cpu.drachtio },
        { metric: `${calls} calls: SIPp CPU (both ends, RTP included)`, unit: '% of a core', value: c.cpu.sipp, baseline: b.cpu.sipp },
        { metric: `${calls} calls: other processes on the box (it is shared) and interrupts`, unit: '% of a core', value: c.cpu.others, baseline: b.cpu.others },
        { metric: `${calls} calls: heap per call`, unit: 'bytes', value: c.heapPerCall, baseline: b.heapPerCall },
        // The baseline keeps nothing in Redis: its figure would be the server's own drift.
        { metric: `${calls} calls: Redis memory per call`, unit: 'bytes', value: c.redisPerCall },
        { metric: `${calls} calls: failed calls`, unit: 'calls', value: c.result.failed, baseline: b.result.failed },
      );
    }
    printTable(`plateau: calls held together ${PLATEAU_SEC} s with RTP both ways`, rows, [
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), shared; CPU as % of one core (200 % = the whole box) over the plateau's middle ${PLATEAU_SEC - 2 * MARGIN_SEC} s`,
      `heap: heapUsed after a full GC mid-plateau minus the same process idle before the ramp; Redis: used_memory the same way; ramp ${RAMP_RATE} calls/s`,
      `conferences on the plateau: ${results.map((r) => `${r.system} ${r.calls}: ${r.conferences}`).join(', ')}; left after the drain: ${results.map((r) => `${r.leftover.channels}/${r.leftover.conferences}`).join(', ')}`,
    ]);
  });
}

runIfMain(module, main);
