/**
 * Past the knee: BENCH_OVERLOAD_FACTOR (1.5) × coachline's measured capacity
 * (BENCH_CAPACITY calls/s, from bench/knee.ts) offered for BENCH_OVERLOAD_SEC (60 s),
 * calls held BENCH_OVERLOAD_HOLD_MS (5 s) with RTP both ways — to coachline once per
 * admission signal, with only that limit on, and to the baseline B2BUA (no admission
 * control) in the same run, at the same offered load.
 *
 * What admission control must do (issue 14): every accepted call answers with p95 set-up
 * under 200 ms and completes; the excess gets 503 within 50 ms; no accepted call
 * fails. The baseline shows what happens without it.
 *
 * Signals (BENCH_OVERLOAD_SIGNALS, comma-separated; each one coachline run):
 *   max_calls   ADMISSION_MAX_CALLS = BENCH_OVERLOAD_MAX_CALLS (default: the calls that
 *               BENCH_CAPACITY_P95_200 calls/s — the rate whose set-up p95 stays under
 *               200 ms — keeps up: rate × (hold + 0.5 s))
 *   idle_cpu    ADMISSION_MIN_IDLE_CPU = BENCH_OVERLOAD_MIN_IDLE (default 20)
 *   loop_delay  ADMISSION_MAX_EVENT_LOOP_DELAY_MS = BENCH_OVERLOAD_MAX_LOOP_MS (default 100)
 *
 *   npm run bench -- overload      (needs E2E_DRACHTIO_BIN, E2E_FREESWITCH_BIN, SIPp)
 */
import os from 'node:os';
import { loadBench, makeDirectory, startLoadStack } from './lib/load-stack';
import { percentile, runIfMain } from './lib/report';
import { prepareSipp, startUas } from './lib/sipp';
import { completed, printSteps, progress, runStep, setupP95, type Step } from './lib/steps';

const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 5);
const CAPACITY_P95_200 = Number(process.env.BENCH_CAPACITY_P95_200 ?? 3);
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 1.5);
const SECONDS = Number(process.env.BENCH_OVERLOAD_SEC ?? 60);
const HOLD_MS = Number(process.env.BENCH_OVERLOAD_HOLD_MS ?? 5000);
const SIGNALS = (process.env.BENCH_OVERLOAD_SIGNALS ?? 'max_calls,idle_cpu,loop_delay').split(',').filter(Boolean);
const MAX_CALLS = Number(process.env.BENCH_OVERLOAD_MAX_CALLS ?? Math.round(CAPACITY_P95_200 * (HOLD_MS / 1000 + 0.5)));
const MIN_IDLE = Number(process.env.BENCH_OVERLOAD_MIN_IDLE ?? 20);
const MAX_LOOP_MS = Number(process.env.BENCH_OVERLOAD_MAX_LOOP_MS ?? 100);

const SETTINGS: Record<string, Record<string, string>> = {
  max_calls: { ADMISSION_MAX_CALLS: String(MAX_CALLS) },
  idle_cpu: { ADMISSION_MIN_IDLE_CPU: String(MIN_IDLE) },
  loop_delay: { ADMISSION_MAX_EVENT_LOOP_DELAY_MS: String(MAX_LOOP_MS) },
};

export function main(): Promise<void | 'skipped'> {
  return loadBench('overload', async ({ dir, hold }) => {
    const unknown = SIGNALS.filter((s) => !SETTINGS[s]);
    if (unknown.length) throw new Error(`BENCH_OVERLOAD_SIGNALS: unknown ${unknown.join(', ')} (known: ${Object.keys(SETTINGS).join(', ')})`);
    const rate = Math.round(CAPACITY * FACTOR * 10) / 10;
    const directory = makeDirectory(dir, Math.max(400, Math.ceil(rate * SECONDS)), 0);
    prepareSipp(dir, HOLD_MS / 1000 + 5);
    const stack = hold(await startLoadStack(dir, { directory }));
    const uas = hold(startUas(dir, 5060, 30000));
    const uasPids = [uas.child.pid!];
    process.stderr.write(`overload: ${rate} calls/s (${FACTOR} × ${CAPACITY}) for ${SECONDS} s, held ${HOLD_MS} ms; coachline with ${SIGNALS.join(', then ')}, and the baseline\n`);
    for (const system of ['coachline', 'baseline'] as const) await runStep(stack, dir, directory, system, 2, 5, 1000, uasPids);

    const runs: { label: string; step: Step }[] = [];
    const base = await runStep(stack, dir, directory, 'baseline', rate, SECONDS, HOLD_MS, uasPids);
    progress(base);
    runs.push({ label: 'baseline (no admission control)', step: base });
    for (const signal of SIGNALS) {
      await stack.restartCoachline(SETTINGS[signal]!);
      const s = await runStep(stack, dir, directory, 'coachline', rate, SECONDS, HOLD_MS, uasPids);
      progress(s);
      runs.push({ label: `coachline, ${Object.entries(SETTINGS[signal]!).map(([k, v]) => `${k}=${v}`).join(' ')}`, step: s });
    }

    printSteps(`overload: ${rate} calls/s offered for ${SECONDS} s (${FACTOR} × capacity ${CAPACITY} calls/s), calls held ${HOLD_MS / 1000} s, RTP both ways`, runs.map((r) => r.step), [
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), shared; rows in run order: ${runs.map((r, i) => `${i + 1}. ${r.label}`).join('; ')}`,
      'refused: 503 from admission control (SIPp counts those as successful calls: the caller was told at once); failed: any other end',
    ]);
    const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
    const lines = runs.map(({ label, step: s }) => {
      const r = s.result;
      const verdict = [
        `accepted ${r.answered.length} (${completed(s)} completed), set-up p95 ${f0(setupP95(s))} ms ${setupP95(s) < 200 ? '< 200 ✓' : '≥ 200 ✗'}`,
        `refused ${r.refused.length}, 503 p50/p95/max ${f0(percentile(r.refused, 50))}/${f0(percentile(r.refused, 95))}/${f0(r.refused.length ? Math.max(...r.refused) : NaN)} ms ${r.refused.length === 0 || Math.max(...r.refused) < 50 ? '< 50 ✓' : '≥ 50 ✗'}`,
        `failed ${r.failed} of ${s.calls}, of them after being answered ${r.failedAfterAnswer} ${r.failed === 0 ? '✓' : '✗'}`,
      ];
      return `${label}: ${verdict.join('; ')}`;
    });
    process.stdout.write(`\n== overload: against the issue's bar (accepted p95 < 200 ms, 503 within 50 ms, 0 accepted calls fail)\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  });
}

runIfMain(module, main);
