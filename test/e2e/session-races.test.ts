/**
 * Issue 15, defect 1 on the real stack: a supervision started at the moment its call
 * ends — before, with or after the customer's BYE, on a desk phone that answers by
 * itself and on a remote phone still ringing — never outlives the call: no session
 * left live, the supervisor free again, no FreeSWITCH channel left.
 */
import type { Test } from 'tap';
import { TONES, sleep } from './lib/hearing';
import { TOKEN, newCall, noChannelsLeft, sofiaPhone, until, type Call } from './lib/flows';
import { e2eSuite } from './lib/suite';
import type { Stack } from './lib/stack';

async function supervisorIsFree(t: Test, s: Stack, token: string, who: string): Promise<void> {
  await until(`${who} has no live session`, async () => (await s.api('GET', '/v1/supervisions', token)).body?.sessions?.length === 0);
  const me = await s.api('GET', '/v1/me', token);
  t.equal(me.body.user.status, 'available', `${who} is available again`);
  t.notOk(me.body.session, `${who} has no session`);
}

async function noLiveCalls(t: Test, s: Stack): Promise<void> {
  await until('no call listed', async () => (await s.api('GET', '/v1/calls', TOKEN.sofia)).body?.calls?.length === 0);
  t.pass('no call is listed as live');
}

/** Starts a supervision `offsetMs` after (negative: before) the customer hangs up; returns the start's answer. */
async function startAroundHangup(s: Stack, call: Call, offsetMs: number, token: string): Promise<{ status: number; body: any }> {
  const start = (): Promise<{ status: number; body: any }> =>
    s.api('POST', `/v1/calls/${call.id}/supervisions`, token, { target: 'internal', mode: 'monitor' });
  let started: Promise<{ status: number; body: any }>;
  if (offsetMs < 0) {
    started = start();
    await sleep(-offsetMs);
    call.customer.hangup();
  } else {
    call.customer.hangup();
    if (offsetMs > 0) await sleep(offsetMs);
    started = start();
  }
  await call.ana.waitHangup().catch(() => undefined);
  return started;
}

e2eSuite('session-races', [
  [
    'a desk-phone supervision started around the end of its call never outlives it',
    async (t, s) => {
      const sofia = await sofiaPhone(s);
      const outcomes: string[] = [];
      for (const offset of [-200, -50, -10, 0, 0, 10, 50, 200]) {
        const call = await newCall(s);
        const r = await startAroundHangup(s, call, offset, TOKEN.sofia);
        outcomes.push(`${offset} ms: ${r.status}${r.body?.error ? ` ${r.body.error.code}` : ''}`);
        t.ok([201, 404, 409].includes(r.status), `start ${offset} ms from the BYE answers ${r.status} (${r.body?.error?.code ?? 'started'})`);
        if (r.status === 201) {
          await until('the session is over', async () => ['ended', 'failed'].includes((await s.api('GET', `/v1/supervisions/${r.body.id}`, TOKEN.sofia)).body.state));
          const end = (await s.api('GET', `/v1/supervisions/${r.body.id}`, TOKEN.sofia)).body;
          t.ok(['call_ended', 'target_left', 'unreachable', 'no_answer'].includes(end.reason), `ended with the call (${end.reason})`);
        }
        await supervisorIsFree(t, s, TOKEN.sofia, 'sofia');
        await sleep(300);
        t.notOk(sofia.connected, 'sofia’s desk phone is not left in a call');
      }
      t.comment(`outcomes: ${outcomes.join('; ')}`);
      await noLiveCalls(t, s);
      await noChannelsLeft(t, s);
    },
  ],
  [
    'a remote supervisor still ringing when the call ends: the ringing stops and the session ends',
    async (t, s) => {
      const rita = await s.carrier.phone('+34600000099', TONES.remote);
      rita.answering = { kind: 'never' };
      const call = await newCall(s);
      const r = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.rita, { target: 'internal', mode: 'monitor' });
      t.equal(r.status, 201);
      await until('rita’s phone rings', async () => (await s.api('GET', `/v1/supervisions/${r.body.id}`, TOKEN.rita)).body.state === 'ringing');
      call.customer.hangup();
      await call.ana.waitHangup();
      await until('the session ended', async () => (await s.api('GET', `/v1/supervisions/${r.body.id}`, TOKEN.rita)).body.state === 'ended');
      t.equal((await s.api('GET', `/v1/supervisions/${r.body.id}`, TOKEN.rita)).body.reason, 'call_ended');
      await supervisorIsFree(t, s, TOKEN.rita, 'rita');
      await noLiveCalls(t, s);
      await noChannelsLeft(t, s);
    },
  ],
]);
