/**
 * Compilation of hearing matrices to mod_conference controls, and the exact API
 * argument strings of a diff. Member ids are those FreeSWITCH would assign.
 */
import t from 'tap';
import {
  CompiledPlan,
  EMPTY_PLAN,
  JoinedSupervisor,
  RenderContext,
  compilePlan,
  diffPlans,
  hearingMatrix,
  SETTLE,
  applyStep,
  effectiveHearing,
  joinFlags,
  renderSteps,
  settled,
  withIsolated,
  participantLeft,
  relationKey,
} from '../../src/domain';
import * as calls from '../helpers/calls';

const IDS: Record<string, number> = { A: 11, B: 13, C: 10, S: 12, X: 14 };
const ctx: RenderContext = {
  conference: 'call-1',
  memberId: (m) => IDS[m]!,
  sounds: { hold_music: 'local_stream://moh', ringback: 'tone_stream://ring', notify_tone: 'tone_stream://notify' },
};

const sup = (mode: JoinedSupervisor['mode'], target = 'A', notify = false): JoinedSupervisor[] => [
  { sessionId: 'S', mode, target, notify },
];
const plan = (call = calls.active(), s: JoinedSupervisor[] = []): CompiledPlan => compilePlan(hearingMatrix(call, s));
/** The diff as FreeSWITCH gets it, a settle (a wait, not a command) shown as `settle`. */
const commands = (a: CompiledPlan, b: CompiledPlan): string[] =>
  diffPlans(a, b).map((s) => (s.op === 'settle' ? 'settle' : renderSteps([s], ctx)[0]!));

t.test('a plain call needs no controls', async (t) => {
  t.same(plan(), { members: { A: { mute: false, deaf: false }, C: { mute: false, deaf: false } }, relations: {}, plays: {} });
  t.same(commands(EMPTY_PLAN, plan()), []);
});

t.test('monitor is one mute (quiet: the phone never announces it), and a standing guard for the customer', async (t) => {
  const p = plan(calls.active(), sup('monitor'));
  t.same(p.members.S, { mute: true, deaf: false });
  t.same(p.relations, { 'C>S': { from: 'C', to: 'S', nohear: true, nospeak: false } }, 'the customer does not hear S, whatever the flag');
  t.same(joinFlags(p, 'S'), { mute: true, deaf: false }, 'the supervisor joins already muted');
  t.same(commands(plan(), p), ['call-1 relate 10 12 nohear'], 'joined with the mute flag; the guard follows at once');
});

t.test('monitor → coach → barge → monitor on one leg', async (t) => {
  const monitor = plan(calls.active(), sup('monitor'));
  const coach = plan(calls.active(), sup('coach'));
  const barge = plan(calls.active(), sup('barge'));
  // Key order C < S: the relation is held by the customer: C does not hear S.
  t.same(commands(monitor, coach), ['settle', 'call-1 unmute 12 quiet'], 'the guard already blocks the customer: unmute (once earlier flags act)');
  t.same(commands(coach, barge), ['settle', 'call-1 relate 10 12 clear']);
  t.same(commands(barge, monitor), ['call-1 mute 12 quiet', 'call-1 relate 10 12 nohear'], 'the relation acts at once, the mute a frame later');
  t.same(commands(monitor, barge), ['settle', 'call-1 unmute 12 quiet', 'call-1 relate 10 12 clear']);
  t.same(commands(barge, coach), ['call-1 relate 10 12 nohear']);
  t.same(commands(coach, monitor), ['call-1 mute 12 quiet'], 'the guard stays: the customer never depends on the mute acting in time');
});

t.test('coach joins muted, is blocked from the customer, then unmuted', async (t) => {
  const coach = plan(calls.active(), sup('coach', 'A', true));
  t.same(joinFlags(coach, 'S'), { mute: true, deaf: false });
  t.same(commands(plan(), coach), [
    'call-1 relate 10 12 nohear',
    'call-1 play tone_stream://notify 11',
    'settle',
    'call-1 unmute 12 quiet',
  ]);
});

t.test('hold: relations between customer and agent, music to the customer', async (t) => {
  const held = plan(calls.hold());
  t.same(held.relations, { 'A>C': { from: 'A', to: 'C', nohear: true, nospeak: true } });
  t.same(held.members.A, { mute: false, deaf: false }, 'two members: one relation covers both directions');
  t.same(commands(plan(), held), ['call-1 relate 11 10 nospeak|nohear', 'call-1 play local_stream://moh 10']);
  t.same(commands(held, plan()), ['call-1 stop all 10', 'settle', 'call-1 relate 11 10 clear'], 'stop the music, then reconnect');
});

t.test('monitoring during hold: flags where they stand for two pairs, a relation for the rest', async (t) => {
  // Same hearing as the relation-built hold verified in FREESWITCH-NOTES: internal
  // S{A}, external S{C}; the customer hears only the music.
  const internal = plan(calls.hold(), sup('monitor', 'A'));
  t.same(internal.members, { A: { mute: false, deaf: true }, C: { mute: true, deaf: false }, S: { mute: true, deaf: false } });
  const guard = { 'C>S': { from: 'C', to: 'S', nohear: true, nospeak: false } };
  t.same(internal.relations, { 'A>C': { from: 'A', to: 'C', nohear: false, nospeak: true }, ...guard }, 'C does not hear A; C never hears S');
  const external = plan(calls.hold(), sup('monitor', 'C'));
  t.same(external.members, { A: { mute: true, deaf: true }, C: { mute: false, deaf: false }, S: { mute: true, deaf: false } });
  t.same(external.relations, guard);
  t.same(
    commands(internal, external),
    ['call-1 mute 11 quiet', 'settle', 'call-1 unmute 10 quiet', 'call-1 relate 11 10 clear'],
    'the relation keeping C from A is lifted only once the mute of A acts',
  );
  t.same(commands(plan(calls.hold()), internal), [
    'call-1 deaf 11',
    'call-1 mute 10 quiet',
    'call-1 relate 10 12 nohear',
    'settle',
    'call-1 undeaf 12',
    'call-1 relate 11 10 nospeak',
  ], 'a monitor joins deaf and muted (12), restrictions first, flags settle, then what it may hear');
});

t.test('a relation that both gains and loses a block is set to the union first', async (t) => {
  const a: CompiledPlan = {
    members: { A: { mute: false, deaf: false }, C: { mute: false, deaf: false } },
    relations: { 'A>C': { from: 'A', to: 'C', nohear: true, nospeak: false } },
    plays: {},
  };
  const b: CompiledPlan = { ...a, relations: { 'A>C': { from: 'A', to: 'C', nohear: false, nospeak: true } } };
  t.same(commands(a, b), ['call-1 relate 11 10 nospeak|nohear', 'settle', 'call-1 relate 11 10 nospeak']);
});

t.test('a departed member gets no commands', async (t) => {
  const before = plan(calls.blindTransferred(), sup('monitor', 'C'));
  const after = plan(calls.afterTransferAgentLeft(), sup('monitor', 'C'));
  t.notOk('A' in after.members);
  for (const cmd of commands(before, after)) t.notMatch(cmd, / 11( |$)/, `no command names the departed agent: ${cmd}`);
});

t.test('compilation is deterministic and minimal', async (t) => {
  const sessions = sup('coach', 'B');
  t.same(plan(calls.twoAgentsOneHolds(), sessions), plan(calls.twoAgentsOneHolds(), sessions));
  const p = plan(calls.twoAgentsOneHolds(), sessions);
  for (const r of Object.values(p.relations)) {
    t.ok(r.from < r.to, `one relation per pair, held by the lesser key (${r.from}>${r.to})`);
    t.notOk(p.members[r.to]!.mute && !r.nospeak && r.nohear, 'no relation about a muted speaker');
  }
  t.same(diffPlans(p, p), [], 'no change, no commands');
});

t.test('a member who hears nobody is deaf, unless a sound plays to it', async (t) => {
  // Blind transfer dialing with a monitor on A: A hears nobody and no sound plays to A.
  const p = plan(calls.blindTransferDialing(), sup('monitor', 'C'));
  t.same(p.members.A, { mute: true, deaf: true }, 'A, alone and unheard, is muted and deaf');
  t.same(p.members.C, { mute: false, deaf: false }, 'C hears music, so C is not made deaf');
});

t.test('ringback while agents ring, stopped when one answers', async (t) => {
  const ring = plan(calls.ringing());
  t.same(commands(EMPTY_PLAN, ring), ['call-1 play tone_stream://ring 10']);
  t.same(commands(ring, plan()), ['call-1 stop all 10']);
});

t.test('the conference model acts like the mixer: a relation at once, a flag only once settled', async (t) => {
  // The leak seen on FreeSWITCH (issue 9): `mute S` then `relate C S clear` back to
  // back let the customer hear one buffered frame of the coach.
  const coach = plan(calls.active(), sup('coach'));
  const coachWithoutGuard: CompiledPlan = { ...coach, relations: { 'C>S': { from: 'C', to: 'S', nohear: true, nospeak: false } } };
  let m = settled(coachWithoutGuard);
  m = applyStep(m, { op: 'mute', member: 'S' });
  t.same(effectiveHearing(m).hears.C, ['A'], 'right after the mute the relation still blocks C');
  m = applyStep(m, { op: 'relate', from: 'C', to: 'S', nohear: false, nospeak: false });
  t.same(effectiveHearing(m).hears.C, ['A', 'S'], 'clearing before the mute settled: C may hear S for a frame');
  m = applyStep(m, SETTLE);
  t.same(effectiveHearing(m).hears.C, ['A'], 'once settled the mute holds');
  const relationAtOnce = applyStep(settled(plan(calls.active(), sup('barge'))), { op: 'relate', from: 'C', to: 'S', nohear: true, nospeak: false });
  t.same(effectiveHearing(relationAtOnce).hears.C, ['A'], 'a relation blocks from the next mix, no settle needed');
});

t.test('a leg the plan no longer names is isolated, not left as it was', async (t) => {
  const coach = plan(calls.blindTransferred(), sup('coach', 'A'));
  const after = withIsolated(plan(calls.blindTransferred()), ['S']);
  t.same(after.members.S, { mute: true, deaf: true });
  const cmds = commands(coach, after);
  t.ok(cmds.includes('call-1 mute 12 quiet') && cmds.includes('call-1 deaf 12'), 'muted and deaf');
  t.ok(cmds.indexOf('call-1 deaf 12') < cmds.indexOf('settle'), 'among the restrictions, before anything is lifted');
  t.same(withIsolated(coach, ['S']), coach, 'a leg the plan names keeps its controls');
  // The transferring agent leaves: its standing relations with the customer side are kept, never lifted.
  const before = plan(calls.blindTransferred(), sup('monitor', 'A'));
  const gone = withIsolated(plan(participantLeft(calls.blindTransferred(), 'A')), ['A', 'S'], before);
  const kept = Object.values(before.relations).filter((r) => r.from === 'A' || r.to === 'A');
  t.ok(kept.length > 0, 'A had relations keeping it apart');
  for (const r of kept) t.same(gone.relations[relationKey(r.from, r.to)], r, `relation ${r.from}>${r.to} kept`);
  t.notOk(commands(before, gone).some((c) => / relate .* clear$/.test(c)), 'nothing about A is cleared');
});
