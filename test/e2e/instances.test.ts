/**
 * Issue 13 on the real stack: two coachline instances connected to one drachtio-server
 * (which hands new INVITEs to its connected apps in turn), one FreeSWITCH and one
 * Redis. Each call is owned by the instance its INVITE reached; supervision commands
 * sent to either instance's API are run by the owner, checked on real audio.
 */
import type { Test } from 'tap';
import { Party, TONES, expectHearing } from './lib/hearing';
import { TOKEN, newCall, noChannelsLeft, sofiaPhone, until, type Call } from './lib/flows';
import { e2eSuite } from './lib/suite';
import { ADDR, NUMBERS, type Stack } from './lib/stack';

async function metric(s: Stack, i: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${s.apps[i]!.httpUrl}/metrics`)).text();
  return [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
}
const forwardedOk = (s: Stack, i: number): Promise<number> => metric(s, i, /^coachline_forwarded_commands_total\{[^}]*result="ok"[^}]*\} (\d+)/gm);
/** The instance holding the call's SIP dialogs: the one whose live-call gauge counts it. */
async function ownerOf(s: Stack): Promise<number> {
  const live = [await metric(s, 0, /^coachline_calls_live (\d+)/gm), await metric(s, 1, /^coachline_calls_live (\d+)/gm)];
  return live[0] === 1 ? 0 : 1;
}

/** Monitor through instance `a`, coach through `b`, stop through `a`. */
async function superviseAcross(t: Test, s: Stack, call: Call, a: number, b: number): Promise<void> {
  const sofia = await sofiaPhone(s);
  const parties: Party[] = [
    { label: 'customer', phone: call.customer },
    { label: 'agent', phone: call.ana },
    { label: 'supervisor', phone: sofia },
  ];
  const started = await s.apiAt(a, 'POST', `/v1/calls/${call.id}/supervisions`, TOKEN.sofia, { target: 'internal', mode: 'monitor' });
  t.equal(started.status, 201, `started through instance ${a}`);
  const id = started.body.id as string;
  await until('session active', async () => (await s.apiAt(b, 'GET', `/v1/supervisions/${id}`, TOKEN.sofia)).body.state === 'active');
  await expectHearing(t, `monitor via instance ${a}`, parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });
  const coach = await s.apiAt(b, 'PATCH', `/v1/supervisions/${id}`, TOKEN.sofia, { mode: 'coach' });
  t.equal(coach.status, 200, `switched through instance ${b}`);
  await expectHearing(t, `coach via instance ${b}`, parties, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
  const stopped = await s.apiAt(a, 'DELETE', `/v1/supervisions/${id}`, TOKEN.sofia);
  t.same([stopped.status, stopped.body.state], [200, 'ended'], `stopped through instance ${a}`);
  await sofia.waitHangup();
}

e2eSuite(
  'instances',
  [
    [
      'two instances on one drachtio-server: each call is supervised through either API',
      async (t, s) => {
        const owners: number[] = [];
        // Consecutive INVITEs go to the two apps in turn, so these calls have different owners.
        for (let n = 0; n < 2; n++) {
          const call = await newCall(s);
          const owner = await ownerOf(s);
          const other = 1 - owner;
          owners.push(owner);
          const before = await forwardedOk(s, other);
          await superviseAcross(t, s, call, other, other);
          t.equal((await forwardedOk(s, other)) - before, 3, `call owned by instance ${owner}: start, switch and stop sent to instance ${other} were forwarded`);
          call.customer.hangup();
          await call.ana.waitHangup();
        }
        t.same([...owners].sort(), [0, 1], 'drachtio-server gave one new call to each instance');
        await noChannelsLeft(t, s);
      },
    ],
    [
      'an agent talking on one instance’s call is not rung by the other’s',
      async (t, s) => {
        const call = await newCall(s);
        const owner = await ownerOf(s);
        const answeredInvite = call.ana.lastInvite;
        // Two more customers call Sales: drachtio-server hands them to the two instances in
        // turn, so one of them reaches the instance that does not hold Ana's call.
        const answers: number[] = [];
        for (let n = 0; n < 2; n++) {
          const other = await s.carrier.phone(`cust-busy-${n}`, TONES.customer);
          answers.push(
            await other.call(`sip:${NUMBERS.sales}@${ADDR.app}:5060`).then(
              () => 200,
              (err: { status?: number }) => err.status ?? 0,
            ),
          );
          other.hangup();
        }
        t.same(answers, [480, 480], `with Ana on a call on instance ${owner} and nobody else available, both new calls get 480 (one on each instance)`);
        t.equal(call.ana.lastInvite, answeredInvite, 'Ana’s phone got no second INVITE');
        t.ok(call.ana.connected, 'and her call goes on');
        call.customer.hangup();
        await call.ana.waitHangup();
        await noChannelsLeft(t, s);
      },
    ],
  ],
  { options: async () => ({ apps: 2 }) },
);
