/**
 * coachline on the real stack (test/e2e/lib/stack.ts: FreeSWITCH with the repo's config,
 * drachtio-servers for coachline 127.0.0.1, the carrier 127.0.0.2 and the desk phones
 * 127.0.0.3, a private Redis) against bench/baseline-b2bua.ts, a minimal drachtio-srf +
 * drachtio-fsmrf app doing the same media work on the same FreeSWITCH, behind its own
 * drachtio-server on 127.0.0.4 (admin 9125, fsmrf listen port 8285).
 *
 * Figures, coachline vs baseline, measured in the same run, the two alternating:
 *   - calls per second and set-up time (customer INVITE → 200 OK) at increasing
 *     concurrency: each call is a carrier phone dialing a number whose only agent
 *     auto-answers on the desk book; held 1 s, then the customer hangs up;
 *   - supervision start: request → the supervisor's desk phone gets the INVITE, → the
 *     session is active (API), → the supervisor hears the agent (RTP);
 *     baseline: the minimal app adding the same third leg (endpoint, INVITE, join muted);
 *   - mode switch monitor → coach: PATCH → the agent hears the supervisor's tone, and back
 *     (coach → monitor: → the tone is gone); baseline: the fewest mod_conference commands
 *     sent raw. Audio is checked per 20 ms RTP packet (Goertzel, as the e2e phones do);
 *     the customer's frames of the supervisor around each coach → monitor are counted;
 *   - the settle gap: on the raw conference, `mute S`, G ms, `relate C S clear`, and
 *     whether the customer got a frame of S, for G in BENCH_SETTLE_GAPS.
 *
 * Needs E2E_DRACHTIO_BIN and E2E_FREESWITCH_BIN; without them it prints why it skipped.
 *   npm run bench -- stack
 *   BENCH_STACK_LEVELS=1:8,4:16,8:16 (concurrency:calls)  BENCH_STACK_HOLD_MS=1000  BENCH_STACK_ROUNDS=8
 */
import { ChildProcess, spawn } from 'node:child_process';
import type dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ulawToLinear } from '../test/e2e/lib/g711';
import { toneLevelDbfs } from '../test/e2e/lib/goertzel';
import { TONES } from '../test/e2e/lib/hearing';
import { PRESENT_DBFS, type RtpPhone } from '../test/e2e/lib/rtp-phone';
import { withTimeout, type SipPhone } from '../test/e2e/lib/sip-phones';
import { ADDR, missingServers, startStack, type Stack } from '../test/e2e/lib/stack';
import { FLAG_SETTLE_MS } from '../src/media/call-conference';
import { BaselineB2bua } from './baseline-b2bua';
import { listening, waitListening } from './lib/load-stack';
import { Row, median, nowMs, percentile, printTable, runIfMain, sleep } from './lib/report';

const BASE_ADDR = '127.0.0.4';
const BASE_ADMIN = 9125;
const BASE_FSMRF_PORT = 8285;
const SOFIA_TOKEN = 'bench-sofia-token-00000000';

const LEVELS = (process.env.BENCH_STACK_LEVELS ?? '1:8,4:16,8:16').split(',').map((s) => {
  const [c, n] = s.split(':').map(Number);
  return { concurrency: c!, calls: n! };
});
const MAX_C = Math.max(...LEVELS.map((l) => l.concurrency));
const HOLD_MS = Number(process.env.BENCH_STACK_HOLD_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_STACK_ROUNDS ?? 8);

/** Slot k: its own number, agent and customer phone, so concurrent calls never share a phone. */
const numberOf = (k: number): string => (k === 0 ? '+34910000001' : `+349100001${k.toString().padStart(2, '0')}`);
const agentOf = (k: number): string => (k === 0 ? 'ana' : `agent${(k + 1).toString().padStart(2, '0')}`);
const agentUri = (k: number): string => `sip:${agentOf(k)}@${ADDR.desk}`;

function directoryYaml(): string {
  const users: string[] = [];
  const numbers: string[] = [];
  for (let k = 0; k < MAX_C; k++) {
    users.push(`  - { id: ${agentOf(k)}, name: Agent ${k}, role: agent, device: { kind: sip_uri, uri: "${agentUri(k)}" } }`);
    numbers.push(`  - { e164: "${numberOf(k)}", name: Line ${k}, distribution: [${agentOf(k)}, sofia] }`);
  }
  users.push(
    `  - { id: sofia, name: Sofia Supervisor, role: supervisor, permissions: [monitor, coach, barge], device: { kind: sip_uri, uri: "sip:sofia@${ADDR.desk}", dialect: yealink }, tokens: ["${SOFIA_TOKEN}"] }`,
  );
  return `users:\n${users.join('\n')}\nnumbers:\n${numbers.join('\n')}\n`;
}


// ---- hearing, per 20 ms RTP packet ----

interface Waiter {
  freq: number;
  present: boolean;
  need: number;
  run: number;
  first: number;
  resolve(at: number): void;
}

/**
 * Watches what an RTP phone receives, one packet (20 ms of PCMU) at a time: resolves at
 * the arrival of the first of `need` consecutive packets in which the tone is present
 * (or absent). RtpPhone keeps 200 ms blocks only, so this listens on its socket too.
 */
class ToneWatch {
  private waiters: Waiter[] = [];

  constructor(rtp: RtpPhone) {
    const socket = (rtp as unknown as { socket: dgram.Socket }).socket;
    socket.on('message', (msg: Buffer) => this.packet(msg));
  }

  private packet(msg: Buffer): void {
    if (this.waiters.length === 0 || msg.length <= 12 || (msg[1]! & 0x7f) !== 0) return;
    const at = nowMs();
    const cc = msg[0]! & 0x0f;
    const payload = msg.subarray(12 + cc * 4);
    const samples = new Float32Array(payload.length);
    for (let i = 0; i < payload.length; i++) samples[i] = ulawToLinear(payload[i]!) / 32768;
    for (const w of [...this.waiters]) {
      const ok = (toneLevelDbfs(samples, w.freq) > PRESENT_DBFS) === w.present;
      if (!ok) {
        w.run = 0;
        continue;
      }
      if (w.run === 0) w.first = at;
      w.run += 1;
      if (w.run >= w.need) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(w.first);
      }
    }
  }

  /** From now on: when `freq` becomes present (2 packets in a row) or absent (3 in a row). */
  when(freq: number, present: boolean, timeoutMs = 10_000): Promise<number> {
    const p = new Promise<number>((resolve) => this.waiters.push({ freq, present, need: present ? 2 : 3, run: 0, first: 0, resolve }));
    return withTimeout(p, timeoutMs, `tone ${freq} Hz never became ${present ? 'present' : 'absent'}`);
  }
}

// ---- calls per second ----

interface Phones {
  agents: SipPhone[];
  customers: SipPhone[];
  sofia: SipPhone;
}

interface LevelResult {
  setups: number[];
  ok: number;
  failed: number;
  firstError?: string;
  wallMs: number;
}

type System = 'coachline' | 'baseline';
const targetAddr = (s: System): string => (s === 'coachline' ? ADDR.app : BASE_ADDR);

async function oneCall(system: System, k: number, phones: Phones, setups: number[] | undefined): Promise<void> {
  const customer = phones.customers[k]!;
  const agent = phones.agents[k]!;
  const t0 = nowMs();
  try {
    await withTimeout(customer.call(`sip:${numberOf(k)}@${targetAddr(system)}:5060`), 15_000, 'call not answered');
    const setup = nowMs() - t0;
    await sleep(HOLD_MS);
    customer.hangup();
    await agent.waitHangup(10_000);
    setups?.push(setup);
  } catch (err) {
    customer.hangup();
    agent.hangup();
    await sleep(500);
    throw err;
  }
}

async function level(system: System, concurrency: number, calls: number, phones: Phones): Promise<LevelResult> {
  const r: LevelResult = { setups: [], ok: 0, failed: 0, wallMs: 0 };
  let next = 0;
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, k) => {
      while (next < calls) {
        next += 1;
        try {
          await oneCall(system, k, phones, r.setups);
          r.ok += 1;
        } catch (err) {
          r.failed += 1;
          r.firstError ??= (err as Error).message;
        }
      }
    }),
  );
  r.wallMs = nowMs() - t0;
  return r;
}

// ---- supervision ----

interface SupRound {
  invite: number;
  active: number;
  hears: number;
  coachHeard: number;
  coachGone: number;
  /** Frames of the supervisor the customer got around the coach → monitor switch. */
  leaked: number;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000, everyMs = 10): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

async function coachlineSupervision(s: Stack, phones: Phones, watch: { agent: ToneWatch; sofia: ToneWatch }): Promise<SupRound[]> {
  const rounds: SupRound[] = [];
  const customer = phones.customers[0]!;
  const ana = phones.agents[0]!;
  const sofia = phones.sofia;
  await withTimeout(customer.call(`sip:${numberOf(0)}@${ADDR.app}:5060`), 15_000, 'supervised call not answered');
  try {
    const call = await until('the call is listed', async () => {
      const r = await s.api('GET', '/v1/calls?agent=ana', SOFIA_TOKEN);
      return (r.body?.calls as { id: string; state: string }[] | undefined)?.find((c) => c.state === 'active');
    });
    await sleep(500);
    for (let i = 0; i < ROUNDS; i++) {
      const invite = sofia.waitInvite(10_000).then(() => nowMs());
      const hears = watch.sofia.when(TONES.agent, true);
      const t0 = nowMs();
      const r = await s.api('POST', `/v1/calls/${call.id}/supervisions`, SOFIA_TOKEN, { target: 'internal', mode: 'monitor' });
      if (r.status !== 201) throw new Error(`POST supervision: ${r.status} ${JSON.stringify(r.body)}`);
      const id = r.body.id as string;
      const tInvite = await invite;
      const tActive = await until('session active', async () => {
        const v = await s.api('GET', `/v1/supervisions/${id}`, SOFIA_TOKEN);
        if (v.body?.state === 'failed' || v.body?.state === 'ended') throw new Error(`session ${v.body.state}: ${v.body.reason}`);
        return v.body?.state === 'active' ? nowMs() : undefined;
      });
      const tHears = await hears;
      await sleep(400);

      const coach = watch.agent.when(TONES.supervisor, true);
      const t1 = nowMs();
      const p = await s.api('PATCH', `/v1/supervisions/${id}`, SOFIA_TOKEN, { mode: 'coach' });
      if (p.status !== 200) throw new Error(`PATCH coach: ${p.status} ${JSON.stringify(p.body)}`);
      const tCoach = await coach;
      await sleep(400);

      const gone = watch.agent.when(TONES.supervisor, false);
      const t2 = nowMs();
      const m = await s.api('PATCH', `/v1/supervisions/${id}`, SOFIA_TOKEN, { mode: 'monitor' });
      if (m.status !== 200) throw new Error(`PATCH monitor: ${m.status} ${JSON.stringify(m.body)}`);
      const tGone = await gone;
      await sleep(300);
      const leaked = leakedFrames(customer, t2 - 100, nowMs());

      await s.api('DELETE', `/v1/supervisions/${id}`, SOFIA_TOKEN);
      await sofia.waitHangup(10_000);
      await sleep(400);
      rounds.push({ invite: tInvite - t0, active: tActive - t0, hears: tHears - t0, coachHeard: tCoach - t1, coachGone: tGone - t2, leaked });
    }
  } finally {
    customer.hangup();
    await ana.waitHangup(10_000).catch(() => undefined);
    await sleep(300);
  }
  return rounds;
}

async function baselineSupervision(b: BaselineB2bua, phones: Phones, watch: { agent: ToneWatch; sofia: ToneWatch }): Promise<SupRound[]> {
  const rounds: SupRound[] = [];
  const customer = phones.customers[0]!;
  const ana = phones.agents[0]!;
  const sofia = phones.sofia;
  await withTimeout(customer.call(`sip:${numberOf(0)}@${BASE_ADDR}:5060`), 15_000, 'baseline supervised call not answered');
  try {
    // The caller's 200 OK can arrive before createUAS resolves in the app.
    const call = await until('baseline call to ana', async () => b.callTo(agentUri(0)), 5000);
    await sleep(500);
    const conf = call.conference;
    const C = call.members.customer;
    for (let i = 0; i < ROUNDS; i++) {
      const invite = sofia.waitInvite(10_000).then(() => nowMs());
      const hears = watch.sofia.when(TONES.agent, true);
      const t0 = nowMs();
      const leg = await b.addLeg(call, `sip:sofia@${ADDR.desk}`);
      const tJoined = nowMs();
      const tInvite = await invite;
      const tHears = await hears;
      await sleep(400);

      // The commands coachline renders for monitor → coach and back (test/domain/plan.test.ts).
      const S = leg.memberId;
      const coach = watch.agent.when(TONES.supervisor, true);
      const t1 = nowMs();
      await b.conference(`${conf} relate ${C} ${S} nohear`);
      await b.conference(`${conf} unmute ${S} quiet`);
      const tCoach = await coach;
      await sleep(400);

      // The fewest raw commands a leak-free coach → monitor needs: the mute alone (the
      // relation may stay). `mute` then `relate … clear` back to back leaks a frame to
      // the customer (see flagSettle below).
      const gone = watch.agent.when(TONES.supervisor, false);
      const t2 = nowMs();
      await b.conference(`${conf} mute ${S} quiet`);
      const tGone = await gone;
      await b.conference(`${conf} relate ${C} ${S} clear`);

      await b.dropLeg(call, leg);
      await sofia.waitHangup(10_000);
      await sleep(400);
      rounds.push({ invite: tInvite - t0, active: tJoined - t0, hears: tHears - t0, coachHeard: tCoach - t1, coachGone: tGone - t2, leaked: 0 });
    }
  } finally {
    customer.hangup();
    await ana.waitHangup(10_000).catch(() => undefined);
    await sleep(300);
  }
  return rounds;
}

// ---- how long a mute takes to act: the settle gap (src/media/call-conference.ts) ----

const SETTLE_GAPS = (process.env.BENCH_SETTLE_GAPS ?? '0,10,20,40,60').split(',').map(Number);
const SETTLE_TRIES = Number(process.env.BENCH_SETTLE_TRIES ?? 20);

/** Frames the customer received with the supervisor's tone above -40 dBFS in [since, until). */
function leakedFrames(customer: SipPhone, since: number, until: number): number {
  return customer.rtp.framesBetween(since, until).filter((f) => toneLevelDbfs(f.samples, TONES.supervisor) > PRESENT_DBFS).length;
}

/**
 * On the baseline app's raw conference: from coach (`relate C S nohear`, S unmuted and
 * talking), `mute S quiet`, wait G ms, `relate C S clear` — then count the frames of
 * S the customer got. G = 0 is what coachline's diff did before the settle step.
 */
async function flagSettle(b: BaselineB2bua, phones: Phones): Promise<Map<number, { leaks: number; tries: number }>> {
  const out = new Map<number, { leaks: number; tries: number }>();
  const customer = phones.customers[0]!;
  const ana = phones.agents[0]!;
  await withTimeout(customer.call(`sip:${numberOf(0)}@${BASE_ADDR}:5060`), 15_000, 'baseline settle call not answered');
  try {
    const call = await until('baseline call to ana', async () => b.callTo(agentUri(0)), 5000);
    await sleep(500);
    const conf = call.conference;
    const C = call.members.customer;
    const leg = await b.addLeg(call, `sip:sofia@${ADDR.desk}`);
    const S = leg.memberId;
    for (const gap of SETTLE_GAPS) {
      const r = { leaks: 0, tries: 0 };
      for (let i = 0; i < SETTLE_TRIES; i++) {
        await b.conference(`${conf} relate ${C} ${S} nohear`);
        await b.conference(`${conf} unmute ${S} quiet`);
        await sleep(200 + Math.random() * 20); // a random phase against the 20 ms mixer
        const since = nowMs();
        await b.conference(`${conf} mute ${S} quiet`);
        if (gap > 0) await sleep(gap);
        await b.conference(`${conf} relate ${C} ${S} clear`);
        await sleep(300);
        if (leakedFrames(customer, since, nowMs()) > 0) r.leaks += 1;
        r.tries += 1;
      }
      out.set(gap, r);
    }
    await b.dropLeg(call, leg);
    await phones.sofia.waitHangup(10_000).catch(() => undefined);
  } finally {
    customer.hangup();
    await ana.waitHangup(10_000).catch(() => undefined);
    await sleep(300);
  }
  return out;
}

// ---- the run ----

function startDrachtio(dir: string): ChildProcess {
  const conf = path.join(dir, 'drachtio-baseline.xml');
  writeFileSync(
    conf,
    `<drachtio>
  <admin port="${BASE_ADMIN}" secret="cymru">${BASE_ADDR}</admin>
  <sip><contacts><contact>sip:${BASE_ADDR}:5060;transport=udp,tcp</contact></contacts></sip>
  <logging><loglevel>info</loglevel><sofia-loglevel>1</sofia-loglevel></logging>
</drachtio>
`,
  );
  return spawn(process.env.E2E_DRACHTIO_BIN!, ['-f', conf, '--stdout'], { stdio: 'ignore' });
}

export async function main(): Promise<void | 'skipped'> {
  const missing = missingServers();
  if (missing) {
    process.stdout.write(`\n== stack: skipped — ${missing}\n`);
    return 'skipped';
  }
  const busy: string[] = [];
  for (const [host, port] of [[ADDR.app, 9122], ['127.0.0.1', 8021], [BASE_ADDR, BASE_ADMIN], ['127.0.0.1', 8185], ['127.0.0.1', BASE_FSMRF_PORT]] as const) {
    if (await listening(host, port)) busy.push(`${host}:${port}`);
  }
  if (busy.length) {
    process.stdout.write(`\n== stack: skipped — ${busy.join(', ')} already in use (an e2e run or the compose stack?); the bench starts its own servers there\n`);
    return 'skipped';
  }

  process.env.E2E_LOG_LEVEL ??= 'error';
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-bench-'));
  const directoryFile = path.join(dir, 'directory.yaml');
  writeFileSync(directoryFile, directoryYaml());

  let stack: Stack | undefined;
  let drachtio: ChildProcess | undefined;
  let baseline: BaselineB2bua | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await baseline?.stop().catch(() => undefined);
      if (drachtio && drachtio.exitCode === null) {
        drachtio.kill('SIGTERM');
        await sleep(300);
        if (drachtio.exitCode === null) drachtio.kill('SIGKILL');
      }
      await stack?.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    })());
  // run.ts stops a bench that overruns with SIGTERM: the servers must not be left behind.
  const onSignal = (): void => void cleanup().finally(() => process.exit(1));
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // Nor on a stray exception from a SIP or ESL callback. Unhandled rejections are
  // logged and counted, as src/index.ts does in production, and the run goes on.
  const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`stack bench: uncaught exception: ${describe(err)}\n`);
    onSignal();
  });
  const rejections: string[] = [];
  process.on('unhandledRejection', (err) => {
    rejections.push(err instanceof Error ? err.message : String(err));
    process.stderr.write(`stack bench: unhandled rejection (going on): ${describe(err)}\n`);
  });

  try {
    const tStart = nowMs();
    stack = await startStack({ directoryFile });
    drachtio = startDrachtio(dir);
    await waitListening(BASE_ADDR, BASE_ADMIN, 10_000, 'baseline drachtio', 100);
    baseline = new BaselineB2bua({
      drachtio: { host: BASE_ADDR, port: BASE_ADMIN, secret: 'cymru' },
      freeswitch: { address: '127.0.0.1', port: 8021, secret: 'ClueCon', listenAddress: '127.0.0.1', listenPort: BASE_FSMRF_PORT },
      profile: stack.app.config.media.conferenceProfile,
      agentFor: (user) => {
        const k = Array.from({ length: MAX_C }, (_, i) => i).find((i) => numberOf(i) === user);
        return k === undefined ? undefined : agentUri(k);
      },
    });
    await baseline.start();
    const startupMs = nowMs() - tStart;

    const phones: Phones = {
      agents: await Promise.all(Array.from({ length: MAX_C }, (_, k) => stack!.desk.phone(agentOf(k), TONES.agent))),
      customers: await Promise.all(Array.from({ length: MAX_C }, (_, k) => stack!.carrier.phone(`cust${k}`, TONES.customer))),
      sofia: await stack.desk.phone('sofia', TONES.supervisor),
    };
    const watch = { agent: new ToneWatch(phones.agents[0]!.rtp), sofia: new ToneWatch(phones.sofia.rtp) };

    // Warm-up, not counted: both paths, every slot once.
    for (const system of ['coachline', 'baseline'] as const) {
      await Promise.all(Array.from({ length: MAX_C }, (_, k) => oneCall(system, k, phones, undefined)));
    }

    const results: { concurrency: number; calls: number; coachline: LevelResult; baseline: LevelResult }[] = [];
    for (const l of LEVELS) {
      const coachline = await level('coachline', l.concurrency, l.calls, phones);
      const base = await level('baseline', l.concurrency, l.calls, phones);
      results.push({ ...l, coachline, baseline: base });
    }

    const supCoachline = await coachlineSupervision(stack, phones, watch);
    const supBaseline = await baselineSupervision(baseline, phones, watch);
    const settle = await flagSettle(baseline, phones);

    const rows: Row[] = [];
    const callsAgainst = 'bench/baseline-b2bua.ts (drachtio-srf + fsmrf, conference per call, no Redis/plan/ringback) on the same FreeSWITCH, same run';
    const cps = (r: LevelResult): number => (r.ok / r.wallMs) * 1000;
    for (const r of results) {
      rows.push({ metric: `calls/s, ${r.concurrency} concurrent, ${HOLD_MS} ms hold`, unit: 'calls/s', value: cps(r.coachline), baseline: cps(r.baseline), against: callsAgainst });
      rows.push({ metric: `set-up INVITE → 200 OK p50, ${r.concurrency} concurrent`, unit: 'ms', value: median(r.coachline.setups), baseline: median(r.baseline.setups), against: callsAgainst });
    }
    const allC = results.flatMap((r) => r.coachline.setups);
    const allB = results.flatMap((r) => r.baseline.setups);
    rows.push({ metric: 'set-up INVITE → 200 OK p95, all levels', unit: 'ms', value: percentile(allC, 95), baseline: percentile(allB, 95), against: callsAgainst });

    const supAgainst = 'the minimal app adding the same leg (endpoint, INVITE, join muted) / sending the same conference commands raw';
    const med = (rs: SupRound[], k: keyof SupRound): number => median(rs.map((r) => r[k]));
    const spread = (rs: SupRound[], k: keyof SupRound): string => {
      const xs = rs.map((r) => r[k]);
      return `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    };
    rows.push({ metric: 'supervision start: request → desk phone INVITE', unit: 'ms', value: med(supCoachline, 'invite'), baseline: med(supBaseline, 'invite'), against: supAgainst });
    rows.push({ metric: 'supervision start: request → session active (baseline: joined)', unit: 'ms', value: med(supCoachline, 'active'), baseline: med(supBaseline, 'active'), against: supAgainst });
    rows.push({ metric: 'supervision start: request → supervisor hears agent', unit: 'ms', value: med(supCoachline, 'hears'), baseline: med(supBaseline, 'hears'), against: supAgainst });
    rows.push({ metric: 'mode switch monitor→coach: PATCH → agent hears coach', unit: 'ms', value: med(supCoachline, 'coachHeard'), baseline: med(supBaseline, 'coachHeard'), against: supAgainst });
    rows.push({ metric: 'mode switch coach→monitor: PATCH → coach inaudible', unit: 'ms', value: med(supCoachline, 'coachGone'), baseline: med(supBaseline, 'coachGone'), against: supAgainst });

    const failures = results.flatMap((r) => [
      ...(r.coachline.failed ? [`coachline ${r.concurrency}: ${r.coachline.failed} failed (${r.coachline.firstError})`] : []),
      ...(r.baseline.failed ? [`baseline ${r.concurrency}: ${r.baseline.failed} failed (${r.baseline.firstError})`] : []),
    ]);
    printTable('stack: real drachtio-server + FreeSWITCH, RTP test phones, loopback', rows, [
      `calls: ${LEVELS.map((l) => `${l.calls} at ${l.concurrency}`).join(', ')} per system (${results.reduce((a, r) => a + r.coachline.ok, 0)} + ` +
        `${results.reduce((a, r) => a + r.baseline.ok, 0)} completed); supervision: median of ${ROUNDS} rounds each; audio per 20 ms packet`,
      `failed calls: ${failures.length ? failures.join('; ') : 'none'}${baseline.failures ? `; baseline app errors: ${baseline.failures} (${baseline.lastError})` : ''}`,
      `supervision min–max, coachline | baseline (ms): ${(['invite', 'active', 'hears', 'coachHeard', 'coachGone'] as const)
        .map((k) => `${k} ${spread(supCoachline, k)} | ${spread(supBaseline, k)}`)
        .join('; ')}`,
      `customer got a frame of the supervisor after mute, G ms, relate clear (raw, ${SETTLE_TRIES} tries each): ${[...settle]
        .map(([g, r]) => `G=${g}: ${r.leaks}/${r.tries}`)
        .join(', ')}; coachline waits ${FLAG_SETTLE_MS} ms after a mute or deaf before lifting any block`,
      `customer frames of the supervisor during coachline's coach → monitor switches: ${supCoachline.reduce((a, r) => a + r.leaked, 0)} over ${supCoachline.length} switches`,
      `servers started in ${(startupMs / 1000).toFixed(1)} s; unhandled rejections: ${rejections.length ? `${rejections.length} (${rejections[0]})` : 'none'}`,
    ]);
  } finally {
    await cleanup();
  }
}

runIfMain(module, main);
