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
  addRinging,
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
  withJoins,
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
      for (const s of supervisors) {
        if (!m.members.includes(s.sessionId)) continue;
        const by = heardBy(s.sessionId);
        if (s.mode === 'monitor' && by.length > 0) throw new Error(`monitor ${s.sessionId} heard by ${by}`);
        if (s.mode === 'coach') {
          if (by.some((l) => externals.includes(l))) throw new Error(`a customer hears coach ${s.sessionId}`);
          if (by.join() !== s.target) throw new Error(`coach heard by ${by}, not only ${s.target}`);
        }
        if (s.mode === 'barge') {
          // Exactly the target's talk group: its participants, plus the supervisors
          // listening to that group (a barger joins the group openly).
          const group = groupOf(groups, s.target)!;
          const listeners = supervisors
            .filter((o) => o.sessionId !== s.sessionId && group.members.includes(o.target))
            .map((o) => o.sessionId);
          const want = [...group.members, ...listeners].sort();
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

/** `state` reduced to what `b` describes: departed members and finished one-shot sounds dropped. */
function normalise(state: CompiledPlan, b: CompiledPlan): CompiledPlan {
  const keep = (m: string): boolean => m in b.members;
  return {
    members: Object.fromEntries(Object.entries(state.members).filter(([m]) => keep(m))),
    relations: Object.fromEntries(Object.entries(state.relations).filter(([, r]) => keep(r.from) && keep(r.to))),
    plays: Object.fromEntries(Object.entries(state.plays).filter(([k, p]) => keep(p.member) && (p.loop || k in b.plays))),
  };
}

t.test('applying diff(a, b) to a yields b, and never leaks audio on the way', async (t) => {
  fc.assert(
    fc.property(scenarioArb, scenarioArb, fc.boolean(), (x, y, sameCall) => {
      const first = scenario(x);
      // Either two moments of one call (y's ops continue x's) or two unrelated plans.
      const second = sameCall ? scenario({ ops: [...x.ops, ...y.ops], sups: y.sups }) : scenario(y);
      const a = compilePlan(hearingMatrix(first.call, first.supervisors));
      const b = compilePlan(hearingMatrix(second.call, second.supervisors));
      const start = withJoins(a, b);
      const steps = diffPlans(a, b);
      const end = applySteps(start, steps);
      const got = normaliseOrder(normalise(end, b));
      if (JSON.stringify(got) !== JSON.stringify(normaliseOrder(b))) {
        throw new Error(`diff does not reach b:\n${JSON.stringify(got)}\n${JSON.stringify(b)}`);
      }
      // After every step, nobody hears anyone they hear in neither a nor b.
      const ha = effectiveHearing(a).hears;
      const hb = effectiveHearing(b).hears;
      let state = start;
      for (const step of steps) {
        state = applySteps(state, [step]);
        const h = effectiveHearing(state).hears;
        for (const l of Object.keys(hb)) {
          for (const s of h[l] ?? []) {
            if (!(s in b.members)) continue;
            const allowed = (ha[l]?.includes(s) ?? false) || hb[l]!.includes(s);
            if (!allowed) throw new Error(`transient leak: ${l} hears ${s} during ${JSON.stringify(step)}`);
          }
        }
      }
      // And the conference, read back, hears exactly as b says.
      if (JSON.stringify(effectiveHearing(got).hears) !== JSON.stringify(hb)) throw new Error('hearing differs from b');
    }),
    RUNS,
  );
  t.pass('2000 random plan pairs');
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
      const applied = applySteps(withJoins(EMPTY_PLAN, plan), diffPlans(EMPTY_PLAN, plan));
      if (JSON.stringify(effectiveHearing(applied).hears) !== JSON.stringify(m.hears)) throw new Error('round trip differs');
    }),
    RUNS,
  );
  t.pass('2000 round trips');
});
