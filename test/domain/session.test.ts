/** The supervision session state machine: every state × event, legal and illegal. */
import t from 'tap';
import { IllegalTransitionError, Session, SessionEvent, SessionState, newSession, transition } from '../../src/domain';

const base = newSession({ id: 's1', callId: 'c1', supervisorId: 'sup', target: 'A', mode: 'monitor', notify: false, confirm: false });
const inState = (state: SessionState, over: Partial<Session> = {}): Session => ({ ...base, ...over, state });

const EVENTS: SessionEvent[] = [
  { type: 'dial' },
  { type: 'ringing' },
  { type: 'answered' },
  { type: 'confirmed' },
  { type: 'confirm_timeout' },
  { type: 'dial_failed', reason: 'busy' },
  { type: 'switch_mode', mode: 'coach' },
  { type: 'stop' },
  { type: 'supervisor_hangup' },
  { type: 'target_left' },
  { type: 'call_ended' },
  { type: 'media_error' },
  { type: 'lock_lost' },
];
const STATES: SessionState[] = ['requested', 'dialing', 'ringing', 'confirming', 'active', 'ended', 'failed'];

// Expected result per state and event: `state` or `state/reason`; '!' is illegal.
const EXPECTED: Record<SessionState, Record<string, string>> = {
  requested: { dial: 'dialing', ringing: '!', answered: '!', confirmed: '!', confirm_timeout: '!', dial_failed: '!', switch_mode: 'requested', stop: 'ended/stopped', supervisor_hangup: '!', target_left: 'ended/target_left', call_ended: 'ended/call_ended', media_error: 'failed/media_error', lock_lost: 'failed/lock_lost' },
  dialing: { dial: '!', ringing: 'ringing', answered: 'active', confirmed: '!', confirm_timeout: '!', dial_failed: 'failed/busy', switch_mode: 'dialing', stop: 'ended/stopped', supervisor_hangup: '!', target_left: 'ended/target_left', call_ended: 'ended/call_ended', media_error: 'failed/media_error', lock_lost: 'failed/lock_lost' },
  ringing: { dial: '!', ringing: 'ringing', answered: 'active', confirmed: '!', confirm_timeout: '!', dial_failed: 'failed/busy', switch_mode: 'ringing', stop: 'ended/stopped', supervisor_hangup: '!', target_left: 'ended/target_left', call_ended: 'ended/call_ended', media_error: 'failed/media_error', lock_lost: 'failed/lock_lost' },
  confirming: { dial: '!', ringing: '!', answered: '!', confirmed: 'active', confirm_timeout: 'failed/not_confirmed', dial_failed: '!', switch_mode: 'confirming', stop: 'ended/stopped', supervisor_hangup: 'ended/supervisor_hangup', target_left: 'ended/target_left', call_ended: 'ended/call_ended', media_error: 'failed/media_error', lock_lost: 'failed/lock_lost' },
  active: { dial: '!', ringing: '!', answered: '!', confirmed: '!', confirm_timeout: '!', dial_failed: '!', switch_mode: 'active', stop: 'ended/stopped', supervisor_hangup: 'ended/supervisor_hangup', target_left: 'ended/target_left', call_ended: 'ended/call_ended', media_error: 'failed/media_error', lock_lost: 'failed/lock_lost' },
  ended: Object.fromEntries(EVENTS.map((e) => [e.type, '!'])),
  failed: Object.fromEntries(EVENTS.map((e) => [e.type, '!'])),
};

t.test('every state × event', async (t) => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      const s = inState(state, state === 'ended' || state === 'failed' ? { reason: 'stopped' } : {});
      const expected = EXPECTED[state][event.type]!;
      const label = `${state} + ${event.type}`;
      if (expected === '!') {
        const before = JSON.stringify(s);
        t.throws(() => transition(s, event), IllegalTransitionError, `${label} is illegal`);
        t.equal(JSON.stringify(s), before, `${label} leaves the session unchanged`);
        try {
          transition(s, event);
        } catch (e) {
          t.equal((e as IllegalTransitionError).code, 'illegal_transition', `${label}: typed error code`);
        }
      } else {
        const next = transition(s, event);
        const [nextState, reason] = expected.split('/');
        t.equal(next.state, nextState, label);
        if (reason) t.equal(next.reason, reason, `${label}: reason`);
      }
    }
  }
});

t.test('the voicemail guard inserts confirming', async (t) => {
  let s = transition(transition(inState('requested', { confirm: true }), { type: 'dial' }), { type: 'ringing' });
  s = transition(s, { type: 'answered' });
  t.equal(s.state, 'confirming');
  t.equal(transition(s, { type: 'confirmed' }).state, 'active');
  t.match(transition(s, { type: 'confirm_timeout' }), { state: 'failed', reason: 'not_confirmed' });
});

t.test('mode switches keep the leg and change only the mode', async (t) => {
  let s = inState('active');
  for (const mode of ['coach', 'barge', 'monitor'] as const) {
    s = transition(s, { type: 'switch_mode', mode });
    t.equal(s.mode, mode);
    t.equal(s.state, 'active');
  }
  t.equal(transition(inState('ringing'), { type: 'switch_mode', mode: 'barge' }).mode, 'barge', 'before answering: joins in the new mode');
});

t.test('dial failures carry their reason', async (t) => {
  for (const reason of ['no_answer', 'busy', 'declined', 'unreachable'] as const) {
    t.match(transition(inState('ringing'), { type: 'dial_failed', reason }), { state: 'failed', reason });
  }
});
