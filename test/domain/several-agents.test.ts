/**
 * Calls with several agents (SPEC §2, issue 12): two agents with the customer, a
 * consult from the agent's own phone (its second line), a semi-attended transfer, a
 * takeover, an agent-to-agent call; and who may add participants or take a call over.
 */
import t from 'tap';
import {
  Call,
  NumberEntry,
  User,
  callState,
  callSupervisability,
  compilePlan,
  completeTransfer,
  evaluateConference,
  evaluateTakeover,
  failTransfer,
  hearingMatrix,
  heardByTarget,
  joinTakeover,
  newInternalCall,
  participantAnswered,
  participantLeft,
  referWhileRinging,
  setHeld,
  startConsult,
  talkGroups,
  transferTargetAnswered,
  voiceKey,
} from '../../src/domain';
import * as calls from '../helpers/calls';

const hears = (call: Call, sups: Parameters<typeof hearingMatrix>[1], l: string): string[] => hearingMatrix(call, sups).hears[l] ?? [];

t.test('two agents with the customer: a coach of one is heard by that agent only, and guarded from the other', async (t) => {
  const call = calls.twoAgents();
  const coach = { sessionId: 'S', mode: 'coach' as const, target: 'A', notify: false };
  const m = hearingMatrix(call, [coach]);
  t.same(m.hears.A, ['B', 'C', 'S'], 'the coached agent hears the call and the coach');
  t.same(m.hears.B, ['A', 'C'], 'the other agent does not hear the coach');
  t.same(m.hears.C, ['A', 'B'], 'the customer does not hear the coach');
  t.same(m.guards, [{ listener: 'B', speaker: 'S' }, { listener: 'C', speaker: 'S' }], 'a relation of its own keeps the colleague and the customer from the coach');
  const plan = compilePlan(m);
  t.match(plan.relations['B>S'], { nohear: true }, 'compiled as a relation, not only a flag');
  t.match(plan.relations['C>S'], { nohear: true });
  // Monitor and barge on either agent: the same talk group.
  t.same(hears(call, [{ sessionId: 'S', mode: 'monitor', target: 'B', notify: false }], 'S'), ['A', 'B', 'C']);
  t.same(hears(call, [{ sessionId: 'S', mode: 'barge', target: 'B', notify: false }], 'A'), ['B', 'C', 'S']);
  // With one agent, nothing changes: only the customer is guarded.
  t.same(hearingMatrix(calls.active(), [coach]).guards, [{ listener: 'C', speaker: 'S' }]);
});

/** A holds C on its phone and calls colleague B on a second line (media key A~2). */
function consult(): Call {
  return startConsult(setHeld(calls.active(), 'A', true), { by: 'A', target: { id: 'B', userId: 'agent-b', address: 'sip:agent-b@pbx' }, line: 'A~2' });
}

t.test('consult from the agent’s phone: the two agents talk on the second line, the customer waits with music', async (t) => {
  const ringing = consult();
  t.equal(callState(ringing), 'transferring');
  t.match(ringing.transfer, { kind: 'attended', by: 'A', target: 'B', phase: 'dialing', line: 'A~2' });
  const call = transferTargetAnswered(ringing);
  t.equal(call.transfer!.phase, 'consulting');
  t.same(talkGroups(call), [{ members: ['C'], customerSide: true }, { members: ['A', 'B'], customerSide: false }]);
  const m = hearingMatrix(call, []);
  t.same(m.members, ['A~2', 'B', 'C'], 'the held first line is not in the plan (the conference isolates it)');
  t.same(m.hears['A~2'], ['B']);
  t.same(m.hears.B, ['A~2']);
  t.same(m.hears.C, [], 'the customer hears none of the consult');
  t.same(m.plays, [{ member: 'C', sound: 'hold_music', loop: true }]);
  t.equal(voiceKey(call, 'A'), 'A~2');

  // The table while consulting: monitoring the first agent hears the consult; the customer, the customer only.
  t.same(hears(call, [{ sessionId: 'S', mode: 'monitor', target: 'A', notify: false }], 'S'), ['A~2', 'B']);
  t.same(hears(call, [{ sessionId: 'S', mode: 'monitor', target: 'C', notify: false }], 'S'), ['C']);
  const coach = { sessionId: 'S', mode: 'coach' as const, target: 'A', notify: false };
  const mc = hearingMatrix(call, [coach]);
  t.same(mc.hears['A~2'], ['B', 'S'], 'a coach of the first agent reaches them on the line they talk on');
  t.same(mc.hears.B, ['A~2'], 'never the consulted colleague');
  t.ok(heardByTarget(call, coach));
  t.same(mc.guards, [{ listener: 'B', speaker: 'S' }, { listener: 'C', speaker: 'S' }]);
});

t.test('attended transfer completes: the line is dropped, the customer is with the new agent', async (t) => {
  const done = completeTransfer(transferTargetAnswered(consult()));
  t.notOk(done.transfer!.line);
  const after = participantLeft(done, 'A');
  t.notOk(after.ended);
  t.notOk(after.transfer);
  t.same(talkGroups(after), [{ members: ['B', 'C'], customerSide: true }]);
  t.same(hears(after, [{ sessionId: 'S', mode: 'monitor', target: 'C', notify: false }], 'S'), ['B', 'C'], 'monitoring the customer follows them to the new agent');
});

t.test('a consult that ends without a transfer leaves the customer held by the agent', async (t) => {
  const failed = failTransfer(transferTargetAnswered(consult()));
  t.notOk(failed.transfer);
  t.equal(callState(failed), 'held');
  t.same(hearingMatrix(failed, []).members, ['A', 'C'], 'the first line is back in the plan');
  t.equal(callState(setHeld(failed, 'A', false)), 'active');
});

t.test('REFER before the consulted agent answers: a blind transfer from then on', async (t) => {
  const semi = referWhileRinging(consult());
  t.match(semi.transfer, { kind: 'blind', phase: 'dialing' });
  t.notOk(semi.transfer!.line);
  t.equal(transferTargetAnswered(semi).transfer!.phase, 'completed');
  t.throws(() => referWhileRinging(transferTargetAnswered(consult())), { code: 'illegal_transition' });
});

t.test('takeover: the supervisor joins as an internal participant, the agent leaves, the call goes on', async (t) => {
  let call = joinTakeover(calls.active(), { id: 'S', userId: 'sup', address: 'supervisor:sup' });
  t.match(call.participants.at(-1), { id: 'S', kind: 'internal', userId: 'sup', status: 'connected', origin: 'takeover' });
  call = participantLeft(call, 'A');
  t.notOk(call.ended);
  t.same(hearingMatrix(call, []).hears, { C: ['S'], S: ['C'] }, 'customer and supervisor talk');
  t.throws(() => joinTakeover(call, { id: 'S', userId: 'sup', address: 'x' }), { code: 'duplicate_participant' });
  t.ok(participantLeft(call, 'S').ended, 'the call ends when the supervisor hangs up');
});

t.test('an agent-to-agent call: not supervised, over when either hangs up', async (t) => {
  let call = newInternalCall({ id: 'i1', number: '', caller: { id: 'a1', userId: 'ana', address: 'ana' }, callee: { id: 'a2', userId: 'bob', address: 'bob' } });
  t.equal(callState(call), 'ringing');
  call = participantAnswered(call, 'a2');
  t.equal(callState(call), 'active');
  t.same(talkGroups(call), [{ members: ['a1', 'a2'], customerSide: true }]);
  const sup: User = { id: 'sue', name: 'Sue', role: 'supervisor', permissions: ['monitor'] };
  t.match(callSupervisability(call, undefined, sup), { allowed: false, code: 'internal_call' });
  t.ok(participantLeft(call, 'a1').ended);
  const unanswered = newInternalCall({ id: 'i2', number: '', caller: { id: 'a1', userId: 'ana', address: 'ana' }, callee: { id: 'a2', userId: 'bob', address: 'bob' } });
  t.ok(participantLeft(unanswered, 'a1').ended, 'the caller giving up ends it');
});

const NUMBER: NumberEntry = { e164: calls.NUMBER, name: 'Sales', distribution: ['sue', 'rem', 'agent-a'], emergency: false, supervisable: true };
const user = (id: string, role: User['role'], permissions: User['permissions']): User => ({ id, name: id, role, permissions });

t.test('who may add participants', async (t) => {
  const call = calls.active();
  t.same(evaluateConference(call, NUMBER, user('agent-a', 'agent', [])), { allowed: true }, 'the call’s agent');
  t.match(evaluateConference(call, NUMBER, user('agent-z', 'agent', [])), { code: 'forbidden_conference' }, 'another agent');
  t.match(evaluateConference(call, NUMBER, user('sue', 'supervisor', ['monitor'])), { code: 'forbidden_conference' }, 'staff without the permission');
  t.same(evaluateConference(call, NUMBER, user('sue', 'supervisor', ['conference'])), { allowed: true });
  t.match(evaluateConference(call, NUMBER, user('out', 'supervisor', ['conference'])), { code: 'not_in_distribution' });
  t.match(evaluateConference(calls.ringing(), NUMBER, user('agent-a', 'agent', [])), { code: 'call_not_live' });
});

t.test('who may take a call over', async (t) => {
  const call = calls.active();
  const boss = user('sue', 'supervisor', ['monitor', 'coach', 'takeover']);
  t.same(evaluateTakeover(call, NUMBER, boss, { target: 'A', state: 'active' }), { allowed: true });
  t.match(evaluateTakeover(call, NUMBER, user('sue', 'supervisor', ['monitor']), { target: 'A', state: 'active' }), { code: 'forbidden_takeover' });
  t.match(evaluateTakeover(call, NUMBER, boss, { target: 'A', state: 'ringing' }), { code: 'session_not_active' });
  t.match(evaluateTakeover(call, NUMBER, boss, { target: 'C', state: 'active' }), { code: 'target_not_agent' });
  t.match(evaluateTakeover(participantLeft(calls.twoAgents(), 'B'), NUMBER, boss, { target: 'B', state: 'active' }), { code: 'target_not_found' });
});
