/**
 * Property tests: random calls (built by random sequences of real call transitions)
 * with random supervisors, checked against the invariants of SPEC §3 and of the plan
 * diff. fast-check shrinks any failure to a minimal sequence.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  Call,
  CoachlineError,
  CompiledPlan,
  EMPTY_PLAN,
  JoinedSupervisor,
  MixerState,
  SETTLE,
  addRinging,
  applyStep,
  applySteps,
  compilePlan,
  completeTransfer,
  diffPlans,
  effectiveHearing,
  failTransfer,
  groupOf,
  hearingMatrix,
  participantAnswered,
  participantLeft,
  setHeld,
  startTransfer,
  talkGroups,
  transferTargetAnswered,
  joinFlags,
  settled,
  withJoins,
  withMembers,
} from '../../src/domain';
import * as calls from '../helpers/calls';

const IDS = ['A', 'B', 'D', 'X', 'Y'];

type Op =
  | { op: 'add'; id: string; kind: 'internal' | 'external' }
  | { op: 'answer' | 'leave' | 'hold' | 'resume'; id: string }
  | { op: 'transfer'; kind: 'blind' | 'attended'; by: string; target: string }
  | { op: 'target_answered' | 'complete' | 'fail' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), id: fc.constantFrom(...IDS), kind: fc.constantFrom('internal' as const, 'external' as const) }),
  fc.record({ op: fc.constantFrom('answer' as const, 'leave' as const, 'hold' as const, 'resume' as const), id: fc.constantFrom('C', ...IDS) }),
  fc.record({ op: fc.constant('transfer' as const), kind: fc.constantFrom('blind' as const, 'attended' as const), by: fc.constantFrom(...IDS), target: fc.constantFrom(...IDS) }),
  fc.record({ op: fc.constantFrom('target_answered' as const, 'complete' as const, 'fail' as const) }),
);

function apply(call: Call, o: Op): Call {
  switch (o.op) {
    case 'add':
      return addRinging(call, { id: o.id, kind: o.kind, address: o.id, origin: 'added' });
    case 'answer':
      return participantAnswered(call, o.id);
    case 'leave':
      return participantLeft(call, o.id);
    case 'hold':
    case 'resume':
      return setHeld(call, o.id, o.op === 'hold');
    case 'transfer':
      return startTransfer(call, { kind: o.kind, by: o.by, target: o.target });
    case 'target_answered':
      return transferTargetAnswered(call);
    case 'complete':
      return completeTransfer(call);
    case 'fail':
      return failTransfer(call);
  }
}

/** Applies each op that is legal in the current state; illegal ones are refused and skipped. */
function build(ops: Op[]): Call {
  let call = calls.active();
  for (const o of ops) {
    try {
      call = apply(call, o);
    } catch (e) {
      if (!(e instanceof CoachlineError)) throw e;
    }
  }
  return call;
}

const supArb = fc.record({
  mode: fc.constantFrom('monitor' as const, 'coach' as const, 'barge' as const),
  target: fc.constantFrom('C', ...IDS),
  notify: fc.boolean(),
});

const scenarioArb = fc.record({ ops: fc.array(opArb, { maxLength: 12 }), sups: fc.array(supArb, { maxLength: 3 }) });

type SupInput = { mode: 'monitor' | 'coach' | 'barge'; target: string; notify: boolean };

function scenario({ ops, sups }: { ops: Op[]; sups: SupInput[] }): {
  call: Call;
  supervisors: JoinedSupervisor[];
} {
  const call = build(ops);
  const internal = new Set(call.participants.filter((p) => p.kind === 'internal').map((p) => p.id));
  // Only what the rules allow: coach and barge target agents.
  const supervisors = sups
    .filter((s) => s.mode === 'monitor' || internal.has(s.target))
    .map((s, i) => ({ sessionId: `S${i}`, ...s }));
  return { call, supervisors };
}

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) };
const isSession = (k: string): boolean => k.startsWith('S');

t.test('invariants of the hearing matrix', async (t) => {
  fc.assert(
    fc.property(scenarioArb, (input) => {
      const { call, supervisors } = scenario(input);
      const m = hearingMatrix(call, supervisors);
      const groups = talkGroups(call);
      const heardBy = (speaker: string): string[] => m.members.filter((l) => m.hears[l]!.includes(speaker));
      for (const member of m.members) {
        if (m.hears[member]!.includes(member)) throw new Error(`${member} hears themselves`);
      }
      const externals = call.participants.filter((p) => p.kind === 'external').map((p) => p.id);
      // An agent whose own phone holds hears nobody.
      const holding = new Set(call.participants.filter((p) => p.kind === 'internal' && p.held).map((p) => p.id));
      for (const h of holding) {
        if (m.hears[h]?.length) throw new Error(`${h} holds but hears ${m.hears[h]}`);
      }
      for (const s of supervisors) {
        if (!m.members.includes(s.sessionId)) continue;
        const by = heardBy(s.sessionId);
        if (s.mode === 'monitor' && by.length > 0) throw new Error(`monitor ${s.sessionId} heard by ${by}`);
        if (s.mode === 'coach') {
          if (by.some((l) => externals.includes(l))) throw new Error(`a customer hears coach ${s.sessionId}`);
          const want = holding.has(s.target) ? '' : s.target;
          if (by.join() !== want) throw new Error(`coach heard by ${by}, not only ${want}`);
        }
        if (s.mode === 'barge') {
          // Exactly the target's talk group: its participants, plus the supervisors
          // listening to that group (a barger joins the group openly).
          const group = groupOf(groups, s.target)!;
          const listeners = supervisors
            .filter((o) => o.sessionId !== s.sessionId && group.members.includes(o.target))
            .map((o) => o.sessionId);
          const want = [...group.members, ...listeners].filter((l) => !holding.has(l)).sort();
          if (by.join() !== want.join()) throw new Error(`barger heard by ${by}, want ${want}`);
        }
        // Every supervisor hears its target, and nobody outside the target's group and its bargers.
        const group = groupOf(groups, s.target)!;
        if (!m.hears[s.sessionId]!.includes(s.target)) throw new Error(`${s.sessionId} does not hear its target`);
        for (const speaker of m.hears[s.sessionId]!) {
          if (!group.members.includes(speaker) && !isSession(speaker)) throw new Error(`${s.sessionId} hears ${speaker} outside the group`);
        }
      }
      // Hold music reaches only externals, never a supervisor or an agent.
      for (const p of m.plays) {
        if (p.sound === 'hold_music' && !externals.includes(p.member)) throw new Error(`music to ${p.member}`);
      }
    }),
    RUNS,
  );
  t.pass('2000 random calls and supervisor sets hold every invariant');
});

/** The commanded controls reduced to what `b` describes: finished one-shot sounds dropped. */
function normalise(state: CompiledPlan, b: CompiledPlan): CompiledPlan {
  return { ...state, plays: Object.fromEntries(Object.entries(state.plays).filter(([k, p]) => p.loop || k in b.plays)) };
}

const heard = (plan: CompiledPlan): Record<string, string[]> => effectiveHearing(settled(plan)).hears;
const externalsOf = (call: Call): Set<string> => new Set(call.participants.filter((p) => p.kind === 'external').map((p) => p.id));

/**
 * Takes the mixer from the previous plan to `b` the way the media adapter does — new
 * members join with joinFlags(b), departed ones leave, then diff(applied, b) step by
 * step — checking after every step, with flags acting a frame late, that nobody hears
 * anyone outside `allowed`, and that no customer hears a supervisor they hear in
 * neither the previous plan nor `b`, not even for that frame.
 */
function transition(
  state: MixerState,
  applied: CompiledPlan,
  b: CompiledPlan,
  allowed: (l: string, s: string) => boolean,
  privacy: { externals: Set<string>; before: Record<string, string[]>; guards?: Set<string> },
): MixerState {
  let mixer = withMembers(state, b, (m) => joinFlags(b, m));
  const hb = heard(b);
  const check = (during: string): void => {
    const h = effectiveHearing(mixer).hears;
    for (const l of Object.keys(hb)) {
      for (const s of h[l] ?? []) {
        if (!allowed(l, s)) throw new Error(`transient leak: ${l} hears ${s} ${during}`);
        // A customer, or with several agents a colleague of the coached agent (a guarded pair).
        const customerHearsSupervisor = (privacy.externals.has(l) || (privacy.guards?.has(`${l}>${s}`) ?? false)) && isSession(s);
        if (customerHearsSupervisor && !(privacy.before[l]?.includes(s) ?? false) && !hb[l]!.includes(s)) {
          throw new Error(`customer ${l} hears supervisor ${s} ${during}`);
        }
      }
    }
  };
  check('on joining');
  for (const step of diffPlans(applied, b)) {
    mixer = applyStep(mixer, step);
    check(`after ${JSON.stringify(step)}`);
  }
  return mixer;
}

t.test('applying diff(a, b) to a yields b, and never leaks audio on the way, not even for a frame', async (t) => {
  fc.assert(
    fc.property(scenarioArb, scenarioArb, fc.boolean(), (x, y, sameCall) => {
      const first = scenario(x);
      // Either two moments of one call (y's ops continue x's) or two unrelated plans.
      const second = sameCall ? scenario({ ops: [...x.ops, ...y.ops], sups: y.sups }) : scenario(y);
      const ma = hearingMatrix(first.call, first.supervisors);
      const mb = hearingMatrix(second.call, second.supervisors);
      const a = compilePlan(ma);
      const b = compilePlan(mb);
      const guards = new Set([...ma.guards, ...mb.guards].map((g) => `${g.listener}>${g.speaker}`));
      const ha = heard(a);
      const hb = heard(b);
      const allowed = (l: string, s: string): boolean => (ha[l]?.includes(s) ?? false) || (hb[l]?.includes(s) ?? false);
      const end = transition(settled(a), a, b, allowed, { externals: externalsOf(second.call), before: ha, guards });
      const got = normaliseOrder(normalise(end.controls, b));
      if (JSON.stringify(got) !== JSON.stringify(normaliseOrder(b))) {
        throw new Error(`diff does not reach b:\n${JSON.stringify(got)}\n${JSON.stringify(b)}`);
      }
      // And the conference, once its flags settle, hears exactly as b says.
      if (JSON.stringify(effectiveHearing(applyStep(end, SETTLE)).hears) !== JSON.stringify(hb)) throw new Error('hearing differs from b');
    }),
    RUNS,
  );
  t.pass('2000 random plan pairs');
});

t.test('diffs back to back (flags of one diff still settling in the next) never leak', async (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 8 }), fc.array(fc.record({ ops: fc.array(opArb, { maxLength: 3 }), sups: fc.array(supArb, { maxLength: 3 }) }), { minLength: 2, maxLength: 5 }), (ops0, moments) => {
      // Successive moments of one call, each with its own supervisor set, applied with
      // no time for flags to settle between diffs unless a diff waits itself.
      let ops = ops0;
      let applied = EMPTY_PLAN;
      let mixer = settled(EMPTY_PLAN);
      // Since the last settle, the mixer may still act as any plan of this window says.
      let window: Record<string, string[]>[] = [];
      for (const m of moments) {
        ops = [...ops, ...m.ops];
        const { call, supervisors } = scenario({ ops, sups: m.sups });
        const mb = hearingMatrix(call, supervisors);
        const b = compilePlan(mb);
        const steps = diffPlans(applied, b);
        const hb = heard(b);
        const before = heard(applied);
        const seen = [...window, before, hb];
        const allowed = (l: string, s: string): boolean => seen.some((h) => h[l]?.includes(s) ?? false);
        mixer = transition(mixer, applied, b, allowed, { externals: externalsOf(call), before, guards: new Set(mb.guards.map((g) => `${g.listener}>${g.speaker}`)) });
        window = steps.some((s) => s.op === 'settle') ? [hb] : [...window, before];
        applied = b;
      }
    }),
    RUNS,
  );
  t.pass('2000 random sequences of plans');
});

function normaliseOrder(p: CompiledPlan): CompiledPlan {
  const sort = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return { members: sort(p.members), relations: sort(p.relations), plays: sort(p.plays) };
}

t.test('compiled plans, applied to an empty conference, give back the matrix', async (t) => {
  fc.assert(
    fc.property(scenarioArb, (input) => {
      const { call, supervisors } = scenario(input);
      const m = hearingMatrix(call, supervisors);
      const plan = compilePlan(m);
      const applied = applySteps(settled(withJoins(EMPTY_PLAN, plan)), [...diffPlans(EMPTY_PLAN, plan), SETTLE]);
      if (JSON.stringify(effectiveHearing(applied).hears) !== JSON.stringify(m.hears)) throw new Error('round trip differs');
    }),
    RUNS,
  );
  t.pass('2000 round trips');
});
