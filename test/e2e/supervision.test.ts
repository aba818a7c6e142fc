/**
 * Issue 5 on the real stack: supervisors dialed on their devices, and SPEC §3's
 * audibility table checked on real audio for every mode and target in active, hold
 * and transfer; mode switches by API and DTMF; remote phones; the voicemail guard.
 */
import { Party, TONES, expectHearing, sleep } from './lib/hearing';
import { TOKEN, endCall, newCall, session, sofiaPhone, stop, supervise, supervisedCall, switchMode, until } from './lib/flows';
import { ADDR } from './lib/stack';
import { e2eSuite } from './lib/suite';

e2eSuite('supervision', [
  [
    'active call: monitor → coach → barge → monitor on one leg, and monitoring the customer',
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      const invite = sofia.lastInvite!;
      t.match(invite.get('Call-Info') ?? '', /answer-after=0/, 'the desk phone got Call-Info answer-after=0');
      t.match(invite.get('Alert-Info') ?? '', /alert-autoanswer/, 'the desk phone got Alert-Info (yealink dialect)');
      await expectHearing(t, 'monitor agent', parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });
      await switchMode(t, s, id, 'coach');
      await expectHearing(t, 'coach', parties, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
      await switchMode(t, s, id, 'barge');
      await expectHearing(t, 'barge', parties, { customer: ['agent', 'supervisor'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
      await switchMode(t, s, id, 'monitor');
      await expectHearing(t, 'back to monitor', parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });
      await stop(t, s, id, sofia);

      const ext = await supervise(t, s, call, { target: 'external', mode: 'monitor' });
      await expectHearing(t, 'monitor customer', parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });
      await stop(t, s, ext, sofia);
      await endCall(s, call);
    },
  ],
  [
    'hold: monitoring the agent hears the agent only, the customer the customer only; coach and barge reach the agent only',
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      await call.ana.hold('sendonly');
      call.ana.rtp.setSilent(false); // the agent keeps talking (to a coach) while holding
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      // The holding phone (answered recvonly) is sent silence only: a coach or barger
      // is not heard by an agent whose phone holds.
      await expectHearing(t, 'hold, monitor agent', parties, { customer: [], agent: [], supervisor: ['agent'] });
      await switchMode(t, s, id, 'coach');
      await expectHearing(t, 'hold, coach', parties, { customer: [], agent: [], supervisor: ['agent'] });
      const detail = (await s.api('GET', `/v1/calls/${call.id}`, TOKEN.sofia)).body;
      t.match(detail.participants.find((p: any) => p.id === id), { supervision: { mode: 'coach', heardByTarget: false } }, 'the call detail says the holding agent does not hear the coach');
      await switchMode(t, s, id, 'barge');
      await expectHearing(t, 'hold, barge', parties, { customer: [], agent: [], supervisor: ['agent'] });
      await stop(t, s, id, sofia);
      const ext = await supervise(t, s, call, { target: call.C, mode: 'monitor' });
      await expectHearing(t, 'hold, monitor customer', parties, { customer: [], agent: [], supervisor: ['customer'] });
      await call.ana.resume();
      await expectHearing(t, 'resumed, monitor customer', parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });
      await stop(t, s, ext, sofia);
      await endCall(s, call);
    },
  ],
  [
    'transfer: the original agent alone while the target rings; the customer and the new agent after',
    async (t, s) => {
      const call = await newCall(s);
      const sofia = await sofiaPhone(s);
      const bruno = await s.desk.phone('bruno', TONES.agent2);
      bruno.answering = { kind: 'after', ms: 8000 };
      const onAgent = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      t.equal(await call.ana.refer(`sip:bruno@${ADDR.app}`), 202);
      await bruno.waitInvite();
      const during: Party[] = [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: call.ana },
        { label: 'supervisor', phone: sofia },
      ];
      // While the target rings, the transferring agent is alone: every mode reaches the agent only.
      await expectHearing(t, 'transfer ringing, monitor original agent', during, { customer: [], agent: [], supervisor: ['agent'] }, 300, 1000);
      await switchMode(t, s, onAgent, 'coach');
      await expectHearing(t, 'transfer ringing, coach original agent', during, { customer: [], agent: ['supervisor'], supervisor: ['agent'] }, 300, 1000);
      await switchMode(t, s, onAgent, 'barge');
      await expectHearing(t, 'transfer ringing, barge original agent', during, { customer: [], agent: ['supervisor'], supervisor: ['agent'] }, 300, 1000);
      await until('bruno answered', async () => bruno.connected);
      await sofia.waitHangup();
      await until('the session ended', async () => (await session(s, TOKEN.sofia, onAgent)).state === 'ended');
      t.match(await session(s, TOKEN.sofia, onAgent), { state: 'ended', reason: 'target_left' }, 'the session ends when its target leaves');

      const parties: Party[] = [
        { label: 'customer', phone: call.customer },
        { label: 'agent2', phone: bruno },
        { label: 'supervisor', phone: sofia },
      ];
      const ext = await supervise(t, s, call, { target: 'external', mode: 'monitor' });
      await expectHearing(t, 'after transfer, monitor customer', parties, { customer: ['agent2'], agent2: ['customer'], supervisor: ['customer', 'agent2'] });
      await stop(t, s, ext, sofia);
      const coach = await supervise(t, s, call, { target: 'internal', mode: 'coach' });
      await expectHearing(t, 'after transfer, coach new agent', parties, { customer: ['agent2'], agent2: ['customer', 'supervisor'], supervisor: ['customer', 'agent2'] });
      await switchMode(t, s, coach, 'barge');
      await expectHearing(t, 'after transfer, barge new agent', parties, { customer: ['agent2', 'supervisor'], agent2: ['customer', 'supervisor'], supervisor: ['customer', 'agent2'] });
      await stop(t, s, coach, sofia);
      bruno.hangup();
      await call.customer.waitHangup();
    },
  ],
  [
    'notify: the coached agent hears a tone, the customer does not',
    async (t, s) => {
      const call = await newCall(s);
      const sofia = await sofiaPhone(s);
      sofia.rtp.setSilent(true);
      const since = Date.now();
      const id = await supervise(t, s, call, { target: call.A, mode: 'coach', notify: true });
      await sleep(1000);
      const agentPeak = call.ana.rtp.peak(1400, since);
      const customerPeak = call.customer.rtp.peak(1400, since);
      t.ok(agentPeak > -40, `the agent heard the notify tone (peak ${agentPeak.toFixed(1)} dBFS)`);
      t.ok(customerPeak < -40, `the customer did not (peak ${customerPeak.toFixed(1)} dBFS)`);
      await stop(t, s, id, sofia);
      await endCall(s, call);
    },
  ],
  [
    'DTMF on the supervisor phone switches mode; # leaves and frees the lock',
    async (t, s) => {
      const { call, sofia, parties } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      await sofia.rtp.sendDtmf('2');
      await until('mode coach after DTMF 2', async () => (await session(s, TOKEN.sofia, id)).mode === 'coach');
      await expectHearing(t, 'coach by DTMF', parties, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
      t.equal(await sofia.sendInfoDtmf('3'), 200, 'SIP INFO DTMF accepted');
      await until('mode barge after INFO 3', async () => (await session(s, TOKEN.sofia, id)).mode === 'barge');
      await sofia.rtp.sendDtmf('#');
      await sofia.waitHangup();
      await until('# ended the session', async () => (await session(s, TOKEN.sofia, id)).state === 'ended');
      t.match(await session(s, TOKEN.sofia, id), { state: 'ended', reason: 'stopped' }, '# ended the session');
      // The coach lock is free: another supervisor may coach at once.
      const rita = await s.carrier.phone('+34600000099', TONES.remote);
      rita.answering = { kind: 'auto' };
      const r = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: call.A, mode: 'coach' });
      t.equal(r.status, 201, 'the next coach request succeeds');
      await until('rita joined', async () => (await session(s, TOKEN.rita, r.body.id)).state === 'active');
      await stop(t, s, r.body.id, rita, TOKEN.rita);
      await endCall(s, call);
    },
  ],
  [
    'a supervisor hanging up frees the lock',
    async (t, s) => {
      const call = await newCall(s);
      const sofia = await sofiaPhone(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'coach' });
      sofia.hangup();
      await until('session ended by hang-up', async () => (await session(s, TOKEN.sofia, id)).state === 'ended');
      t.match(await session(s, TOKEN.sofia, id), { reason: 'supervisor_hangup' });
      const again = await supervise(t, s, call, { target: call.A, mode: 'coach' });
      t.pass('the same supervisor coaches again (rule 9: leave and rejoin)');
      await stop(t, s, again, sofia);
      await endCall(s, call);
    },
  ],
  [
    'remote phone: rings without auto-answer headers; no answer and busy fail cleanly',
    async (t, s) => {
      const call = await newCall(s);
      const rita = await s.carrier.phone('+34600000099', TONES.remote);
      rita.answering = { kind: 'never' };
      const r = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: call.A, mode: 'monitor' });
      t.equal(r.status, 201);
      await until('ringing', async () => (await session(s, TOKEN.rita, r.body.id)).state === 'ringing');
      const invite = rita.lastInvite!;
      for (const h of ['Call-Info', 'Alert-Info', 'Answer-Mode']) t.notOk(invite.has(h), `no ${h} to a remote phone`);
      await until('no_answer after the ring timeout', async () => (await session(s, TOKEN.rita, r.body.id)).state === 'failed', 15_000);
      t.match(await session(s, TOKEN.rita, r.body.id), { reason: 'no_answer' });

      rita.answering = { kind: 'reject', status: 486 };
      const busy = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: call.A, mode: 'monitor' });
      t.equal(busy.status, 201, 'the lock and status were released after no_answer');
      await until('busy', async () => (await session(s, TOKEN.rita, busy.body.id)).state === 'failed');
      t.match(await session(s, TOKEN.rita, busy.body.id), { reason: 'busy' });

      rita.answering = { kind: 'after', ms: 1000 };
      const ok = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: call.A, mode: 'monitor' });
      t.equal(ok.status, 201);
      await until('answered', async () => (await session(s, TOKEN.rita, ok.body.id)).state === 'active');
      await expectHearing(t, 'remote monitor', [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: call.ana },
        { label: 'remote', phone: rita },
      ], { customer: ['agent'], agent: ['customer'], remote: ['customer', 'agent'] });
      await stop(t, s, ok.body.id, rita, TOKEN.rita);
      await endCall(s, call);
    },
  ],
  [
    'voicemail guard: nothing of the call before 1 is pressed; unconfirmed hangs up',
    async (t, s) => {
      const call = await newCall(s);
      const vera = await s.carrier.phone('+34600000098', 1700);
      vera.answering = { kind: 'auto' };
      const first = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.vera, { target: call.A, mode: 'monitor' });
      t.equal(first.status, 201);
      await until('confirming', async () => (await session(s, TOKEN.vera, first.body.id)).state === 'confirming');
      const since = Date.now();
      await sleep(1500);
      t.ok(vera.rtp.level(TONES.customer, since) < -40 && vera.rtp.level(TONES.agent, since) < -40, 'the unconfirmed phone hears nothing of the call');
      await vera.waitHangup(10_000);
      t.match(await session(s, TOKEN.vera, first.body.id), { state: 'failed', reason: 'not_confirmed' });

      const second = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.vera, { target: call.A, mode: 'monitor' });
      await until('confirming again', async () => (await session(s, TOKEN.vera, second.body.id)).state === 'confirming');
      await vera.rtp.sendDtmf('1');
      await until('confirmed', async () => (await session(s, TOKEN.vera, second.body.id)).state === 'active');
      await expectHearing(t, 'confirmed guard', [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: call.ana },
        { label: 'vera', phone: vera },
      ], { customer: ['agent'], agent: ['customer'], vera: ['customer', 'agent'] });
      // Vera may not barge: her 3 is refused with a tone on her leg only, and she stays in monitor.
      const pressed = Date.now();
      await vera.rtp.sendDtmf('3');
      await sleep(1000);
      t.equal((await session(s, TOKEN.vera, second.body.id)).mode, 'monitor', 'a refused DTMF switch keeps the mode');
      const tone = { vera: vera.rtp.peak(620, pressed), customer: call.customer.rtp.peak(620, pressed), agent: call.ana.rtp.peak(620, pressed) };
      t.ok(tone.vera > -40, `Vera hears the refused tone (peak ${tone.vera.toFixed(1)} dBFS)`);
      t.ok(tone.customer < -40 && tone.agent < -40, `the customer and the agent do not (${tone.customer.toFixed(1)}, ${tone.agent.toFixed(1)} dBFS)`);
      await stop(t, s, second.body.id, vera, TOKEN.vera);
      await endCall(s, call);
    },
  ],
]);
