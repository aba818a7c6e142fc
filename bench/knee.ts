/**
 * The knee: the call rate coachline sustains on this machine, beside the baseline B2BUA
 * (bench/baseline-b2bua.ts: drachtio-srf + drachtio-fsmrf, a conference per call,
 * nothing else) on the same FreeSWITCH, in the same run, the two alternating step by
 * step. SIPp customers (bench/sipp/customer.xml) call through the trunk at each rate
 * for BENCH_KNEE_STEP_SEC, every call held BENCH_KNEE_HOLD_MS with RTP both ways, one
 * number and agent per call (800 of them, used in turn). coachline runs with admission
 * control off: this is where it breaks on its own.
 *
 * Per step: calls, completed, failed, INVITE → 200 p50/p95, CPU of node, drachtio,
 * FreeSWITCH and SIPp, FreeSWITCH's peak channels and conferences, the lowest idle CPU
 * it reported and coachline's worst event-loop delay (the admission signals, side by
 * side). Then the highest rate each sustains (< 1 % failed, p95 set-up < 500 ms) and
 * coachline's ratio to the baseline.
 *
 *   npm run bench -- knee          (needs E2E_DRACHTIO_BIN, E2E_FREESWITCH_BIN, SIPp)
 *   BENCH_KNEE_RATES=5,10,15,20,25,30  BENCH_KNEE_STEP_SEC=20  BENCH_KNEE_HOLD_MS=5000
 */
import os from 'node:os';
import { loadBench, makeDirectory, startLoadStack } from './lib/load-stack';
import { Row, printTable, runIfMain } from './lib/report';
import type { System } from './lib/sampler';
import { prepareSipp, startUas } from './lib/sipp';
import { failureShare, printSteps, progress, runStep, sustains, type Step } from './lib/steps';

const RATES = (process.env.BENCH_KNEE_RATES ?? '5,10,15,20,25,30').split(',').map(Number);
const STEP_SEC = Number(process.env.BENCH_KNEE_STEP_SEC ?? 20);
const HOLD_MS = Number(process.env.BENCH_KNEE_HOLD_MS ?? 5000);
const NUMBERS = 800;

/** The highest rate at which the system, and every rate below it, sustained the load. */
export function sustainedRate(steps: Step[], system: System): number {
  let best = 0;
  for (const s of steps.filter((x) => x.system === system).sort((a, b) => a.rate - b.rate)) {
    if (!sustains(s)) break;
    best = s.rate;
  }
  return best;
}

export function main(): Promise<void | 'skipped'> {
  return loadBench('knee', async ({ dir, hold }) => {
    const directory = makeDirectory(dir, NUMBERS, 0);
    prepareSipp(dir, HOLD_MS / 1000 + 5);
    const stack = hold(await startLoadStack(dir, { directory }));
    const uas = hold(startUas(dir, 5060, 30000));
    const uasPids = [uas.child.pid!];
    process.stderr.write(`knee: ${RATES.join(', ')} calls/s, ${STEP_SEC} s each, calls held ${HOLD_MS} ms; coachline and baseline alternate\n`);
    // Warm-up, not counted: both paths (JIT, connection pools, FreeSWITCH's first conferences).
    for (const system of ['coachline', 'baseline'] as const) await runStep(stack, dir, directory, system, 2, 5, 1000, uasPids);

    const steps: Step[] = [];
    for (const [i, rate] of RATES.entries()) {
      const order: System[] = i % 2 === 0 ? ['coachline', 'baseline'] : ['baseline', 'coachline'];
      for (const system of order) {
        const s = await runStep(stack, dir, directory, system, rate, STEP_SEC, HOLD_MS, uasPids);
        progress(s);
        steps.push(s);
      }
      // Past the point where both fail a third of their calls, higher rates say nothing new.
      if (steps.filter((s) => s.rate === rate).every((s) => failureShare(s) > 0.33)) break;
    }

    printSteps(`knee: calls/s stepped, coachline and the baseline alternating (calls held ${HOLD_MS / 1000} s, RTP both ways)`, steps, [
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), shared; CPU columns: % of one core over the step (200 % = the whole box); other: processes that are not the bench's (the box is shared) and kernel interrupt time`,
      'completed: answered and hung up by the caller; failed: any other end (an error answer, no answer in 15 s, a BYE from the far end); p50/p95: INVITE → 200 OK',
      'FS chan/conf: peak FreeSWITCH channels and conferences; FS idle %: median and lowest idle CPU FreeSWITCH reported each second (status, system-wide); loop ms: coachline\'s worst event-loop delay p99 (1 s windows); left: channels/conferences after the drain',
    ]);
    const c = sustainedRate(steps, 'coachline');
    const b = sustainedRate(steps, 'baseline');
    const rows: Row[] = [
      { metric: 'highest sustained rate (< 1 % failed, p95 set-up < 500 ms)', unit: 'calls/s', value: c, baseline: b, against: 'bench/baseline-b2bua.ts on the same FreeSWITCH, same run, alternating steps' },
      { metric: `concurrent calls at that rate (rate × ${HOLD_MS / 1000} s hold)`, unit: 'calls', value: (c * HOLD_MS) / 1000, baseline: (b * HOLD_MS) / 1000 },
    ];
    printTable('knee: capacity', rows, [`steps of ${STEP_SEC} s at ${RATES.join(', ')} calls/s; a rate counts only if every lower rate was sustained too`]);
  });
}

runIfMain(module, main);
