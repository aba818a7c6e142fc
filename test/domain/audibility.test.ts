/**
 * SPEC §3's audibility table, every cell, for every mode, as a table. Each row is a
 * call state, a supervisor (mode → target), whom the supervisor hears and who hears
 * the supervisor. Every row is also compiled to FreeSWITCH controls, applied to the
 * conference model from an empty conference, and read back: the same hearing results.
 *
 * Seeds' table (000_f2490445c46b0c80.txt):
 *   monitored participant | active | hold        | transfer
 *   internal (agent)      | both   | agent only  | the agent only
 *   external (customer)   | both   | customer    | customer and the new agent
 */
import t from 'tap';
import {
  Call,
  EMPTY_PLAN,
  JoinedSupervisor,
  SETTLE,
  SupervisionMode,
  applySteps,
  compilePlan,
  diffPlans,
  effectiveHearing,
  hearingMatrix,
  settled,
  withJoins,
} from '../../src/domain';
import * as calls from '../helpers/calls';

type Row = [state: string, build: () => Call, mode: SupervisionMode, target: string, hears: string, heardBy: string];

// hears / heardBy: participant letters, '-' for nobody.
const TABLE: Row[] = [
  // active call: "both"
  ['active', calls.active, 'monitor', 'A', 'AC', '-'],
  ['active', calls.active, 'monitor', 'C', 'AC', '-'],
  ['active', calls.active, 'coach', 'A', 'AC', 'A'],
  ['active', calls.active, 'barge', 'A', 'AC', 'AC'],
  // hold: the agent only / the customer only
  ['hold', calls.hold, 'monitor', 'A', 'A', '-'],
  ['hold', calls.hold, 'monitor', 'C', 'C', '-'],
  // The agent's own phone holds: it was answered recvonly and plays nothing, so a
  // coach or barger is heard by nobody until it resumes (docs/ARCHITECTURE.md, "Hold").
  ['hold', calls.hold, 'coach', 'A', 'A', '-'],
  ['hold', calls.hold, 'barge', 'A', 'A', '-'],
  // blind transfer under way (B ringing): the customer waits, A is apart
  ['blind transfer dialing', calls.blindTransferDialing, 'monitor', 'A', 'A', '-'],
  ['blind transfer dialing', calls.blindTransferDialing, 'monitor', 'C', 'C', '-'],
  ['blind transfer dialing', calls.blindTransferDialing, 'coach', 'A', 'A', 'A'],
  ['blind transfer dialing', calls.blindTransferDialing, 'barge', 'A', 'A', 'A'],
  // blind transfer done: the agent only / the customer and the new agent
  ['blind transfer', calls.blindTransferred, 'monitor', 'A', 'A', '-'],
  ['blind transfer', calls.blindTransferred, 'monitor', 'C', 'BC', '-'],
  ['blind transfer', calls.blindTransferred, 'monitor', 'B', 'BC', '-'],
  ['blind transfer', calls.blindTransferred, 'coach', 'A', 'A', 'A'],
  ['blind transfer', calls.blindTransferred, 'coach', 'B', 'BC', 'B'],
  ['blind transfer', calls.blindTransferred, 'barge', 'A', 'A', 'A'],
  ['blind transfer', calls.blindTransferred, 'barge', 'B', 'BC', 'BC'],
  // attended transfer, consulting: the customer on hold, A talks with B
  ['attended consulting', calls.attendedConsulting, 'monitor', 'A', 'AB', '-'],
  ['attended consulting', calls.attendedConsulting, 'monitor', 'C', 'C', '-'],
  ['attended consulting', calls.attendedConsulting, 'monitor', 'B', 'AB', '-'],
  ['attended consulting', calls.attendedConsulting, 'coach', 'A', 'AB', 'A'],
  ['attended consulting', calls.attendedConsulting, 'barge', 'A', 'AB', 'AB'],
  // attended transfer completed: as blind
  ['attended transfer', calls.attendedTransferred, 'monitor', 'A', 'A', '-'],
  ['attended transfer', calls.attendedTransferred, 'monitor', 'C', 'BC', '-'],
  ['attended transfer', calls.attendedTransferred, 'coach', 'A', 'A', 'A'],
  ['attended transfer', calls.attendedTransferred, 'coach', 'B', 'BC', 'B'],
  ['attended transfer', calls.attendedTransferred, 'barge', 'B', 'BC', 'BC'],
  // two agents with the customer
  ['two agents', calls.twoAgents, 'monitor', 'A', 'ABC', '-'],
  ['two agents', calls.twoAgents, 'monitor', 'C', 'ABC', '-'],
  ['two agents', calls.twoAgents, 'coach', 'A', 'ABC', 'A'],
  ['two agents', calls.twoAgents, 'coach', 'B', 'ABC', 'B'],
  ['two agents', calls.twoAgents, 'barge', 'B', 'ABC', 'ABC'],
  // two agents, one of them holds: the other keeps talking with the customer
  ['two agents, A holds', calls.twoAgentsOneHolds, 'monitor', 'A', 'A', '-'],
  ['two agents, A holds', calls.twoAgentsOneHolds, 'monitor', 'B', 'BC', '-'],
  ['two agents, A holds', calls.twoAgentsOneHolds, 'monitor', 'C', 'BC', '-'],
  ['two agents, A holds', calls.twoAgentsOneHolds, 'coach', 'A', 'A', '-'],
  ['two agents, A holds', calls.twoAgentsOneHolds, 'coach', 'B', 'BC', 'B'],
  ['two agents, A holds', calls.twoAgentsOneHolds, 'barge', 'B', 'BC', 'BC'],
];

const letters = (s: string): string[] => (s === '-' ? [] : s.split('').sort());

function heardBy(hears: Record<string, string[]>, speaker: string): string[] {
  return Object.keys(hears)
    .filter((l) => hears[l]!.includes(speaker))
    .sort();
}

t.test('the audibility table, cell by cell', async (t) => {
  for (const [state, build, mode, target, hears, by] of TABLE) {
    t.test(`${state}: ${mode} ${target}`, async (t) => {
      const call = build();
      const supervisors: JoinedSupervisor[] = [{ sessionId: 'S', mode, target, notify: false }];
      const m = hearingMatrix(call, supervisors);
      t.same(m.hears.S, letters(hears), 'whom the supervisor hears');
      t.same(heardBy(m.hears, 'S'), letters(by), 'who hears the supervisor');

      // The supervisor changes nothing between the participants themselves.
      const without = hearingMatrix(call, []);
      for (const p of without.members) {
        t.same(m.hears[p]!.filter((x) => x !== 'S'), without.hears[p], `${p} hears the same participants`);
      }

      // Compiled, applied to an empty conference and read back: the same matrix.
      const plan = compilePlan(m);
      const applied = applySteps(settled(withJoins(EMPTY_PLAN, plan)), [...diffPlans(EMPTY_PLAN, plan), SETTLE]);
      t.same(effectiveHearing(applied).hears, m.hears, 'FreeSWITCH controls give the same hearing');
    });
  }
});

t.test('what participants hear in each call state (no supervisor)', async (t) => {
  const cases: [string, () => Call, Record<string, string>, Record<string, string>][] = [
    ['ringing', calls.ringing, { C: '-' }, { C: 'ringback' }],
    ['active', calls.active, { A: 'C', C: 'A' }, {}],
    ['hold', calls.hold, { A: '-', C: '-' }, { C: 'hold_music' }],
    ['blind transfer dialing', calls.blindTransferDialing, { A: '-', C: '-' }, { C: 'hold_music' }],
    ['blind transfer', calls.blindTransferred, { A: '-', B: 'C', C: 'B' }, {}],
    ['attended consulting', calls.attendedConsulting, { A: 'B', B: 'A', C: '-' }, { C: 'hold_music' }],
    ['two agents', calls.twoAgents, { A: 'BC', B: 'AC', C: 'AB' }, {}],
    ['two agents, A holds', calls.twoAgentsOneHolds, { A: '-', B: 'C', C: 'B' }, {}],
    ['transfer to an external number', calls.externalTransfer, { A: '-', C: 'X', X: 'C' }, {}],
    ['transferring agent left', calls.afterTransferAgentLeft, { B: 'C', C: 'B' }, {}],
  ];
  for (const [name, build, expected, plays] of cases) {
    const m = hearingMatrix(build(), []);
    const want = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, letters(v)]));
    t.same(m.hears, want, `${name}: hearing`);
    t.same(
      Object.fromEntries(m.plays.map((p) => [p.member, p.sound])),
      plays,
      `${name}: sounds played, to whom`,
    );
  }
});

t.test('hold music reaches the held customer only, not the agent nor a supervisor', async (t) => {
  const m = hearingMatrix(calls.hold(), [{ sessionId: 'S', mode: 'monitor', target: 'C', notify: false }]);
  t.same(m.plays, [{ member: 'C', sound: 'hold_music', loop: true }]);
  t.same(m.hears.S, ['C'], 'the supervisor hears the customer, not the music (member-level play)');
});

t.test('the notify tone goes to the coached agent only', async (t) => {
  const m = hearingMatrix(calls.active(), [{ sessionId: 'S', mode: 'coach', target: 'A', notify: true }]);
  t.same(m.plays, [{ member: 'A', sound: 'notify_tone', loop: false }]);
  const monitor = hearingMatrix(calls.active(), [{ sessionId: 'S', mode: 'monitor', target: 'A', notify: true }]);
  t.same(monitor.plays, [], 'no tone for a monitor, even if asked');
});

t.test('several supervisors on one call', async (t) => {
  const m = hearingMatrix(calls.active(), [
    { sessionId: 'S1', mode: 'monitor', target: 'A', notify: false },
    { sessionId: 'S2', mode: 'coach', target: 'A', notify: false },
    { sessionId: 'S3', mode: 'barge', target: 'A', notify: false },
  ]);
  t.same(m.hears.S1, ['A', 'C', 'S3'], 'a monitor hears the barger, who joined the talk group, not the coach');
  t.same(m.hears.S2, ['A', 'C', 'S3'], 'a coach hears the group with its barger');
  t.same(m.hears.S3, ['A', 'C'], 'a barger hears the group, not the whispering coach');
  t.same(m.hears.A, ['C', 'S2', 'S3']);
  t.same(m.hears.C, ['A', 'S3'], 'the customer hears the barger, never the coach or the monitor');
});

t.test('a supervisor whose target is not connected is not joined', async (t) => {
  const m = hearingMatrix(calls.afterTransferAgentLeft(), [{ sessionId: 'S', mode: 'monitor', target: 'A', notify: false }]);
  t.notOk(m.members.includes('S'));
});
