/**
 * The steps e2e cases share: a customer calling Sales and Ana answering, starting,
 * switching and stopping a supervision through the API, waiting for a state.
 */
import type { Test } from 'tap';
import { Party, TONES, sleep } from './hearing';
import { withTimeout, type SipPhone } from './sip-phones';
import { ADDR, NUMBERS, type Stack } from './stack';

export const TOKEN = {
  sofia: 'e2e-sofia-token-0000000',
  rita: 'e2e-rita-token-00000000',
  vera: 'e2e-vera-token-00000000',
};

export interface Call {
  id: string;
  customer: SipPhone;
  ana: SipPhone;
  /** participant ids */
  C: string;
  A: string;
}

let seq = 0;

export async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  await withTimeout(
    (async () => {
      while (!(await check())) await sleep(150);
    })(),
    ms,
    what,
  );
}

/** A customer calls Sales (at coachline's drachtio-server, or `at` another one) and Ana answers. */
export async function newCall(s: Stack, at: string = ADDR.app): Promise<Call> {
  seq += 1;
  const customer = await s.carrier.phone(`cust-s${seq}`, TONES.customer);
  const ana = await s.desk.phone('ana', TONES.agent);
  ana.answering = { kind: 'auto' };
  await withTimeout(customer.call(`sip:${NUMBERS.sales}@${at}:5060`), 15_000, 'call not answered');
  let view: any;
  await until('the call is listed', async () => {
    const r = await s.api('GET', `/v1/calls?agent=ana`, TOKEN.sofia);
    view = r.body?.calls?.find((c: any) => c.state !== 'ended');
    return !!view;
  });
  const C = view.participants.find((p: any) => p.role === 'customer').id;
  const A = view.participants.find((p: any) => p.userId === 'ana').id;
  return { id: view.id, customer, ana, C, A };
}

export async function endCall(s: Stack, c: Call): Promise<void> {
  c.customer.hangup();
  await c.ana.waitHangup().catch(() => undefined);
  await sleep(300);
}

export async function session(s: Stack, token: string, id: string): Promise<any> {
  return (await s.api('GET', `/v1/supervisions/${id}`, token)).body;
}

export async function supervise(t: Test, s: Stack, call: Call, body: Record<string, unknown>, token = TOKEN.sofia): Promise<string> {
  const r = await s.api('POST', `/v1/calls/${call.id}/supervisions`, token, body);
  t.equal(r.status, 201, `supervision started (${JSON.stringify(body)})`);
  const id = r.body.id as string;
  await until('session active', async () => (await session(s, token, id)).state === 'active');
  return id;
}

export async function stop(t: Test, s: Stack, id: string, phone: SipPhone, token = TOKEN.sofia): Promise<void> {
  const r = await s.api('DELETE', `/v1/supervisions/${id}`, token);
  t.equal(r.status, 200, 'supervision stopped');
  await phone.waitHangup();
  await sleep(300);
}

export async function switchMode(t: Test, s: Stack, id: string, mode: string): Promise<void> {
  const r = await s.api('PATCH', `/v1/supervisions/${id}`, TOKEN.sofia, { mode });
  t.equal(r.status, 200, `switched to ${mode}`);
}

export async function sofiaPhone(s: Stack): Promise<SipPhone> {
  const sofia = await s.desk.phone('sofia', TONES.supervisor);
  sofia.answering = { kind: 'auto' };
  return sofia;
}

/** A connected call, Sofia's desk phone ready to auto-answer, and the three parties whose hearing is checked. */
export async function supervisedCall(s: Stack): Promise<{ call: Call; sofia: SipPhone; parties: Party[] }> {
  const call = await newCall(s);
  const sofia = await sofiaPhone(s);
  const parties: Party[] = [
    { label: 'customer', phone: call.customer },
    { label: 'agent', phone: call.ana },
    { label: 'supervisor', phone: sofia },
  ];
  return { call, sofia, parties };
}

async function channels(s: Stack): Promise<number> {
  const out = await s.freeswitch('show channels count');
  return Number(/(\d+) total/.exec(out)?.[1] ?? NaN);
}

/** Waits up to 6 s for FreeSWITCH to have no channel at all, and says so. */
export async function noChannelsLeft(t: Test, s: Stack): Promise<void> {
  let n = NaN;
  for (let i = 0; i < 30; i++) {
    n = await channels(s);
    if (n === 0) break;
    await sleep(200);
  }
  t.equal(n, 0, 'no FreeSWITCH channel left behind (show channels count)');
}
