/** SPEC §5: every rule and its refusal code. */
import t from 'tap';
import {
  Call,
  NumberEntry,
  SupervisionFacts,
  SupervisionMode,
  User,
  callSupervisability,
  evaluateStart,
  evaluateSwitch,
  isEmergencyNumber,
  DEFAULT_EMERGENCY_NUMBERS,
} from '../../src/domain';
import * as calls from '../helpers/calls';

const supervisor: User = { id: 'sup-1', name: 'Sofía', role: 'supervisor', permissions: ['monitor', 'coach', 'barge'] };
const number: NumberEntry = {
  e164: calls.NUMBER,
  name: 'Sales',
  distribution: ['agent-a', 'agent-b', 'sup-1'],
  emergency: false,
  supervisable: true,
};

function facts(over: Partial<SupervisionFacts> = {}): SupervisionFacts {
  return {
    call: calls.active(),
    number,
    supervisor,
    supervisorStatus: 'available',
    supervisorSessionId: undefined,
    coachOnTarget: () => undefined,
    ...over,
  };
}

type Case = [name: string, f: SupervisionFacts, target: string, mode: SupervisionMode, code: string | { target: string }];

const CASES: Case[] = [
  ['monitor the agent', facts(), 'internal', 'monitor', { target: 'A' }],
  ['monitor the customer', facts(), 'external', 'monitor', { target: 'C' }],
  ['coach by participant id', facts(), 'A', 'coach', { target: 'A' }],
  ['barge', facts(), 'A', 'barge', { target: 'A' }],
  ['an admin supervises', facts({ supervisor: { ...supervisor, role: 'admin' } }), 'A', 'monitor', { target: 'A' }],
  ['rule 1: an agent cannot supervise', facts({ supervisor: { ...supervisor, role: 'agent' } }), 'A', 'monitor', 'not_supervisor'],
  ['rule 1: coach without the coach permission', facts({ supervisor: { ...supervisor, permissions: ['monitor'] } }), 'A', 'coach', 'forbidden_mode'],
  ['rule 1: barge without the barge permission', facts({ supervisor: { ...supervisor, permissions: ['monitor', 'coach'] } }), 'A', 'barge', 'forbidden_mode'],
  ['rule 1: monitor without the monitor permission', facts({ supervisor: { ...supervisor, permissions: ['coach'] } }), 'A', 'monitor', 'forbidden_mode'],
  ['rule 2: not in the distribution', facts({ number: { ...number, distribution: ['agent-a'] } }), 'A', 'monitor', 'not_in_distribution'],
  ['rule 2: number unknown to the directory', facts({ number: undefined }), 'A', 'monitor', 'not_in_distribution'],
  ['rule 2: supervision switched off for the number', facts({ number: { ...number, supervisable: false } }), 'A', 'monitor', 'not_supervisable'],
  ['rule 3: emergency call', facts({ call: { ...calls.active(), emergency: true } }), 'A', 'monitor', 'emergency_call'],
  ['rule 3: emergency number', facts({ number: { ...number, emergency: true } }), 'A', 'monitor', 'emergency_call'],
  ['rule 3: coach on a conference call', facts({ call: calls.conferenceCall() }), 'A', 'coach', 'conference_call'],
  ['rule 3: monitor on a conference call is fine', facts({ call: calls.conferenceCall() }), 'A', 'monitor', { target: 'A' }],
  ['rule 3: coach after a transfer to an external number', facts({ call: calls.externalTransfer() }), 'A', 'coach', 'external_transfer'],
  ['rule 3: monitor after a transfer to an external number', facts({ call: calls.externalTransfer() }), 'C', 'monitor', { target: 'C' }],
  ['rule 4: a second coach on the agent', facts({ coachOnTarget: (id) => (id === 'A' ? 'other-session' : undefined) }), 'A', 'coach', 'coach_taken'],
  ['rule 4: the coach lock is per agent', facts({ call: calls.twoAgents(), coachOnTarget: (id) => (id === 'A' ? 'x' : undefined) }), 'B', 'coach', { target: 'B' }],
  ['rule 4: a monitor beside a coach is fine', facts({ coachOnTarget: () => 'other-session' }), 'A', 'monitor', { target: 'A' }],
  ['rule 5: one session at a time', facts({ supervisorSessionId: 'sess-9' }), 'A', 'monitor', 'supervisor_busy'],
  ['rule 5: own call', facts({ supervisor: { ...supervisor, id: 'agent-a' } }), 'C', 'monitor', 'own_call'],
  ['rule 6: busy supervisor', facts({ supervisorStatus: 'busy' }), 'A', 'monitor', 'not_available'],
  ['rule 6: unavailable supervisor', facts({ supervisorStatus: 'unavailable' }), 'A', 'monitor', 'not_available'],
  ['coach targets an agent, not the customer', facts(), 'external', 'coach', 'target_not_agent'],
  ['barge targets an agent, not the customer', facts(), 'C', 'barge', 'target_not_agent'],
  ['unknown participant', facts(), 'nobody', 'monitor', 'target_not_found'],
  ['internal is ambiguous with two agents', facts({ call: calls.twoAgents() }), 'internal', 'monitor', 'target_ambiguous'],
  ['a participant who left', facts({ call: calls.afterTransferAgentLeft() }), 'A', 'monitor', 'target_not_found'],
  ['a ringing call is not live', facts({ call: calls.ringing() }), 'external', 'monitor', 'call_not_live'],
  ['rule 9: rejoin after leaving (no live session, available again)', facts(), 'A', 'coach', { target: 'A' }],
];

t.test('evaluateStart', async (t) => {
  for (const [name, f, target, mode, expected] of CASES) {
    const d = evaluateStart(f, { target, mode });
    if (typeof expected === 'string') {
      t.match(d, { allowed: false, code: expected }, name);
      if (!d.allowed) t.ok(d.message.length > 10, `${name}: a sentence for the user`);
    } else {
      t.same(d, { allowed: true, target: expected.target }, name);
    }
  }
});

t.test('call listings: supervisable with the reason, per user', async (t) => {
  t.same(callSupervisability(calls.active(), number, supervisor), { allowed: true });
  t.match(callSupervisability(calls.active(), { ...number, distribution: [] }, supervisor), { allowed: false, code: 'not_in_distribution' });
  const agent: User = { id: 'agent-a', name: 'Ana', role: 'agent', permissions: [] };
  t.match(callSupervisability(calls.active(), number, agent), { code: 'not_supervisor' });
  const ended: Call = { ...calls.active(), ended: true };
  t.match(callSupervisability(ended, number, supervisor), { code: 'call_not_live' });
});

t.test('evaluateSwitch re-checks the mode, not status or busy', async (t) => {
  const session = { target: 'A' };
  const busy = facts({ supervisorStatus: 'busy', supervisorSessionId: 'mine' });
  t.same(evaluateSwitch(busy, session, 'coach'), { allowed: true }, 'busy during its own session is expected');
  t.match(evaluateSwitch(facts({ supervisor: { ...supervisor, permissions: ['monitor'] } }), session, 'barge'), { code: 'forbidden_mode' });
  t.match(evaluateSwitch(facts({ coachOnTarget: () => 'someone-else' }), session, 'coach'), { code: 'coach_taken' });
  t.match(evaluateSwitch(facts({ call: calls.conferenceCall() }), session, 'coach'), { code: 'conference_call' });
  t.match(evaluateSwitch(facts(), { target: 'C' }, 'coach'), { code: 'target_not_agent' });
  t.match(evaluateSwitch(facts({ call: calls.afterTransferAgentLeft() }), session, 'monitor'), { code: 'target_not_found' });
  t.match(evaluateSwitch(facts({ call: { ...calls.active(), ended: true } }), session, 'monitor'), { code: 'call_not_live' });
});

t.test('emergency numbers', async (t) => {
  for (const n of DEFAULT_EMERGENCY_NUMBERS) t.ok(isEmergencyNumber(n, DEFAULT_EMERGENCY_NUMBERS), n);
  t.ok(isEmergencyNumber('sip:112@trunk', DEFAULT_EMERGENCY_NUMBERS), 'in a SIP URI');
  t.ok(isEmergencyNumber('+911', DEFAULT_EMERGENCY_NUMBERS), 'with a plus');
  t.notOk(isEmergencyNumber('+34911000000', DEFAULT_EMERGENCY_NUMBERS), 'a number that starts with 911');
  t.notOk(isEmergencyNumber('1120', DEFAULT_EMERGENCY_NUMBERS));
  t.ok(isEmergencyNumber('061', ['061']), 'a configured list');
});
