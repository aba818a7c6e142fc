/** The call model: states, transitions and their refusals. */
import t from 'tap';
import {
  CoachlineError,
  IllegalTransitionError,
  addRinging,
  callState,
  endCall,
  failTransfer,
  participantAnswered,
  participantLeft,
  setHeld,
  startTransfer,
  talkGroups,
  transferTargetAnswered,
  completeTransfer,
  isConferenceCall,
  isTransferredToExternal,
} from '../../src/domain';
import * as calls from '../helpers/calls';

t.test('derived call states', async (t) => {
  t.equal(callState(calls.ringing()), 'ringing');
  t.equal(callState(calls.active()), 'active');
  t.equal(callState(calls.hold()), 'held');
  t.equal(callState(setHeld(calls.hold(), 'A', false)), 'active', 'resume');
  t.equal(callState(calls.blindTransferDialing()), 'transferring');
  t.equal(callState(calls.attendedConsulting()), 'transferring');
  t.equal(callState(calls.blindTransferred()), 'transferred');
  t.equal(callState(calls.attendedTransferred()), 'transferred');
  t.equal(callState(calls.afterTransferAgentLeft()), 'active', 'once the transferring agent leaves, a normal call again');
  t.equal(callState(calls.twoAgentsOneHolds()), 'active', 'one of two agents holding: the other still talks');
  t.equal(callState(setHeld(calls.twoAgentsOneHolds(), 'B', true)), 'held', 'both hold');
  t.equal(callState(endCall(calls.active())), 'ended');
});

t.test('hang-ups', async (t) => {
  t.equal(callState(participantLeft(calls.active(), 'A')), 'ended', 'the agent hangs up');
  t.equal(callState(participantLeft(calls.active(), 'C')), 'ended', 'the customer hangs up');
  t.equal(callState(participantLeft(calls.twoAgents(), 'A')), 'active', 'one of two agents leaves');
  t.equal(callState(participantLeft(calls.ringing(), 'C')), 'ended', 'the customer gives up while agents ring');
  t.equal(callState(participantLeft(calls.ringing(), 'A')), 'ringing', 'a ringing agent declines; the call waits for others');
  const ended = endCall(calls.twoAgents());
  t.ok(ended.participants.every((p) => p.status === 'left'), 'ending the call releases every leg');
});

t.test('blind transfer: the transferring agent may hang up before the target answers', async (t) => {
  const dialing = participantLeft(calls.blindTransferDialing(), 'A');
  t.equal(callState(dialing), 'transferring', 'the transfer goes on');
  const answered = transferTargetAnswered(dialing);
  t.equal(callState(answered), 'active', 'the customer is with the new agent');
  t.same(talkGroups(answered).map((g) => g.members), [['B', 'C']]);
  t.equal(callState(failTransfer(dialing)), 'ended', 'failed with nobody left for the customer: the call ends');
});

t.test('a failed transfer brings the customer back to the transferring agent', async (t) => {
  const back = failTransfer(calls.blindTransferDialing());
  t.equal(callState(back), 'active');
  t.same(talkGroups(back).map((g) => g.members), [['A', 'C']]);
  t.equal(back.participants.find((p) => p.id === 'B')!.status, 'left');
  t.equal(callState(participantLeft(calls.blindTransferDialing(), 'B')), 'active', 'the target hanging up fails the transfer too');
});

t.test('attended: the consulting agent hanging up completes the transfer', async (t) => {
  const c = participantLeft(calls.attendedConsulting(), 'A');
  t.equal(callState(c), 'active');
  t.same(talkGroups(c).map((g) => g.members), [['B', 'C']]);
});

t.test('conference and external transfer facts', async (t) => {
  t.ok(isConferenceCall(calls.conferenceCall()));
  t.notOk(isConferenceCall(calls.externalTransfer()), 'a transfer to an external number is its own case');
  t.ok(isTransferredToExternal(calls.externalTransfer()));
  t.notOk(isTransferredToExternal(calls.blindTransferred()));
});

t.test('illegal transitions are typed errors and change nothing', async (t) => {
  const a = calls.active();
  const snapshot = JSON.stringify(a);
  const bad: [string, () => unknown, string][] = [
    ['hold by the customer', () => setHeld(a, 'C', true), 'not_an_agent'],
    ['hold by an unknown participant', () => setHeld(a, 'Z', true), 'participant_not_found'],
    ['answer twice', () => participantAnswered(a, 'A'), 'illegal_transition'],
    ['add an existing participant', () => addRinging(a, { id: 'A', kind: 'internal', address: 'x', origin: 'added' }), 'duplicate_participant'],
    ['transfer by the customer', () => startTransfer(addRinging(a, { id: 'B', kind: 'internal', address: 'b', origin: 'transfer' }), { kind: 'blind', by: 'C', target: 'B' }), 'not_an_agent'],
    ['a second transfer while one is under way', () => startTransfer(calls.blindTransferDialing(), { kind: 'blind', by: 'A', target: 'B' }), 'transfer_in_progress'],
    ['complete a blind transfer that is dialing', () => completeTransfer(calls.blindTransferDialing()), 'illegal_transition'],
    ['target answered without a transfer', () => transferTargetAnswered(a), 'illegal_transition'],
    ['fail a completed transfer', () => failTransfer(calls.blindTransferred()), 'illegal_transition'],
    ['hang up a participant who left', () => participantLeft(calls.afterTransferAgentLeft(), 'A'), 'participant_not_found'],
    ['anything on an ended call', () => setHeld(endCall(a), 'A', true), 'illegal_transition'],
    ['end an ended call', () => endCall(endCall(a)), 'illegal_transition'],
  ];
  for (const [name, fn, code] of bad) {
    t.throws(fn, name);
    try {
      fn();
    } catch (e) {
      t.ok(e instanceof CoachlineError, `${name}: a CoachlineError`);
      t.equal((e as CoachlineError).code, code, `${name}: ${code}`);
      if (code === 'illegal_transition') t.type(e, IllegalTransitionError);
    }
  }
  t.equal(JSON.stringify(a), snapshot, 'the call is unchanged');
});
