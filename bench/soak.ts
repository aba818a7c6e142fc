/**
 * The soak: BENCH_SOAK_MIN minutes (30) at BENCH_SOAK_RATE calls/s (default 60 % of
 * BENCH_CAPACITY, the knee bench's figure), calls held BENCH_SOAK_HOLD_MS (5 s) with RTP
 * both ways, while BENCH_SOAK_SUPERVISORS supervisors (6) keep starting supervisions on
 * live calls through the API, switching them monitor → coach → barge → monitor and
 * stopping them (desk phones: a SIPp UAS on 127.0.0.3:5062). Every BENCH_SOAK_EVERY_SEC
 * (60) it prints a line (SUPERVISION_START_LIMIT is lifted: a bench supervisor starts
 * more than a person would): calls and channels up, coachline's heap (after a full GC), RSS
 * and open file descriptors, Redis keys and memory, calls and supervision commands so far.
 * At the end, once the calls have drained and ended calls' timelines have expired
 * (coachline runs with TIMELINE_TTL_SEC=60 here, the floor, so they expire within the
 * run): FreeSWITCH channels and conferences (must be 0), the heap and RSS trend, and
 * Redis keys and memory against their level before the load.
 *
 *   npm run bench -- soak          (needs E2E_DRACHTIO_BIN, E2E_FREESWITCH_BIN, SIPp)
 */
import os from 'node:os';
import { loadBench, makeDirectory, openFds, rssBytes, startLoadStack, type LoadStack } from './lib/load-stack';
import { nowMs, runIfMain, sleep } from './lib/report';
import { drained } from './lib/sampler';
import { prepareSipp, readStats, runCustomers, startUas } from './lib/sipp';
import { targetOf } from './lib/steps';
import { Keys } from '../src/store';

const MINUTES = Number(process.env.BENCH_SOAK_MIN ?? 30);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 5);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? Math.round(CAPACITY * 0.6 * 10) / 10);
const HOLD_MS = Number(process.env.BENCH_SOAK_HOLD_MS ?? 5000);
const SUPERVISORS = Number(process.env.BENCH_SOAK_SUPERVISORS ?? 6);
const EVERY_SEC = Number(process.env.BENCH_SOAK_EVERY_SEC ?? 60);
const TIMELINE_TTL_SEC = 60;

interface Sample {
  atMin: number;
  heap: number;
  rss: number;
  fds: number;
  keys: number;
  redis: number;
}

/** Supervisors cycling through sessions on live calls: what they asked and what they got. */
class Supervisors {
  readonly counts: Record<string, number> = {};
  private running = true;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly httpUrl: string,
    private readonly tokens: string[],
  ) {}

  private count(what: string): void {
    this.counts[what] = (this.counts[what] ?? 0) + 1;
  }

  private async api(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    try {
      const res = await fetch(this.httpUrl + url, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    } catch (err) {
      return { status: 0, body: { error: { code: (err as Error).message } } };
    }
  }

  private async step(what: string, method: string, url: string, token: string, body?: unknown): Promise<any> {
    const r = await this.api(method, url, token, body);
    this.count(r.status < 300 ? what : `${what} ${r.status} ${r.body?.error?.code ?? ''}`.trim());
    return r.status < 300 ? r.body : undefined;
  }

  private async loop(token: string, i: number): Promise<void> {
    await sleep(i * 700);
    while (this.running) {
      const list = await this.api('GET', '/v1/calls?limit=100', token);
      const calls = (list.body?.calls ?? []) as { id: string; state: string; supervisable: boolean; participants: { role: string }[] }[];
      const free = calls.filter((c) => c.state === 'active' && c.supervisable && !c.participants.some((p) => p.role === 'supervisor'));
      const call = free[Math.floor(Math.random() * free.length)];
      if (!call) {
        await sleep(500);
        continue;
      }
      const session = await this.step('start', 'POST', `/v1/calls/${call.id}/supervisions`, token, { target: 'internal', mode: 'monitor' });
      if (!session) {
        await sleep(500);
        continue;
      }
      for (const mode of ['coach', 'barge', 'monitor']) {
        await sleep(700);
        if (!(await this.step('switch', 'PATCH', `/v1/supervisions/${session.id}`, token, { mode }))) break;
      }
      await sleep(500);
      await this.step('stop', 'DELETE', `/v1/supervisions/${session.id}`, token);
      await sleep(300);
    }
  }

  start(): void {
    this.loops = this.tokens.map((t, i) => this.loop(t, i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  summary(): string {
    return Object.entries(this.counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  }
}

async function redisFigures(stack: LoadStack, prefix: string): Promise<{ keys: number; memory: number; recentEvents: number; recentBytes: number }> {
  const memory = Number(/used_memory:(\d+)/.exec(await stack.redis.info('memory'))?.[1] ?? NaN);
  const keys = await stack.redis.dbsize();
  const recent = new Keys(prefix).recentEvents();
  const recentEvents = await stack.redis.llen(recent);
  const recentBytes = Number((await stack.redis.call('MEMORY', 'USAGE', recent)) ?? 0);
  return { keys, memory, recentEvents, recentBytes };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mb = (b: number): string => (b / 1048576).toFixed(1);

export function main(): Promise<void | 'skipped'> {
  return loadBench('soak', async ({ dir, hold }) => {
    const calls = Math.round(RATE * MINUTES * 60);
    const directory = makeDirectory(dir, 400, SUPERVISORS);
    prepareSipp(dir, HOLD_MS / 1000 + 5);
    const prefix = 'coachline:';
    const stack = hold(await startLoadStack(dir, { directory, coachlineEnv: { TIMELINE_TTL_SEC: String(TIMELINE_TTL_SEC), REDIS_KEY_PREFIX: prefix, SUPERVISION_START_LIMIT: '100000' } }));
    hold(startUas(dir, 5060, 30000));
    hold(startUas(dir, 5062, 32000));
    process.stderr.write(`soak: ${MINUTES} min at ${RATE} calls/s (${calls} calls, held ${HOLD_MS} ms), ${SUPERVISORS} supervisors cycling\n`);
    await runCustomers({ dir, target: targetOf('coachline'), numbersCsv: directory.numbersCsv, rate: 2, calls: 10, holdMs: 1000 });
    await drained(stack);

    const coachline = stack.coachline;
    const start = await redisFigures(stack, prefix);
    const startStats = await coachline.stats(true);
    const samples: Sample[] = [{ atMin: 0, heap: startStats.heapUsed, rss: rssBytes(coachline.pid), fds: openFds(coachline.pid), keys: start.keys, redis: start.memory }];
    const t0 = nowMs();
    let statFile = '';
    const load = runCustomers({
      dir,
      target: targetOf('coachline'),
      numbersCsv: directory.numbersCsv,
      rate: RATE,
      calls,
      holdMs: HOLD_MS,
      onStart: (_pid, file) => (statFile = file),
    });
    const sups = hold(new Supervisors(coachline.httpUrl, directory.tokens));
    sups.start();
    const lines: string[] = [];
    const head = ' min  conf  chan  heap MB  rss MB  fds  redis keys  redis MB  calls ok/failed  supervision';
    process.stdout.write(`\n== soak: ${MINUTES} min at ${RATE} calls/s, calls held ${HOLD_MS / 1000} s with RTP both ways, ${SUPERVISORS} supervisors starting/switching/stopping\n${head}\n`);
    let ended = false;
    void load.finally(() => (ended = true));
    let next = EVERY_SEC * 1000;
    while (!ended) {
      await Promise.race([sleep(Math.max(0, next - (nowMs() - t0))), load]);
      if (ended) break;
      next += EVERY_SEC * 1000;
      const st = await coachline.stats(true);
      const r = await redisFigures(stack, prefix);
      const s: Sample = { atMin: (nowMs() - t0) / 60_000, heap: st.heapUsed, rss: rssBytes(coachline.pid), fds: openFds(coachline.pid), keys: r.keys, redis: r.memory };
      samples.push(s);
      const sipp = statFile ? readStats(statFile) : { successful: 0, failed: 0 };
      const line =
        `${s.atMin.toFixed(1).padStart(4)}  ${String(await stack.esl.conferences()).padStart(4)}  ${String(await stack.esl.channels()).padStart(4)}  ` +
        `${mb(s.heap).padStart(7)}  ${mb(s.rss).padStart(6)}  ${String(s.fds).padStart(3)}  ${String(s.keys).padStart(10)}  ${mb(s.redis).padStart(8)}  ` +
        `${`${sipp.successful}/${sipp.failed}`.padStart(15)}  ${sups.summary()}`;
      lines.push(line);
      process.stdout.write(`${line}\n`);
    }
    const result = await load;
    await sups.stop();
    const left = await drained(stack, 30_000);
    // Ended calls keep their timeline TIMELINE_TTL_SEC, sessions and locks LOCK_TTL_SEC: wait them out.
    const until = Date.now() + (TIMELINE_TTL_SEC + 60) * 1000;
    let end = await redisFigures(stack, prefix);
    while (end.keys > start.keys && Date.now() < until) {
      await sleep(5000);
      end = await redisFigures(stack, prefix);
    }
    const endStats = await coachline.stats(true);
    samples.push({ atMin: (nowMs() - t0) / 60_000, heap: endStats.heapUsed, rss: rssBytes(coachline.pid), fds: openFds(coachline.pid), keys: end.keys, redis: end.memory });
    const during = samples.slice(1, -1);
    const heapSlope = during.length > 2 ? slope(during.map((s) => s.atMin), during.map((s) => s.heap)) : NaN;
    const rssSlope = during.length > 2 ? slope(during.map((s) => s.atMin), during.map((s) => s.rss)) : NaN;
    const last = samples[samples.length - 1]!;
    process.stdout.write(
      [
        `  node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), shared; coachline with TIMELINE_TTL_SEC=${TIMELINE_TTL_SEC}, admission control off`,
        `  calls: ${result.answered.length} answered of ${calls}, ${result.failed} failed (${result.failedAfterAnswer} after being answered); set-up p50/p95 ${percentileText(result.answered)}`,
        `  supervision commands: ${sups.summary()}`,
        `  after the drain: FreeSWITCH channels ${left.channels}, conferences ${left.conferences} (must be 0 and 0)`,
        `  heap after GC: ${mb(startStats.heapUsed)} MB before the load, ${mb(last.heap)} MB after; trend during the load ${(heapSlope / 1024).toFixed(1)} KiB/min`,
        `  RSS: ${mb(samples[0]!.rss)} MB before, ${mb(last.rss)} MB after; trend during the load ${(rssSlope / 1024).toFixed(1)} KiB/min`,
        `  open fds: ${samples[0]!.fds} before, ${last.fds} after (max during ${Math.max(...samples.map((s) => s.fds))})`,
        `  Redis keys: ${start.keys} before, ${end.keys} after; memory ${mb(start.memory)} MB before, ${mb(end.memory)} MB after — of which the capped list of recent events (SSE resume, ${2000} at most): ${start.recentEvents} → ${end.recentEvents} entries, ${mb(start.recentBytes)} → ${mb(end.recentBytes)} MB; net of it ${mb(start.memory - start.recentBytes)} → ${mb(end.memory - end.recentBytes)} MB`,
      ].join('\n') + '\n',
    );
  });
}

function percentileText(xs: number[]): string {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  const p = (q: number): number => s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)]!;
  return `${p(50)}/${p(95)} ms`;
}

runIfMain(module, main);
