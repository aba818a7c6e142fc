import { ADDR, type Directory, type LoadStack } from './load-stack';
import { percentile, sleep } from './report';
import { drained, quietBox, Sampler, type StepSamples, type System } from './sampler';
import { runCustomers, type StepResult } from './sipp';

/**
 * One load step against one system: SIPp places `rate` calls/s for `seconds`, each
 * held `holdMs`, while the sampler watches the machine; then every call's channels
 * must be gone before the next step starts.
 */
export interface Step {
  system: System;
  rate: number;
  calls: number;
  result: StepResult;
  samples: StepSamples;
  leftover: { channels: number; conferences: number };
}

export const targetOf = (s: System): string => `${s === 'coachline' ? ADDR.coachline : ADDR.baseline}:5060`;

export async function runStep(stack: LoadStack, dir: string, directory: Directory, system: System, rate: number, seconds: number, holdMs: number, uasPids: number[]): Promise<Step> {
  const calls = Math.max(1, Math.round(rate * seconds));
  await quietBox(stack);
  const sampler = new Sampler(stack, system, [...uasPids]);
  sampler.start();
  const result = await runCustomers({ dir, target: targetOf(system), numbersCsv: directory.numbersCsv, rate, calls, holdMs, onStart: (pid) => sampler.addSipp(pid) });
  const samples = await sampler.stop();
  const leftover = await drained(stack);
  await sleep(1000);
  return { system, rate, calls, result, samples, leftover };
}

/** Calls answered and completed (SIPp's successes that were not a 503). */
export const completed = (s: Step): number => s.result.successful - s.result.refused.length;
export const failureShare = (s: Step): number => s.result.failed / s.calls;
export const setupP50 = (s: Step): number => percentile(s.result.answered, 50);
export const setupP95 = (s: Step): number => percentile(s.result.answered, 95);

/** The bar for a sustained rate: under 1 % failed calls and INVITE → 200 p95 under 500 ms. */
export const sustains = (s: Step): boolean => failureShare(s) < 0.01 && setupP95(s) < 500;

const min = (xs: number[]): number => (xs.length ? Math.min(...xs) : NaN);
const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : NaN);
const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

/** One line per step, both systems in the same table. */
export function printSteps(title: string, steps: Step[], notes: string[]): void {
  const head = ['calls/s', 'system', 'calls', 'completed', 'failed', 'refused', 'p50 ms', 'p95 ms', 'node %', 'drachtio %', 'FS %', 'SIPp %', 'other %', 'FS chan', 'FS conf', 'FS idle % med/min', 'loop ms', 'left'];
  const rows = steps.map((s) => [
    String(s.rate),
    s.system,
    String(s.calls),
    String(completed(s)),
    String(s.result.failed),
    String(s.result.refused.length),
    f0(setupP50(s)),
    f0(setupP95(s)),
    f0(s.samples.cpu.node),
    f0(s.samples.cpu.drachtio),
    f0(s.samples.cpu.freeswitch),
    f0(s.samples.cpu.sipp),
    f0(s.samples.cpu.others),
    String(s.samples.channelsMax),
    String(s.samples.conferencesMax),
    `${f0(percentile(s.samples.idleCpu, 50))}/${f0(min(s.samples.idleCpu))}`,
    s.system === 'coachline' ? f0(max(s.samples.loopDelayMs)) : '-',
    `${s.leftover.channels}/${s.leftover.conferences}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write([`\n== ${title}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes.map((n) => `  ${n}`)].join('\n') + '\n');
}

/** A step as one progress line on stderr (the table comes at the end). */
export function progress(s: Step): void {
  process.stderr.write(
    `  ${s.system} ${s.rate}/s: ${completed(s)}/${s.calls} completed, ${s.result.failed} failed, ${s.result.refused.length} refused, ` +
      `p50 ${f0(setupP50(s))} p95 ${f0(setupP95(s))} ms, FS ${f0(s.samples.cpu.freeswitch)} % node ${f0(s.samples.cpu.node)} %\n`,
  );
}
