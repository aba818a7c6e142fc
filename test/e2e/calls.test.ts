/**
 * Issue 4 on the real stack: calls through coachline's B2BUA and FreeSWITCH
 * conferences, checked on real audio (tones each test phone sends and hears).
 */
import type { Test } from 'tap';
import { Party, TONES, expectHearing, hearsMusic, sleep } from './lib/hearing';
import { PRESENT_DBFS } from './lib/rtp-phone';
import { ADDR, NUMBERS, type Stack } from './lib/stack';
import { e2eSuite } from './lib/suite';
import { noChannelsLeft } from './lib/flows';
import { withTimeout, type SipPhone } from './lib/sip-phones';

const SUP = 'e2e-sofia-token-0000000';

/** A customer on the carrier side calls the sales number; Ana answers on her desk phone. */
async function connectedCall(s: Stack, name: string): Promise<{ customer: SipPhone; ana: SipPhone }> {
  const customer = await s.carrier.phone(name, TONES.customer);
  const ana = await s.desk.phone('ana', TONES.agent);
  ana.answering = { kind: 'auto' };
  await withTimeout(customer.call(`sip:${NUMBERS.sales}@${ADDR.app}:5060`), 15_000, 'call was not answered');
  return { customer, ana };
}

e2eSuite('calls', [
  [
    'an inbound call connects and both hear each other',
    async (t, s) => {
      const { customer, ana } = await connectedCall(s, 'cust-1');
      t.ok(ana.connected, 'the agent was rung and answered');
      const calls = await s.api('GET', `/v1/calls?number=${encodeURIComponent(NUMBERS.sales)}`, SUP);
      t.equal(calls.status, 200);
      t.equal(calls.body.calls?.length ?? calls.body.length, 1, 'the call is listed');
      const parties: Party[] = [
        { label: 'customer', phone: customer },
        { label: 'agent', phone: ana },
      ];
      await expectHearing(t, 'active call', parties, { customer: ['agent'], agent: ['customer'] });
      customer.hangup();
      await ana.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'hold gives the customer music and no cross audio; resume reconnects',
    async (t, s) => {
      const { customer, ana } = await connectedCall(s, 'cust-2');
      const parties: Party[] = [
        { label: 'customer', phone: customer },
        { label: 'agent', phone: ana },
      ];
      await ana.hold('sendonly');
      ana.rtp.setSilent(false); // the held phone still sends: coachline must not pass it on
      await expectHearing(t, 'hold', parties, { customer: [], agent: [] });
      t.ok((await hearsMusic(customer)) > PRESENT_DBFS, 'the held customer hears hold music');
      t.ok((await hearsMusic(ana)) < PRESENT_DBFS, 'the agent does not hear the hold music');
      await ana.resume();
      await expectHearing(t, 'resumed', parties, { customer: ['agent'], agent: ['customer'] });
      t.ok((await hearsMusic(customer)) < PRESENT_DBFS, 'the music stops on resume');
      await ana.hold('inactive');
      await expectHearing(t, 'hold with a=inactive', parties, { customer: [], agent: [] });
      await ana.resume();
      await expectHearing(t, 'resumed after a=inactive', parties, { customer: ['agent'], agent: ['customer'] });
      ana.hangup();
      await customer.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'blind transfer to a second agent',
    async (t, s) => {
      const { customer, ana } = await connectedCall(s, 'cust-3');
      const bruno = await s.desk.phone('bruno', TONES.agent2);
      bruno.answering = { kind: 'after', ms: 500 };
      const status = await ana.refer(`sip:bruno@${ADDR.app}`);
      t.equal(status, 202, 'REFER accepted');
      await withTimeout(
        (async () => {
          while (!bruno.connected) await sleep(100);
        })(),
        15_000,
        'bruno never answered the transfer',
      );
      await ana.waitHangup();
      t.notOk(ana.connected, 'the transferring agent was released');
      await expectHearing(t, 'after transfer', [
        { label: 'customer', phone: customer },
        { label: 'agent2', phone: bruno },
      ], { customer: ['agent2'], agent2: ['customer'] });
      bruno.hangup();
      await customer.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'hang-up from the agent side leaves no channel',
    async (t, s) => {
      const { customer, ana } = await connectedCall(s, 'cust-4');
      await sleep(300);
      ana.hangup();
      await customer.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'registrar: digest challenge, wrong password refused, a registered agent is rung at its contact',
    async (t, s) => {
      const rosa = await s.desk.phone('rosa', TONES.agent);
      t.equal(await rosa.register(`${ADDR.app}:5060`), 401, 'no credentials: 401 challenge');
      t.equal(await rosa.register(`${ADDR.app}:5060`, { username: 'rosa', password: 'wrong-password' }), 403, 'wrong password: 403');
      t.equal(await rosa.register(`${ADDR.app}:5060`, { username: 'ana', password: 'ana-password' }), 403, 'registering someone else’s address: 403');
      t.equal(await rosa.register(`${ADDR.app}:5060`, { username: 'rosa', password: 'rosa-password' }), 200, 'right credentials: 200');
      const customer = await s.carrier.phone('cust-reg', TONES.customer);
      await withTimeout(customer.call(`sip:${NUMBERS.support}@${ADDR.app}:5060`), 15_000, 'the registered agent did not answer');
      t.ok(rosa.connected, 'the call reached the registered contact');
      await expectHearing(t, 'registered agent', [
        { label: 'customer', phone: customer },
        { label: 'agent', phone: rosa },
      ], { customer: ['agent'], agent: ['customer'] });
      customer.hangup();
      await rosa.waitHangup();
      t.equal(await rosa.register(`${ADDR.app}:5060`, { username: 'rosa', password: 'rosa-password' }, 0), 200, 'unregister');
      const again = await s.carrier.phone('cust-reg2', TONES.customer);
      await again.call(`sip:${NUMBERS.support}@${ADDR.app}:5060`).then(
        () => t.fail('answered with nobody registered'),
        (err: { status?: number }) => t.equal(err.status, 480, 'nobody registered: 480'),
      );
      await noChannelsLeft(t, s);
    },
  ],
  [
    'outbound: an agent calls a customer through the trunk; emergency numbers are not supervisable',
    async (t, s) => {
      const ana = await s.desk.phone('ana', TONES.agent);
      const customer = await s.carrier.phone('+34600000555', TONES.customer);
      customer.answering = { kind: 'after', ms: 300 };
      await withTimeout(ana.call(`sip:+34600000555@${ADDR.app}:5060`), 15_000, 'outbound call not answered');
      t.ok(customer.connected, 'the customer was reached through the trunk');
      await expectHearing(t, 'outbound call', [
        { label: 'customer', phone: customer },
        { label: 'agent', phone: ana },
      ], { customer: ['agent'], agent: ['customer'] });
      ana.hangup();
      await customer.waitHangup();

      const psap = await s.carrier.phone(NUMBERS.emergency, 700);
      await withTimeout(ana.call(`sip:${NUMBERS.emergency}@${ADDR.app}:5060`), 15_000, 'emergency call not connected');
      const list = await s.api('GET', '/v1/calls?agent=ana', SUP);
      const call = list.body.calls.find((c: { state: string }) => c.state !== 'ended');
      t.match(call, { emergency: true, supervisable: false, reason: { code: 'emergency_call' } }, 'listed as not supervisable');
      const refused = await s.api('POST', `/v1/calls/${call.id}/supervisions`, SUP, { target: 'internal', mode: 'monitor' });
      t.equal(refused.status, 403, 'supervision refused');
      t.equal(refused.body.error.code, 'emergency_call');
      ana.hangup();
      await psap.waitHangup();
      await noChannelsLeft(t, s);
    },
  ],
  [
    'the customer gives up while agents ring: CANCEL leaves nothing behind',
    async (t, s) => {
      const ana = await s.desk.phone('ana', TONES.agent);
      ana.answering = { kind: 'never' };
      const customer = await s.carrier.phone('cust-cancel', TONES.customer);
      const attempt = customer.call(`sip:${NUMBERS.sales}@${ADDR.app}:5060`).catch((e: { status?: number }) => e.status);
      await ana.waitInvite();
      await sleep(300);
      customer.cancelPending();
      t.equal(await attempt, 487, 'the customer INVITE ends with 487');
      await noChannelsLeft(t, s);
      ana.answering = { kind: 'auto' };
    },
  ],
  [
    'a request from an unknown source is refused and never reaches the trunk',
    async (t, s) => {
      // The desk drachtio (agent ACL) calling as nobody the directory knows.
      const stranger = await s.desk.phone('stranger', 400);
      await stranger.call(`sip:+34600000001@${ADDR.app}:5060`).then(
        () => t.fail('the call went through'),
        (err: { status?: number }) => t.equal(err.status, 403, '403 for a caller not in the directory'),
      );
    },
  ],
  [
    'an INVITE with Max-Forwards: 0 gets 483 and starts nothing',
    async (t, s) => {
      const customer = await s.carrier.phone('cust-hops', TONES.customer);
      await customer.call(`sip:${NUMBERS.sales}@${ADDR.app}:5060`, { 'Max-Forwards': '0' }).then(
        () => t.fail('the call went through'),
        (err: { status?: number }) => t.equal(err.status, 483, '483 Too Many Hops'),
      );
      await noChannelsLeft(t, s);
    },
  ],
]);
