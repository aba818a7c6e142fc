/**
 * Issue 9 on the real stack: no transition lets anyone hear, for even one 20 ms
 * frame, a party they hear in neither the state before nor the state after — mode
 * switches, a supervisor joining and leaving, hold and resume, each transfer phase,
 * the target leaving, the notify tone, two supervisors on one call. Each transition
 * is repeated at least five times; the leak counts are printed at the end.
 */
import { Party, TONES, sleep } from './lib/hearing';
import { Hearing, expectNoFrameLeak, newTally, reportTally } from './lib/frames';
import { TOKEN, endCall, session, stop, supervise, supervisedCall, switchMode, until } from './lib/flows';
import { ADDR } from './lib/stack';
import { e2eSuite } from './lib/suite';

const ROUNDS = 5;
const NOTIFY_HZ = 1400;
const tally = newTally();

const ACTIVE: Record<'none' | 'monitor' | 'coach' | 'barge', Hearing> = {
  none: { customer: ['agent'], agent: ['customer'] },
  monitor: { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] },
  coach: { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] },
  barge: { customer: ['agent', 'supervisor'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] },
};

/**
 * The agent's phone holds: the customer hears music only; a supervisor on the agent
 * hears the agent; the holding agent hears nobody, a coach or barger included.
 */
const HELD: Record<'monitor' | 'coach' | 'barge', Hearing> = {
  monitor: { customer: [], agent: [], supervisor: ['agent'] },
  coach: { customer: [], agent: [], supervisor: ['agent'] },
  barge: { customer: [], agent: [], supervisor: ['agent'] },
};

e2eSuite('transitions', [
  [
    `mode switches on an active call, every ordered pair, ${ROUNDS} rounds`,
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      await sleep(500);
      let mode: keyof typeof HELD = 'monitor';
      // monitor → coach → monitor → barge → coach → barge → monitor: all six ordered pairs.
      const cycle: (keyof typeof HELD)[] = ['coach', 'monitor', 'barge', 'coach', 'barge', 'monitor'];
      for (let r = 1; r <= ROUNDS; r++) {
        for (const next of cycle) {
          await expectNoFrameLeak(t, tally, `${mode} → ${next}`, `round ${r}: ${mode} → ${next}`, parties, ACTIVE[mode], ACTIVE[next], () => switchMode(t, s, id, next));
          mode = next;
        }
      }
      await stop(t, s, id, sofia);
      await endCall(s, call);
    },
  ],
  [
    `a supervisor joining and leaving (monitor, coach with the notify tone), ${ROUNDS} rounds`,
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      const notify = { label: 'notify tone', hz: NOTIFY_HZ, to: ['agent'] };
      for (let r = 1; r <= ROUNDS; r++) {
        for (const mode of ['monitor', 'coach'] as const) {
          let id = '';
          await expectNoFrameLeak(t, tally, `join as ${mode}`, `round ${r}: ${mode} joins`, parties, ACTIVE.none, ACTIVE[mode], async () => {
            id = await supervise(t, s, call, { target: call.A, mode, ...(mode === 'coach' ? { notify: true } : {}) });
          }, { sounds: [notify] });
          await expectNoFrameLeak(t, tally, `leave from ${mode}`, `round ${r}: ${mode} leaves`, parties, ACTIVE[mode], ACTIVE.none, () => stop(t, s, id, sofia));
        }
      }
      await endCall(s, call);
    },
  ],
  [
    `hold and resume under a coach, ${ROUNDS} rounds`,
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'coach' });
      await sleep(500);
      for (let r = 1; r <= ROUNDS; r++) {
        await expectNoFrameLeak(t, tally, 'hold (coach)', `round ${r}: the agent holds`, parties, ACTIVE.coach, HELD.coach, async () => {
          await call.ana.hold('sendonly');
          call.ana.rtp.setSilent(false); // the agent keeps talking (to the coach) while holding
        });
        await expectNoFrameLeak(t, tally, 'resume (coach)', `round ${r}: the agent resumes`, parties, HELD.coach, ACTIVE.coach, () => call.ana.resume());
      }
      await stop(t, s, id, sofia);
      await endCall(s, call);
    },
  ],
  [
    `barge ↔ monitor while the agent holds (the customer apart), ${ROUNDS} rounds`,
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      await call.ana.hold('sendonly');
      call.ana.rtp.setSilent(false);
      const id = await supervise(t, s, call, { target: call.A, mode: 'barge' });
      await sleep(500);
      for (let r = 1; r <= ROUNDS; r++) {
        await expectNoFrameLeak(t, tally, 'held: barge → monitor', `round ${r}: barge → monitor`, parties, HELD.barge, HELD.monitor, () => switchMode(t, s, id, 'monitor'));
        await expectNoFrameLeak(t, tally, 'held: monitor → barge', `round ${r}: monitor → barge`, parties, HELD.monitor, HELD.barge, () => switchMode(t, s, id, 'barge'));
      }
      await stop(t, s, id, sofia);
      await call.ana.resume();
      await endCall(s, call);
    },
  ],
  [
    `blind transfer: each phase under a supervisor on the transferring agent, then the target leaving, ${ROUNDS} calls`,
    async (t, s) => {
      for (let r = 1; r <= ROUNDS; r++) {
        const { call, parties: three } = await supervisedCall(s);
        const bruno = await s.desk.phone('bruno', TONES.agent2);
        bruno.answering = { kind: 'after', ms: 4000 };
        const parties: Party[] = [...three, { label: 'agent2', phone: bruno }];
        const id = await supervise(t, s, call, { target: call.A, mode: 'coach' });
        await sleep(400);
        // REFER: the agent is apart at once; the customer waits (music), hearing nobody.
        const ringing: Hearing = { customer: [], agent: ['supervisor'], supervisor: ['agent'] };
        await expectNoFrameLeak(t, tally, 'transfer starts (coach)', `call ${r}: REFER under a coach`, parties, ACTIVE.coach, ringing, async () => {
          t.equal(await call.ana.refer(`sip:bruno@${ADDR.app}`), 202, 'REFER accepted');
        });
        await expectNoFrameLeak(t, tally, 'transfer ringing: coach → barge', `call ${r}: coach → barge while the target rings`, parties, ringing, ringing, () => switchMode(t, s, id, 'barge'));
        const ringingMonitor: Hearing = { customer: [], agent: [], supervisor: ['agent'] };
        await expectNoFrameLeak(t, tally, 'transfer ringing: barge → monitor', `call ${r}: barge → monitor while the target rings`, parties, ringing, ringingMonitor, () => switchMode(t, s, id, 'monitor'));
        // The target answers, the transferring agent is released, the session ends (target left).
        const after: Hearing = { customer: ['agent2'], agent2: ['customer'] };
        await expectNoFrameLeak(t, tally, 'transfer completes, target leaves', `call ${r}: the new agent answers`, parties, ringingMonitor, after, async () => {
          await until('bruno answered', async () => bruno.connected);
        }, { settleMs: 1200 });
        await until('the session ended', async () => (await session(s, TOKEN.sofia, id)).state === 'ended');
        t.match(await session(s, TOKEN.sofia, id), { reason: 'target_left' }, 'the session ended with its target');
        bruno.hangup();
        await call.customer.waitHangup();
        await sleep(300);
      }
    },
  ],
  [
    `two supervisors on one call: a coach and a monitor switching, ${ROUNDS} rounds`,
    async (t, s) => {
      const { call, sofia, parties: three } = await supervisedCall(s);
      const rita = await s.carrier.phone('+34600000099', TONES.remote);
      rita.answering = { kind: 'auto' };
      const parties: Party[] = [...three, { label: 'rita', phone: rita }];
      const coach = await supervise(t, s, call, { target: call.A, mode: 'coach' });
      const monitor = await supervise(t, s, call, { target: call.A, mode: 'monitor' }, TOKEN.rita);
      await sleep(500);
      // Sofia coaches, Rita monitors: each hears the call, the agent hears Sofia, nobody hears Rita.
      const both: Hearing = {
        customer: ['agent'],
        agent: ['customer', 'supervisor'],
        supervisor: ['customer', 'agent'],
        rita: ['customer', 'agent'],
      };
      // Rita barges: everyone hears Rita; Sofia (coach) still heard by the agent only.
      const ritaBarges: Hearing = {
        customer: ['agent', 'rita'],
        agent: ['customer', 'supervisor', 'rita'],
        supervisor: ['customer', 'agent', 'rita'],
        rita: ['customer', 'agent'],
      };
      // Sofia back to monitor while Rita barges.
      const sofiaMonitors: Hearing = { ...ritaBarges, agent: ['customer', 'rita'] };
      for (let r = 1; r <= ROUNDS; r++) {
        await expectNoFrameLeak(t, tally, 'two supervisors: monitor → barge', `round ${r}: Rita barges`, parties, both, ritaBarges, () => s.api('PATCH', `/v1/supervisions/${monitor}`, TOKEN.rita, { mode: 'barge' }));
        await expectNoFrameLeak(t, tally, 'two supervisors: coach → monitor', `round ${r}: Sofia to monitor`, parties, ritaBarges, sofiaMonitors, () => switchMode(t, s, coach, 'monitor'));
        await expectNoFrameLeak(t, tally, 'two supervisors: monitor → coach', `round ${r}: Sofia to coach`, parties, sofiaMonitors, ritaBarges, () => switchMode(t, s, coach, 'coach'));
        await expectNoFrameLeak(t, tally, 'two supervisors: barge → monitor', `round ${r}: Rita back to monitor`, parties, ritaBarges, both, () => s.api('PATCH', `/v1/supervisions/${monitor}`, TOKEN.rita, { mode: 'monitor' }));
      }
      await stop(t, s, monitor, rita, TOKEN.rita);
      await stop(t, s, coach, sofia);
      await endCall(s, call);
      reportTally(t, tally);
    },
  ],
]);
