/**
 * Admission control on the real stack (issue 14): with a ceiling of 2 concurrent calls
 * (ADMISSION_MAX_CALLS=2), the third caller gets 503 with Retry-After and no agent is
 * rung; the two calls that are up go on hearing each other; a supervision start at the
 * ceiling gets 503 overloaded; once a call ends, the next caller gets through.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TONES, expectHearing, sleep, type Party } from './lib/hearing';
import { ADDR, type Stack } from './lib/stack';
import { e2eSuite } from './lib/suite';
import { withTimeout, type SipPhone } from './lib/sip-phones';

const SOFIA = 'e2e-admission-sofia-token';
const number = (k: number): string => `+3491000010${k}`;

function directory(): string {
  const lines = ['users:'];
  for (const k of [1, 2, 3]) lines.push(`  - { id: agent${k}, name: Agent ${k}, role: agent, device: { kind: sip_uri, uri: "sip:agent${k}@${ADDR.desk}" } }`);
  lines.push(`  - { id: sofia, name: Sofia, role: supervisor, permissions: [monitor, coach, barge], device: { kind: sip_uri, uri: "sip:sofia@${ADDR.desk}", dialect: yealink }, tokens: ["${SOFIA}"] }`);
  lines.push('numbers:');
  for (const k of [1, 2, 3]) lines.push(`  - { e164: "${number(k)}", name: Line ${k}, distribution: [agent${k}, sofia] }`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'coachline-admission-')), 'directory.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function call(s: Stack, k: number): Promise<{ customer: SipPhone; agent: SipPhone }> {
  const customer = await s.carrier.phone(`cust${k}`, TONES.customer);
  const agent = await s.desk.phone(`agent${k}`, TONES.agent);
  await withTimeout(customer.call(`sip:${number(k)}@${ADDR.app}:5060`), 15_000, `call ${k} was not answered`);
  return { customer, agent };
}

async function channels(s: Stack): Promise<number> {
  return Number(/(\d+) total/.exec(await s.freeswitch('show channels count'))?.[1] ?? NaN);
}

async function refusalsCounted(s: Stack, kind: string): Promise<number> {
  const text = await fetch(`${s.app.httpUrl}/metrics`).then((r) => r.text());
  return Number(new RegExp(`coachline_admission_decisions_total\\{kind="${kind}",result="refused",reason="max_calls"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
}

e2eSuite(
  'admission',
  [
    [
      'past the ceiling of 2 calls: 503 with Retry-After, the calls that are up untouched',
      async (t, s) => {
        const one = await call(s, 1);
        const two = await call(s, 2);

        const third = await s.carrier.phone('cust3', TONES.customer);
        const agent3 = await s.desk.phone('agent3', TONES.agent);
        let rung = false;
        void agent3.waitInvite(5000).then(() => (rung = true), () => undefined);
        const err = await third.call(`sip:${number(3)}@${ADDR.app}:5060`).then(
          () => undefined,
          (e: { status?: number; res?: { get(h: string): string | undefined } }) => e,
        );
        t.equal(err?.status, 503, 'the third call is refused with 503');
        t.equal(err?.res?.get('Retry-After'), '2', 'with Retry-After (ADMISSION_RETRY_AFTER_SEC)');
        t.match(err?.res?.get('Reason') ?? '', /overloaded: max_calls/);
        t.notOk(rung, 'no agent was rung for it');
        t.equal(await refusalsCounted(s, 'call'), 1, 'counted in /metrics');

        const calls = await s.api('GET', '/v1/calls', SOFIA);
        t.equal(calls.body.calls.length, 2, 'two calls live, nothing left of the refused one');
        const sup = await s.api('POST', `/v1/calls/${calls.body.calls[0].id}/supervisions`, SOFIA, { target: 'internal', mode: 'monitor' });
        t.same([sup.status, sup.body.error?.code], [503, 'overloaded'], 'a supervision start at the ceiling is refused too');
        t.equal(await refusalsCounted(s, 'supervision'), 1);

        for (const [i, c] of [one, two].entries()) {
          const parties: Party[] = [
            { label: 'customer', phone: c.customer },
            { label: 'agent', phone: c.agent },
          ];
          await expectHearing(t, `call ${i + 1} after the refusal`, parties, { customer: ['agent'], agent: ['customer'] });
        }

        two.customer.hangup();
        await two.agent.waitHangup();
        // The call is gone from coachline's count once its channels are gone from FreeSWITCH.
        for (let i = 0; i < 50 && (await channels(s)) > 2; i++) await sleep(100);
        await withTimeout(third.call(`sip:${number(3)}@${ADDR.app}:5060`), 15_000, 'the third caller, once a call ended, was not answered');
        t.ok(agent3.connected, 'under the ceiling again, the next caller gets through');
        third.hangup();
        one.customer.hangup();
        await agent3.waitHangup();
        await one.agent.waitHangup();
      },
    ],
  ],
  { options: async () => ({ directoryFile: directory(), env: { ADMISSION_MAX_CALLS: '2', ADMISSION_RETRY_AFTER_SEC: '2' } }) },
);
