/**
 * The pure media-plan path, as the app runs it on every mode switch or call event:
 *   sessions → joined supervisors → hearing matrix → compilePlan → diffPlans(applied, next) → renderSteps
 * for realistic calls (active, hold, blind transfer ringing, attended transfer consulting)
 * with 0–3 supervisors. Baseline: structuredClone of the same call + session records, the
 * cost floor of merely touching that data once.
 *
 *   npm run bench -- plan        (or: node --import tsx bench/plan.ts)
 */
import {
  Call,
  CompiledPlan,
  JoinedSupervisor,
  RenderContext,
  Session,
  SupervisionMode,
  compilePlan,
  diffPlans,
  hearingMatrix,
  renderSteps,
} from '../src/domain';
import type { SessionRecord } from '../src/store';
import * as calls from '../test/helpers/calls';
import { Row, median, nowMs, printTable, runIfMain } from './lib/report';

/** What applyPlan starts from: the call and its live session records. */
interface Input {
  call: Call;
  sessions: SessionRecord[];
}

interface Case {
  state: string;
  supervisors: number;
  /** Consecutive inputs of the call; op i goes from inputs[i-1] to inputs[i] (cyclic). */
  inputs: Input[];
}

const STATES: Record<string, { call: () => Call; event: () => Call }> = {
  // `event`: the call as it was before (or after) the call event used when no supervisor is there to switch.
  active: { call: calls.active, event: calls.hold },
  hold: { call: calls.hold, event: calls.active },
  'blind transfer': { call: calls.blindTransferDialing, event: calls.active },
  'attended transfer': { call: calls.attendedConsulting, event: calls.blindTransferDialing },
};

const AT = '2026-01-01T00:00:00.000Z';

function sessionRecord(id: string, supervisorId: string, target: string, mode: SupervisionMode, notify = false): SessionRecord {
  const session: Session = { id, callId: 'call-1', supervisorId, target, mode, notify, confirm: false, state: 'active' };
  return { session, owner: 'instance-1', createdAt: AT, updatedAt: AT, joinedAt: AT };
}

/** k supervisors: the first switches modes, the others monitor the customer and the agent. */
function supervisors(k: number, firstMode: SupervisionMode): SessionRecord[] {
  const out: SessionRecord[] = [];
  if (k >= 1) out.push(sessionRecord('S1', 'sue', 'A', firstMode, firstMode === 'coach'));
  if (k >= 2) out.push(sessionRecord('S2', 'sup001', 'C', 'monitor'));
  if (k >= 3) out.push(sessionRecord('S3', 'sup002', 'A', 'monitor'));
  return out;
}

const MODE_CYCLE: SupervisionMode[] = ['monitor', 'coach', 'barge'];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [state, s] of Object.entries(STATES)) {
    for (let k = 0; k <= 3; k++) {
      const inputs =
        k === 0
          ? [{ call: s.event(), sessions: [] }, { call: s.call(), sessions: [] }]
          : MODE_CYCLE.map((m) => ({ call: s.call(), sessions: supervisors(k, m) }));
      out.push({ state, supervisors: k, inputs });
    }
  }
  return out;
}

const MEMBER_IDS: Record<string, number> = { C: 10, A: 11, B: 13, X: 14, S1: 20, S2: 21, S3: 22 };
const CTX: RenderContext = {
  conference: 'coachline-call-1',
  memberId: (m) => MEMBER_IDS[m] ?? 99,
  sounds: {
    hold_music: 'tone_stream://%(300,100,523);%(300,100,659);%(300,100,784);%(600,400,659);loops=-1',
    ringback: 'tone_stream://%(2000,4000,440,480);loops=-1',
    notify_tone: 'tone_stream://%(120,60,1400);%(120,0,1400)',
  },
};

/** The app's applyPlan inputs → plan, minus the I/O: what one switch costs in CPU. */
function planFor(input: Input): CompiledPlan {
  const joined: JoinedSupervisor[] = input.sessions
    .filter((r) => r.session.state === 'active')
    .map((r) => ({ sessionId: r.session.id, mode: r.session.mode, target: r.session.target, notify: r.session.notify }));
  return compilePlan(hearingMatrix(input.call, joined));
}

let sink = 0;

/** One op of the measured path: next plan from the inputs, diff from the applied plan, rendered commands. */
function planOp(applied: CompiledPlan, input: Input): void {
  const commands = renderSteps(diffPlans(applied, planFor(input)), CTX);
  sink += commands.length;
}

function cloneOp(input: Input): void {
  const c = structuredClone(input);
  sink += c.sessions.length;
}

interface Timed {
  plan: number;
  clone: number;
}

/** µs per op for one case: rounds alternate plan/clone; the median round counts. */
function measure(c: Case, opsPerRound: number, rounds: number): Timed {
  const applied = c.inputs.map((_, i) => planFor(c.inputs[(i + c.inputs.length - 1) % c.inputs.length]!));
  const n = c.inputs.length;
  const planRounds: number[] = [];
  const cloneRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = nowMs();
    for (let i = 0; i < opsPerRound; i++) planOp(applied[i % n]!, c.inputs[i % n]!);
    planRounds.push(((nowMs() - t0) * 1000) / opsPerRound);
    t0 = nowMs();
    for (let i = 0; i < opsPerRound; i++) cloneOp(c.inputs[i % n]!);
    cloneRounds.push(((nowMs() - t0) * 1000) / opsPerRound);
  }
  return { plan: median(planRounds), clone: median(cloneRounds) };
}

/** The commands a case's switches send, for the note under the table. */
function commandsPerSwitch(c: Case): number {
  let total = 0;
  c.inputs.forEach((input, i) => {
    const prev = c.inputs[(i + c.inputs.length - 1) % c.inputs.length]!;
    total += renderSteps(diffPlans(planFor(prev), planFor(input)), CTX).length;
  });
  return total / c.inputs.length;
}

export async function main(): Promise<void> {
  const all = cases();
  const OPS = Number(process.env.BENCH_PLAN_OPS ?? 3000);
  const ROUNDS = Number(process.env.BENCH_PLAN_ROUNDS ?? 9);
  // Warm-up: let the JIT settle on both paths before anything counts.
  for (const c of all) measure(c, 500, 2);

  const results = all.map((c) => ({ c, t: measure(c, OPS, ROUNDS) }));
  const mean = (xs: Timed[], k: keyof Timed): number => xs.reduce((a, x) => a + x[k], 0) / xs.length;
  const rows: Row[] = [];
  const against = 'structuredClone of the same call + live session records (same inputs, same run)';
  for (let k = 0; k <= 3; k++) {
    const ts = results.filter((r) => r.c.supervisors === k).map((r) => r.t);
    const label = k === 0 ? 'plan on a call event, 0 supervisors' : `mode switch plan, ${k} supervisor${k > 1 ? 's' : ''}`;
    rows.push({ metric: label, unit: 'µs/op', value: mean(ts, 'plan'), baseline: mean(ts, 'clone'), against });
  }
  for (const state of Object.keys(STATES)) {
    const ts = results.filter((r) => r.c.state === state && r.c.supervisors > 0).map((r) => r.t);
    rows.push({ metric: `mode switch plan, ${state}, 1–3 sup`, unit: 'µs/op', value: mean(ts, 'plan'), baseline: mean(ts, 'clone'), against });
  }
  const switches = results.filter((r) => r.c.supervisors > 0).map((r) => r.t);
  const usPlan = mean(switches, 'plan');
  const usClone = mean(switches, 'clone');
  rows.push({ metric: 'mode switch plans, one core, all cases', unit: 'ops/s', value: 1e6 / usPlan, baseline: 1e6 / usClone, against });

  const cmds = all.filter((c) => c.supervisors > 0).map(commandsPerSwitch);
  printTable('plan: hearing matrix → compilePlan → diffPlans → renderSteps', rows, [
    `${all.length} cases (4 call states × 0–3 supervisors), ${OPS} ops × ${ROUNDS} rounds each, median round; ` +
      `a switch renders ${Math.min(...cmds).toFixed(1)}–${Math.max(...cmds).toFixed(1)} mod_conference commands on average per case`,
  ]);
}

runIfMain(module, main);
