/**
 * Calls with several agents on the real stack (issue 12), checked on real audio and,
 * where a coach could leak, per 20 ms frame: a consult from the agent's own phone and
 * the attended transfer that completes it (REFER with Replaces on the customer's
 * dialog, the order Yealink/Polycom/Snom/Grandstream phones send), a Replaces naming
 * no dialog, a conference of two agents with a coach on one, a conference with two
 * external parties, and a takeover.
 */
import type { Test } from 'tap';
import { Party, TONES, expectHearing, hearsMusic, sleep } from './lib/hearing';
import { Hearing, expectNoFrameLeak, newTally, reportTally } from './lib/frames';
import { TOKEN, noChannelsLeft, session, supervise, supervisedCall, switchMode, until } from './lib/flows';
import type { SipPhone } from './lib/sip-phones';
import { ADDR, type Stack } from './lib/stack';
import { e2eSuite } from './lib/suite';

const ANA_TOKEN = 'e2e-ana-token-000000000';
const tally = newTally();

async function callView(s: Stack, id: string): Promise<any> {
  return (await s.api('GET', `/v1/calls/${id}`, TOKEN.sofia)).body;
}

/** Ana's phone holds the customer and calls Bruno on a second line, through coachline. */
async function consult(t: Test, s: Stack, callId: string, ana: SipPhone): Promise<{ line: SipPhone; bruno: SipPhone; B: string }> {
  const bruno = await s.desk.phone('bruno', TONES.agent2);
  bruno.answering = { kind: 'auto' };
  await ana.hold('sendonly');
  // The same phone's second line: same user, same voice.
  const line = await s.desk.phone('ana-line2', TONES.agent);
  await line.call(`sip:bruno@${ADDR.app}:5060`, { From: `<sip:ana@${ADDR.desk}>` });
  let view: any;
  await until('consulting', async () => {
    view = await callView(s, callId);
    return view.transfer?.phase === 'consulting';
  });
  t.match(view.transfer, { kind: 'attended', phase: 'consulting' }, 'the colleague’s call is this call’s consult');
  const B = view.participants.find((p: any) => p.userId === 'bruno' && p.status === 'connected').id as string;
  t.equal(view.participants.find((p: any) => p.id === B).origin, 'consult');
  return { line, bruno, B };
}

/** The call's agent adds a participant through the API; resolves with it once its phone answered. */
async function addAnswering(t: Test, s: Stack, callId: string, phone: SipPhone, body: Record<string, string>): Promise<any> {
  phone.answering = { kind: 'auto' };
  const added = await s.api('POST', `/v1/calls/${callId}/participants`, ANA_TOKEN, body);
  t.equal(added.status, 201, `the agent adds ${JSON.stringify(body)}`);
  await until('the added participant answers', async () => (await callView(s, callId)).participants.some((p: any) => p.id === added.body.id && p.status === 'connected'));
  return added.body;
}

/** The customer and the colleague talk after a transfer; then the customer hangs up. */
async function transferredTo(t: Test, s: Stack, customer: SipPhone, colleague: SipPhone): Promise<void> {
  await expectHearing(t, 'transferred', [{ label: 'customer', phone: customer }, { label: 'colleague', phone: colleague }], { customer: ['colleague'], colleague: ['customer'] });
  await customerHangsUp(t, s, { customer, ana: colleague });
}

/** The customer hangs up: the agent's phone (`ana`: whoever is the agent then) gets BYE and FreeSWITCH keeps no channel. */
async function customerHangsUp(t: Test, s: Stack, call: { customer: SipPhone; ana: SipPhone }): Promise<void> {
  call.customer.hangup();
  await call.ana.waitHangup();
  await noChannelsLeft(t, s);
}

function replacesOf(d: SipPhone): string {
  const sip = d.dialog!.sip;
  // As the phone sees its consult dialog: it sent the INVITE (from-tag is its own).
  return `${sip.callId};to-tag=${sip.remoteTag};from-tag=${sip.localTag}`;
}

e2eSuite('several-agents', [
  [
    'consult from the agent’s phone: who hears whom, monitor and coach on the first agent; then the attended transfer completes',
    async (t, s) => {
      const { call, sofia } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      const { line, bruno } = await consult(t, s, call.id, call.ana);
      const parties: Party[] = [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: line },
        { label: 'colleague', phone: bruno },
        { label: 'supervisor', phone: sofia },
      ];
      const monitor: Hearing = { customer: [], agent: ['colleague'], colleague: ['agent'], supervisor: ['agent', 'colleague'] };
      const coach: Hearing = { customer: [], agent: ['colleague', 'supervisor'], colleague: ['agent'], supervisor: ['agent', 'colleague'] };
      await expectHearing(t, 'consulting, monitor on the first agent', parties, monitor);
      t.ok((await hearsMusic(call.customer)) > -40, 'the customer hears hold music');
      await expectNoFrameLeak(t, tally, 'consult: monitor → coach', 'consulting: monitor → coach', parties, monitor, coach, () => switchMode(t, s, id, 'coach'));
      await expectHearing(t, 'consulting, coach on the first agent', parties, coach);
      await expectNoFrameLeak(t, tally, 'consult: coach → monitor', 'consulting: coach → monitor', parties, coach, monitor, () => switchMode(t, s, id, 'monitor'));

      // Ana's phone completes: REFER on the customer's dialog, Replaces naming the consult.
      const referTo = `sip:bruno@${ADDR.app}?Replaces=${encodeURIComponent(replacesOf(line))}`;
      t.equal(await call.ana.refer(referTo), 202, 'REFER with Replaces accepted');
      await call.ana.waitHangup();
      await line.waitHangup();
      t.pass('both of the transferring agent’s legs got BYE');
      await until('the supervisor’s session on the agent ends', async () => (await session(s, TOKEN.sofia, id)).state === 'ended');
      t.equal((await session(s, TOKEN.sofia, id)).reason, 'target_left');
      await sofia.waitHangup();
      const view = await callView(s, call.id);
      t.same(view.participants.filter((p: any) => p.status === 'connected').map((p: any) => p.userId ?? 'customer').sort(), ['bruno', 'customer']);
      const after: Party[] = [parties[0]!, parties[2]!, { label: 'supervisor', phone: sofia }];
      const id2 = await supervise(t, s, call, { target: 'external', mode: 'monitor' });
      await expectHearing(t, 'transferred, monitor on the customer', after, { customer: ['colleague'], colleague: ['customer'], supervisor: ['customer', 'colleague'] });
      await s.api('DELETE', `/v1/supervisions/${id2}`, TOKEN.sofia);
      call.customer.hangup();
      await bruno.waitHangup();
      await sofia.waitHangup().catch(() => undefined);
      await noChannelsLeft(t, s);
    },
  ],
  [
    'attended transfer, the other order: REFER on the consult dialog with Replaces naming the customer’s',
    async (t, s) => {
      const { call } = await supervisedCall(s);
      const { line, bruno } = await consult(t, s, call.id, call.ana);
      t.equal(await line.refer(`sip:customer@${ADDR.app}?Replaces=${encodeURIComponent(replacesOf(call.ana))}`), 202);
      await call.ana.waitHangup();
      await line.waitHangup();
      await transferredTo(t, s, call.customer, bruno);
    },
  ],
  [
    'semi-attended: the phone REFERs while the colleague still rings, then cancels its consult INVITE',
    async (t, s) => {
      const { call } = await supervisedCall(s);
      const bruno = await s.desk.phone('bruno', TONES.agent2);
      bruno.answering = { kind: 'after', ms: 2500 };
      await call.ana.hold('sendonly');
      const line = await s.desk.phone('ana-line2', TONES.agent);
      const ringing = line.call(`sip:bruno@${ADDR.app}:5060`, { From: `<sip:ana@${ADDR.desk}>` }).catch(() => 'cancelled');
      await bruno.waitInvite();
      await sleep(300);
      const callId = line.pendingCallId();
      t.ok(callId, 'the consult INVITE is pending');
      t.equal(await call.ana.refer(`sip:bruno@${ADDR.app}?Replaces=${encodeURIComponent(`${callId};to-tag=;from-tag=x`)}`), 202);
      line.cancelPending();
      await ringing;
      await until('the colleague answered and has the customer', async () => {
        const v = await callView(s, call.id);
        return v.participants.some((p: any) => p.userId === 'bruno' && p.status === 'connected') && !v.participants.some((p: any) => p.userId === 'ana' && p.status === 'connected');
      });
      await call.ana.waitHangup();
      t.pass('the transferring agent was released once the colleague answered');
      await transferredTo(t, s, call.customer, bruno);
    },
  ],
  [
    'a REFER whose Replaces names no dialog of the agent leaves the customer with the agent',
    async (t, s) => {
      const { call } = await supervisedCall(s);
      const { line, bruno } = await consult(t, s, call.id, call.ana);
      const bogus = `sip:bruno@${ADDR.app}?Replaces=${encodeURIComponent('no-such-call@x;to-tag=1;from-tag=2')}`;
      t.equal(await call.ana.refer(bogus), 202, 'accepted, then failed by NOTIFY (481), as a real transferee would');
      await sleep(800);
      const view = await callView(s, call.id);
      t.equal(view.transfer?.phase, 'consulting', 'the consult goes on');
      t.ok(call.ana.connected && line.connected, 'no leg of the agent was hung up');
      // The agent gives up the consult and takes the customer back.
      line.hangup();
      await bruno.waitHangup();
      await call.ana.resume();
      await expectHearing(t, 'the agent is back with the customer', [{ label: 'customer', phone: call.customer }, { label: 'agent', phone: call.ana }], { customer: ['agent'], agent: ['customer'] });
      await customerHangsUp(t, s, call);
    },
  ],
  [
    'a conference of two agents: a coach of one is heard by that agent only, not by the other agent or the customer',
    async (t, s) => {
      const { call, sofia } = await supervisedCall(s);
      const bruno = await s.desk.phone('bruno', TONES.agent2);
      const added = await addAnswering(t, s, call.id, bruno, { userId: 'bruno' });
      const parties: Party[] = [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: call.ana },
        { label: 'colleague', phone: bruno },
        { label: 'supervisor', phone: sofia },
      ];
      const none: Hearing = { customer: ['agent', 'colleague'], agent: ['customer', 'colleague'], colleague: ['customer', 'agent'] };
      await expectHearing(t, 'three talk', parties, none);
      const id = await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      const monitor: Hearing = { ...none, supervisor: ['customer', 'agent', 'colleague'] };
      const coach: Hearing = { ...none, agent: ['customer', 'colleague', 'supervisor'], supervisor: ['customer', 'agent', 'colleague'] };
      for (let r = 1; r <= 3; r++) {
        await expectNoFrameLeak(t, tally, 'two agents: monitor → coach', `round ${r}: monitor → coach`, parties, monitor, coach, () => switchMode(t, s, id, 'coach'));
        await expectNoFrameLeak(t, tally, 'two agents: coach → monitor', `round ${r}: coach → monitor`, parties, coach, monitor, () => switchMode(t, s, id, 'monitor'));
      }
      await switchMode(t, s, id, 'coach');
      await expectHearing(t, 'coach on the first agent', parties, coach);
      const B = added.id as string;
      const second = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: B, mode: 'coach' });
      t.not(second.status, 409, 'the other agent can be coached too (one coach per agent)');
      if (second.status === 201) await s.api('DELETE', `/v1/supervisions/${second.body.id}`, TOKEN.rita);
      const removed = await s.api('DELETE', `/v1/calls/${call.id}/participants/${B}`, ANA_TOKEN);
      t.equal(removed.status, 200, 'the agent removes the colleague');
      await bruno.waitHangup();
      await s.api('DELETE', `/v1/supervisions/${id}`, TOKEN.sofia);
      await sofia.waitHangup();
      await customerHangsUp(t, s, call);
    },
  ],
  [
    'a conference with two external parties: coach refused, monitor hears all three',
    async (t, s) => {
      const { call, sofia } = await supervisedCall(s);
      const guest = await s.carrier.phone('+34600000555', TONES.remote);
      const added = await addAnswering(t, s, call.id, guest, { number: '+34600000555' });
      t.equal(added.kind, 'external', 'an external number, dialed through the trunk');
      const coach = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.sofia, { target: call.A, mode: 'coach' });
      t.same([coach.status, coach.body.error?.code], [409, 'conference_call']);
      await supervise(t, s, call, { target: call.A, mode: 'monitor' });
      await expectHearing(t, 'monitor on a conference call', [
        { label: 'customer', phone: call.customer },
        { label: 'agent', phone: call.ana },
        { label: 'guest', phone: guest },
        { label: 'supervisor', phone: sofia },
      ], { customer: ['agent', 'guest'], agent: ['customer', 'guest'], guest: ['customer', 'agent'], supervisor: ['customer', 'agent', 'guest'] });
      guest.hangup();
      call.customer.hangup();
      await call.ana.waitHangup();
      await sofia.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'an agent calls a colleague: reached through coachline, not the trunk; listed, never supervisable',
    async (t, s) => {
      const ana = await s.desk.phone('ana', TONES.agent);
      const bruno = await s.desk.phone('bruno', TONES.agent2);
      bruno.answering = { kind: 'auto' };
      await ana.call(`sip:bruno@${ADDR.app}:5060`, { From: `<sip:ana@${ADDR.desk}>` });
      t.ok(bruno.connected, 'the colleague’s desk phone answered');
      let view: any;
      await until('listed', async () => {
        view = (await s.api('GET', '/v1/calls?agent=ana', TOKEN.sofia)).body.calls.find((c: any) => c.direction === 'internal');
        return !!view && view.state === 'active';
      });
      t.match(view, { direction: 'internal', supervisable: false, reason: { code: 'internal_call' } }, 'listings say why');
      const r = await s.api('POST', `/v1/calls/${view.id}/supervisions`, TOKEN.sofia, { target: 'a1', mode: 'monitor' });
      t.same([r.status, r.body.error?.code], [409, 'internal_call']);
      await expectHearing(t, 'agent to agent', [{ label: 'ana', phone: ana }, { label: 'bruno', phone: bruno }], { ana: ['bruno'], bruno: ['ana'] });
      ana.hangup();
      await bruno.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'takeover: the agent’s phone gets BYE, the customer and the supervisor talk',
    async (t, s) => {
      const { call, sofia } = await supervisedCall(s);
      const id = await supervise(t, s, call, { target: call.A, mode: 'coach' });
      const r = await s.api('POST', `/v1/supervisions/${id}/takeover`, TOKEN.sofia);
      t.equal(r.status, 200, JSON.stringify(r.body));
      t.match(r.body, { state: 'ended', reason: 'takeover' });
      await call.ana.waitHangup();
      t.pass('the agent’s phone got BYE');
      t.ok(sofia.connected, 'the supervisor’s phone was not hung up');
      await expectHearing(t, 'after the takeover', [
        { label: 'customer', phone: call.customer },
        { label: 'supervisor', phone: sofia },
      ], { customer: ['supervisor'], supervisor: ['customer'] });
      const me = (await s.api('GET', '/v1/users/sofia', TOKEN.sofia)).body;
      t.equal(me.status, 'busy', 'busy while in the call');
      const view = await callView(s, call.id);
      t.match(view.participants.find((p: any) => p.id === id), { role: 'supervisor', origin: 'takeover', status: 'connected' });
      sofia.hangup();
      await call.customer.waitHangup();
      await until('available again', async () => (await s.api('GET', '/v1/users/sofia', TOKEN.sofia)).body.status === 'available');
      await noChannelsLeft(t, s);
      reportTally(t, tally);
    },
  ],
]);
