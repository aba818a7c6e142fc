/**
 * Issue 13, item 3, on the real stack: kill -9 of the coachline instance that owns a
 * supervised call. The doomed one runs as `npm start` does, in a process of its own, so
 * SIGKILL takes it whole (no shutdown step runs), beside an in-process survivor on the
 * same FreeSWITCH and Redis — on the same drachtio-server (several apps on one), or on
 * a drachtio-server of its own (a node of its own, whose drachtio-server outlives its
 * app). The survivor, on its own heartbeat, ends the session and the call in Redis
 * (cause `owner_lost`), frees the locks and the supervisor, hangs the conference up on
 * the shared FreeSWITCH and BYEs the phones' dialogs the dead instance held, on the
 * drachtio-server they are on. Checked: every phone gets its BYE, no FreeSWITCH channel
 * is left, and the next call and coach work.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { startApp, type AppProcess } from '../helpers/app-process';
import { Party, expectHearing, sleep } from './lib/hearing';
import { TOKEN, newCall, noChannelsLeft, sofiaPhone, until, type Call } from './lib/flows';
import { e2eSuite } from './lib/suite';
import { ManagedServer } from './lib/servers';
import { ADDR, drachtioConfig, type Stack } from './lib/stack';

const LOCK_TTL_SEC = 5;

async function liveCalls(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^coachline_calls_live (\d+)/m.exec(text)?.[1] ?? 0);
}

/** The doomed node's own drachtio-server, when it has one. */
const NODE = { address: '127.0.0.5', admin: 9126 };

/** A call the doomed instance owns: drachtio-server hands new INVITEs to its apps in turn. */
async function callOwnedBy(s: Stack, url: string, at: string): Promise<Call> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const call = await newCall(s, at);
    if ((await liveCalls(url)) === 1) return call;
    call.customer.hangup();
    await call.ana.waitHangup();
    await sleep(300);
  }
  throw new Error('no call reached the doomed instance in four tries');
}

async function nodeDrachtio(t: Test): Promise<void> {
  const conf = path.join(tmpdir(), `coachline-e2e-node-drachtio-${process.pid}.xml`);
  writeFileSync(conf, drachtioConfig(NODE.address, NODE.admin));
  const server = new ManagedServer({
    name: 'drachtio of the doomed node',
    bin: process.env.E2E_DRACHTIO_BIN!,
    args: ['-f', conf, '--stdout'],
    logFile: path.join(tmpdir(), `coachline-e2e-node-drachtio-${process.pid}.out`),
    listens: { host: NODE.address, port: NODE.admin, withinMs: 10_000 },
  });
  server.spawn();
  t.teardown(() => server.stop());
  await server.ready();
}

async function killOwner(t: Test, s: Stack, ownDrachtio: boolean): Promise<void> {
  if (ownDrachtio) await nodeDrachtio(t);
  const at = ownDrachtio ? NODE.address : ADDR.app;
  // startApp points FreeSWITCH and drachtio at closed ports unless told otherwise: the stack's are given.
  const doomed: AppProcess = await startApp({
    ...s.appEnv,
    LOG_LEVEL: 'info',
    HTTP_PORT: '0',
    FREESWITCH_PORT: '8021',
    FSMRF_LISTEN_PORT: ownDrachtio ? '8191' : '8190',
    ...(ownDrachtio ? { DRACHTIO_HOST: NODE.address, DRACHTIO_PORT: String(NODE.admin) } : {}),
  });
  t.teardown(() => doomed.kill());
  const doomedUrl = `http://127.0.0.1:${doomed.port}`;
  let readyz = '';
  await until(
    'the doomed instance is ready',
    async () => {
      const r = await fetch(`${doomedUrl}/readyz`).catch(() => undefined);
      readyz = r ? await r.text() : 'no answer';
      return r?.ok === true;
    },
    30_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${readyz}; log: ${JSON.stringify(doomed.logs.filter((l) => Number(l.level) >= 40).slice(-5))}`);
  });

  const call = await callOwnedBy(s, doomedUrl, at);
  const sofia = await sofiaPhone(s);
  const parties: Party[] = [
    { label: 'customer', phone: call.customer },
    { label: 'agent', phone: call.ana },
    { label: 'supervisor', phone: sofia },
  ];
  const started = await s.api('POST', `/v1/calls/${call.id}/supervisions`, TOKEN.sofia, { target: 'internal', mode: 'coach' });
  t.equal(started.status, 201, 'a coach started through the survivor (forwarded to the owner)');
  const id = started.body.id as string;
  await until('session active', async () => (await s.api('GET', `/v1/supervisions/${id}`, TOKEN.sofia)).body.state === 'active');
  await expectHearing(t, 'coaching, before the kill', parties, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
  const before = Number(/(\d+) total/.exec(await s.freeswitch('show channels count'))?.[1]);
  t.equal(before, 3, 'three FreeSWITCH channels up: customer, agent, supervisor');

  const killedAt = Date.now();
  doomed.child.kill('SIGKILL');
  await doomed.exited;
  const byes = await Promise.all(
    parties.map(async (p) => {
      await p.phone.waitHangup(4 * LOCK_TTL_SEC * 1000);
      return { label: p.label, ms: Date.now() - killedAt, reason: p.phone.lastByeReason };
    }),
  );
  for (const b of byes) t.ok(b.ms < LOCK_TTL_SEC * 1000, `the ${b.label}'s phone got BYE ${b.ms} ms after the kill (within LOCK_TTL, ${LOCK_TTL_SEC} s)`);
  t.ok(
    byes.every((b) => /coachline instance lost/.test(b.reason ?? '')),
    `each BYE says why (${[...new Set(byes.map((b) => b.reason))].join(' | ')})`,
  );

  const session = (await s.api('GET', `/v1/supervisions/${id}`, TOKEN.sofia)).body;
  t.same([session.state, session.reason], ['ended', 'call_ended'], 'the session ended');
  const entries = (await s.api('GET', `/v1/calls/${call.id}/timeline?limit=500`, TOKEN.sofia)).body.events as { type: string; detail?: Record<string, unknown> }[];
  t.match(entries.find((e) => e.type === 'supervision_ended')?.detail, { cause: 'owner_lost' }, 'the timeline says why the session ended');
  t.match(entries.find((e) => e.type === 'call_ended')?.detail, { cause: 'owner_lost' }, 'and why the call did');
  const listed = (await s.api('GET', '/v1/calls', TOKEN.sofia)).body.calls as { id: string }[];
  t.notOk(listed.some((c) => c.id === call.id), 'the call is no longer listed');
  const me = await s.api('GET', '/v1/me', TOKEN.sofia);
  t.same([me.body.user.status, me.body.session], ['available', undefined], 'the supervisor is available again, with no session');
  await noChannelsLeft(t, s);
  t.comment(
    `kill -9 of the owner (${ownDrachtio ? 'on a drachtio-server of its own' : 'sharing the drachtio-server'}): ${byes.map((b) => `${b.label} BYE after ${b.ms} ms`).join(', ')}; 1 call and 1 session lost, ${before} channels → 0`,
  );

  // Nothing stayed locked: the next call (on the survivor) is coached by the same supervisor.
  const next = await newCall(s);
  const sofia2 = await sofiaPhone(s);
  const again = await s.api('POST', `/v1/calls/${next.id}/supervisions`, TOKEN.sofia, { target: 'internal', mode: 'coach' });
  t.equal(again.status, 201, 'the same supervisor coaches the next call');
  await until('the next session active', async () => (await s.api('GET', `/v1/supervisions/${again.body.id}`, TOKEN.sofia)).body.state === 'active');
  await expectHearing(t, 'coaching the next call', [
    { label: 'customer', phone: next.customer },
    { label: 'agent', phone: next.ana },
    { label: 'supervisor', phone: sofia2 },
  ], { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
  t.equal((await s.api('DELETE', `/v1/supervisions/${again.body.id}`, TOKEN.sofia)).status, 200, 'stopped');
  await sofia2.waitHangup();
  next.customer.hangup();
  await next.ana.waitHangup();
  await noChannelsLeft(t, s);
}

e2eSuite(
  'instance-loss',
  [
    ['kill -9 of the instance that owns a supervised call, on a shared drachtio-server: its phones get BYE, no channel is left', (t, s) => killOwner(t, s, false)],
    ['kill -9 of a node’s app whose drachtio-server lives on: the survivor reaches that server, its phones get BYE', (t, s) => killOwner(t, s, true)],
  ],
  {
    options: async () => ({ env: { LOCK_TTL_SEC: String(LOCK_TTL_SEC) } }),
  },
);
