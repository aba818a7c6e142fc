import { readFileSync } from 'node:fs';
import { cpuSeconds, type LoadStack } from './load-stack';
import { nowMs, sleep } from './report';

/**
 * What the machine does during one load step: CPU of each process (from /proc, as a
 * share of one core: 200 % is all of this 2-core box), and, once a second, FreeSWITCH's
 * channels, conferences and reported idle CPU, and coachline's event-loop delay (its
 * own /metrics) when coachline is the system under load.
 */
export type System = 'coachline' | 'baseline';

export interface StepSamples {
  /** % of one core over the step, per process; `others`: every process on the box that is not the bench's (it is shared). */
  cpu: { node: number; drachtio: number; freeswitch: number; sipp: number; others: number };
  channelsMax: number;
  conferencesMax: number;
  /** FreeSWITCH's own idle CPU figure (`status`), each second. */
  idleCpu: number[];
  /** coachline's event-loop delay p99 per second, ms (empty for the baseline). */
  loopDelayMs: number[];
  /** coachline's admission readings of calls, each second (empty for the baseline). */
  calls: number[];
}

export class Sampler {
  private readonly pids: Record<Exclude<keyof StepSamples['cpu'], 'others'>, number[]>;
  private readonly cpu0 = new Map<number, number>();
  private box0 = 0;
  private t0 = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly s: Omit<StepSamples, 'cpu'> = { channelsMax: 0, conferencesMax: 0, idleCpu: [], loopDelayMs: [], calls: [] };

  constructor(
    private readonly stack: LoadStack,
    private readonly system: System,
    sippPids: number[],
  ) {
    this.pids = {
      node: [system === 'coachline' ? stack.coachline.pid : stack.baseline.pid],
      drachtio: [system === 'coachline' ? stack.pids.drachtio : stack.pids.drachtioBaseline],
      freeswitch: [stack.pids.freeswitch],
      sipp: sippPids,
    };
  }

  /** A SIPp started after the sampler (the step's UAC). */
  addSipp(pid: number): void {
    this.pids.sipp.push(pid);
    this.cpu0.set(pid, 0);
  }

  start(): void {
    this.t0 = nowMs();
    this.box0 = boxBusySeconds() - ownSeconds(this.stack);
    for (const list of Object.values(this.pids)) for (const pid of list) this.cpu0.set(pid, cpuSeconds(pid));
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sample().catch(() => undefined);
        await sleep(1000);
      }
    })();
  }

  /** Last CPU reading of each process: a SIPp that has exited can no longer be read. */
  private readonly last = new Map<number, number>();

  private cpuOf(pid: number): number {
    const now = cpuSeconds(pid);
    if (Number.isFinite(now)) this.last.set(pid, now);
    return this.last.get(pid) ?? 0;
  }

  private async sample(): Promise<void> {
    for (const list of Object.values(this.pids)) for (const pid of list) this.cpuOf(pid);
    const esl = this.stack.esl;
    const [channels, conferences, idle] = await Promise.all([esl.channels(), esl.conferences(), esl.idleCpu()]);
    this.s.channelsMax = Math.max(this.s.channelsMax, channels || 0);
    this.s.conferencesMax = Math.max(this.s.conferencesMax, conferences || 0);
    if (Number.isFinite(idle)) this.s.idleCpu.push(idle);
    if (this.system === 'coachline') {
      const m = await metrics(this.stack.coachline.httpUrl);
      if (m.coachline_admission_event_loop_delay_seconds !== undefined) this.s.loopDelayMs.push(m.coachline_admission_event_loop_delay_seconds * 1000);
      if (m.coachline_admission_calls !== undefined) this.s.calls.push(m.coachline_admission_calls);
    }
  }

  async stop(): Promise<StepSamples> {
    const wallSec = (nowMs() - this.t0) / 1000;
    const used = (list: number[]): number => list.reduce((a, pid) => a + Math.max(0, this.cpuOf(pid) - (this.cpu0.get(pid) ?? 0)), 0);
    // Read before the last sample returns, so every process is measured over the same span.
    const cpu = {
      node: (used(this.pids.node) / wallSec) * 100,
      drachtio: (used(this.pids.drachtio) / wallSec) * 100,
      freeswitch: (used(this.pids.freeswitch) / wallSec) * 100,
      sipp: (used(this.pids.sipp) / wallSec) * 100,
      others: Math.max(0, ((boxBusySeconds() - ownSeconds(this.stack) - used(this.pids.sipp) - this.box0) / wallSec) * 100),
    };
    this.running = false;
    await this.loop;
    return { cpu, ...this.s };
  }
}

/** CPU seconds every process on the box has used (/proc/stat: all but idle and iowait). */
export function boxBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return (total - f[3]! - f[4]!) / 100;
}

/**
 * The box is shared: before a step, wait (up to `maxMs`) for a second in which the
 * processes that are not the bench's use under `pct` % of one core; returns what they used
 * in the last second waited.
 */
export async function quietBox(stack: LoadStack, pct = 25, maxMs = 30_000): Promise<number> {
  const until = Date.now() + maxMs;
  for (;;) {
    const b0 = boxBusySeconds() - ownSeconds(stack);
    await sleep(1000);
    const others = (boxBusySeconds() - ownSeconds(stack) - b0) * 100;
    if (others < pct || Date.now() > until) return others;
  }
}

/** CPU seconds of the bench's own long-running processes (servers, apps, the bench itself). */
function ownSeconds(stack: LoadStack): number {
  const pids = [process.pid, stack.coachline.pid, stack.baseline.pid, stack.pids.freeswitch, stack.pids.drachtio, stack.pids.drachtioBaseline, ...stack.pids.others];
  return pids.reduce((a, pid) => a + (cpuSeconds(pid) || 0), 0);
}

/** The unlabelled series of a Prometheus text page, by name. */
export async function metrics(httpUrl: string): Promise<Record<string, number>> {
  const text = await fetch(`${httpUrl}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) ([-\d.e+]+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Waits until FreeSWITCH has no channel left (a step's calls all torn down), up to `ms`; returns what is left. */
export async function drained(stack: LoadStack, ms = 20_000): Promise<{ channels: number; conferences: number }> {
  const until = Date.now() + ms;
  for (;;) {
    const [channels, conferences] = await Promise.all([stack.esl.channels(), stack.esl.conferences()]);
    if ((channels === 0 && conferences === 0) || Date.now() > until) return { channels, conferences };
    await sleep(250);
  }
}
