/**
 * Issue 13 items 4 and 6 on the real stack: a server taken away while calls are up,
 * and given back on the same address. Two FreeSWITCH servers (127.0.0.1 and
 * 127.0.0.4, FREESWITCH_HOSTS), coachline's drachtio-server and Redis are each hung
 * (SIGSTOP), killed or restarted; every case prints its figures — calls in progress,
 * calls lost, time until /readyz is green again — and checks that what is left works
 * without restarting the app: new calls, supervision, no lock or channel left.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { TONES, expectHearing, sleep, type Party } from './lib/hearing';
import { until } from './lib/flows';
import { withTimeout, type SipPhone } from './lib/sip-phones';
import { ADDR, FREESWITCH_ADDRS, type Stack } from './lib/stack';
import { e2eSuite } from './lib/suite';

const SOFIA = 'e2e-faults-sofia-token-00';
const ROOT = 'e2e-faults-root-token-000';
const AGENTS = 8;
const number = (k: number): string => `+349100002${String(k).padStart(2, '0')}`;

function directory(): string {
  const lines = ['users:'];
  for (let k = 1; k <= AGENTS; k++) lines.push(`  - { id: agent${k}, name: Agent ${k}, role: agent, device: { kind: sip_uri, uri: "sip:agent${k}@${ADDR.desk}" } }`);
  lines.push(`  - { id: sofia, name: Sofia, role: supervisor, permissions: [monitor, coach, barge], device: { kind: sip_uri, uri: "sip:sofia@${ADDR.desk}", dialect: yealink }, tokens: ["${SOFIA}"] }`);
  lines.push(`  - { id: root, name: Root, role: admin, tokens: ["${ROOT}"] }`);
  lines.push('numbers:');
  for (let k = 1; k <= AGENTS; k++) lines.push(`  - { e164: "${number(k)}", name: Line ${k}, distribution: [agent${k}, sofia] }`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'coachline-faults-')), 'directory.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Call {
  k: number;
  id: string;
  customer: SipPhone;
  agent: SipPhone;
  /** The FreeSWITCH (index in FREESWITCH_ADDRS) its conference is on. */
  fs: number;
}

const parties = (c: Call): Party[] => [
  { label: 'customer', phone: c.customer },
  { label: 'agent', phone: c.agent },
];

async function channels(s: Stack, i: number): Promise<number> {
  return Number(/(\d+) total/.exec(await s.freeswitchAt(i, 'show channels count'))?.[1] ?? NaN);
}

let line = 0;
/** A customer calls the next free line and its agent answers; `on` lists the FreeSWITCH servers that answer fs_cli now. */
async function call(s: Stack, on: number[] = [0, 1]): Promise<Call> {
  const k = (line++ % AGENTS) + 1;
  const before = await Promise.all(on.map((i) => channels(s, i)));
  const customer = await s.carrier.phone(`cust${k}`, TONES.customer);
  const agent = await s.desk.phone(`agent${k}`, TONES.agent);
  await withTimeout(customer.call(`sip:${number(k)}@${ADDR.app}:5060`), 15_000, `call on line ${k} was not answered`);
  let id = '';
  await until(`call on line ${k} listed`, async () => {
    const r = await s.api('GET', '/v1/calls?agent=agent' + k, SOFIA);
    id = r.body?.calls?.[0]?.id ?? '';
    return !!id;
  });
  const after = await Promise.all(on.map((i) => channels(s, i)));
  const grew = on.filter((_, j) => after[j]! > before[j]!);
  if (grew.length !== 1) process.stdout.write(`# call on line ${k}: channels before ${before.join(',')} after ${after.join(',')} on ${on.join(',')}\n`);
  return { k, id, customer, agent, fs: grew.length === 1 ? grew[0]! : -1 };
}

/** Calls until each of the two FreeSWITCH servers carries at least one. */
async function callsOnBoth(s: Stack): Promise<Call[]> {
  const calls: Call[] = [];
  while (!(calls.some((c) => c.fs === 0) && calls.some((c) => c.fs === 1))) {
    if (calls.length >= 4) throw new Error(`four calls, not spread over both servers: ${calls.map((c) => c.fs).join(',')}`);
    calls.push(await call(s));
    // The next pick reads the session counts polled once a second.
    await sleep(1200);
  }
  return calls;
}

/** /readyz as an admin sees it (with the details), or status 0 when it did not answer within 3 s. */
async function ready(s: Stack): Promise<{ status: number; body: any }> {
  try {
    const r = await fetch(`${s.app.httpUrl}/readyz`, { headers: { authorization: `Bearer ${ROOT}` }, signal: AbortSignal.timeout(3000) });
    return { status: r.status, body: await r.json() };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Polls /readyz every 100 ms until `ok`; the ms it took. */
async function readyWhen(s: Stack, what: string, ok: (r: { status: number; body: any }) => boolean, ms = 60_000): Promise<number> {
  const t0 = Date.now();
  await until(what, async () => ok(await ready(s)), ms);
  return Date.now() - t0;
}

const fsDetail = (r: { body: any }): string => String(r.body?.checks?.freeswitch?.detail ?? '');

async function hangUpAll(calls: Call[]): Promise<void> {
  for (const c of calls) {
    if (!c.customer.connected) continue;
    c.customer.hangup();
    await c.agent.waitHangup().catch(() => undefined);
  }
}

async function noChannelsOn(t: Test, s: Stack, servers: number[]): Promise<void> {
  for (const i of servers) {
    let n = NaN;
    for (let j = 0; j < 30 && n !== 0; j++) {
      n = await channels(s, i);
      if (n !== 0) await sleep(200);
    }
    t.equal(n, 0, `no channel left on FreeSWITCH ${FREESWITCH_ADDRS[i]}`);
  }
}

async function locksLeft(s: Stack): Promise<string[]> {
  const redis = s.servers.redis.client();
  try {
    return (await redis.keys('*:lock:*')).sort();
  } finally {
    redis.disconnect();
  }
}

function figures(t: Test, fault: string, f: Record<string, number | string>): void {
  const text = Object.entries(f).map(([k, v]) => `${k}=${v}`).join(' ');
  t.comment(`figures: ${fault}: ${text}`);
  process.stdout.write(`# figures: ${fault}: ${text}\n`);
}

async function liveCallIds(s: Stack): Promise<string[]> {
  const r = await s.api('GET', '/v1/calls', SOFIA);
  return (r.body?.calls ?? []).map((c: { id: string }) => c.id);
}

/** FAULTS_ONLY=<regex> runs only the matching cases (each needs the stack as the ones before leave it: whole). */
const only = process.env.FAULTS_ONLY ? new RegExp(process.env.FAULTS_ONLY) : undefined;

e2eSuite(
  'faults',
  ([
    [
      'a hung FreeSWITCH (SIGSTOP) is down for new calls and /readyz until it answers again',
      async (t, s) => {
        const calls = await callsOnBoth(s);
        const hung = calls.filter((c) => c.fs === 0);
        const stopped = Date.now();
        await s.servers.freeswitch[0]!.signal('SIGSTOP');
        const toDown = await readyWhen(s, '/readyz names the hung server', (r) => /127\.0\.0\.1: down \(connected, not answering/.test(fsDetail(r)), 15_000);
        const r = await ready(s);
        t.equal(r.status, 200, 'still ready: the other server is up');
        t.match(fsDetail(r), /^1\/2 up; 127\.0\.0\.1: down \(connected, not answering for [\d.]+ s\); 127\.0\.0\.4: up$/, `/readyz says which: ${fsDetail(r)}`);

        const fresh = await call(s, [1]);
        t.equal(fresh.fs, 1, 'a new call goes to the server that answers');
        await expectHearing(t, 'the new call', parties(fresh), { customer: ['agent'], agent: ['customer'] });
        for (const c of calls.filter((c) => c.fs === 1)) await expectHearing(t, `call ${c.k} on the other server`, parties(c), { customer: ['agent'], agent: ['customer'] });

        await sleep(Math.max(0, 10_000 - (Date.now() - stopped)));
        const woken = Date.now();
        await s.servers.freeswitch[0]!.signal('SIGCONT');
        const toUp = await readyWhen(s, '/readyz has both servers up', (r) => fsDetail(r).startsWith('2/2 up'), 15_000);
        let survived = 0;
        for (const c of hung) {
          const before = t.counts.fail;
          await expectHearing(t, `call ${c.k} on the woken server`, parties(c), { customer: ['agent'], agent: ['customer'] });
          if (t.counts.fail === before) survived += 1;
        }
        // The woken server has the fewer sessions now: it is picked again.
        const back = await call(s);
        t.equal(back.fs, 0, 'answering again, the server takes new calls without an app restart');
        figures(t, 'freeswitch SIGSTOP 10 s', {
          callsInProgress: calls.length,
          onHungServer: hung.length,
          lost: hung.length - survived,
          msUntilReadyzNamedIt: toDown,
          msUntilUsedAgainAfterSIGCONT: toUp,
          hungForMs: woken - stopped,
        });
        await hangUpAll([...calls, fresh, back]);
        await noChannelsOn(t, s, [0, 1]);
      },
    ],
    [
      'a killed FreeSWITCH: its calls end on both phones, new calls go to the other, restarted it is used again',
      async (t, s) => {
        const calls = await callsOnBoth(s);
        const doomed = calls.filter((c) => c.fs === 0);
        const kept = calls.filter((c) => c.fs === 1);
        // A supervisor monitoring a call on the server that dies.
        const sofia = await s.desk.phone('sofia', TONES.supervisor);
        sofia.answering = { kind: 'auto' };
        const sup = await s.api('POST', `/v1/calls/${doomed[0]!.id}/supervisions`, SOFIA, { target: 'internal', mode: 'monitor' });
        t.equal(sup.status, 201, 'a supervision on a call of the server about to die');
        await until('session active', async () => (await s.api('GET', `/v1/supervisions/${sup.body.id}`, SOFIA)).body.state === 'active');

        const killed = Date.now();
        await s.servers.freeswitch[0]!.kill();
        const byes = await Promise.all(
          doomed.flatMap((c) => [c.customer, c.agent]).map((p) => p.waitHangup(15_000).then(() => Date.now() - killed, () => -1)),
        );
        t.notOk(byes.includes(-1), `both phones of every call on the dead server got BYE (ms after the kill: ${byes.join(', ')})`);
        await sofia.waitHangup(15_000);
        t.pass("the supervisor's phone got BYE too");
        const session = (await s.api('GET', `/v1/supervisions/${sup.body.id}`, SOFIA)).body;
        t.equal(session.state, 'ended', 'the session ended');
        const timeline = await s.api('GET', `/v1/calls/${doomed[0]!.id}/timeline`, ROOT);
        t.match(JSON.stringify(timeline.body), /media_server_lost/, 'the timeline says the media server was lost');

        const r = await ready(s);
        t.equal(r.status, 200, 'still ready: the other server is up');
        t.match(fsDetail(r), /^1\/2 up; 127\.0\.0\.1: down \(connection lost\); 127\.0\.0\.4: up$/, `/readyz says which: ${fsDetail(r)}`);
        for (const c of kept) await expectHearing(t, `call ${c.k} on the other server`, parties(c), { customer: ['agent'], agent: ['customer'] });
        const fresh = await call(s, [1]);
        t.equal(fresh.fs, 1, 'a new call goes to the live server');

        const restarted = Date.now();
        await s.servers.freeswitch[0]!.restart();
        const toUp = await readyWhen(s, '/readyz has both servers up', (r) => fsDetail(r).startsWith('2/2 up'), 30_000);
        const back = await call(s);
        const usedAgain = Date.now() - restarted;
        t.equal(back.fs, 0, 'restarted, the server takes new calls without an app restart');
        // Nothing of the lost supervision is left: Sofia supervises again, on the restarted server.
        const again = await s.api('POST', `/v1/calls/${back.id}/supervisions`, SOFIA, { target: 'internal', mode: 'coach' });
        t.equal(again.status, 201, 'the supervisor of the lost call supervises again');
        await until('session active', async () => (await s.api('GET', `/v1/supervisions/${again.body.id}`, SOFIA)).body.state === 'active');
        await expectHearing(t, 'coach on the restarted server', [...parties(back), { label: 'supervisor', phone: sofia }], {
          customer: ['agent'],
          agent: ['customer', 'supervisor'],
          supervisor: ['customer', 'agent'],
        });
        t.equal((await s.api('DELETE', `/v1/supervisions/${again.body.id}`, SOFIA)).status, 200);
        await sofia.waitHangup();
        figures(t, 'freeswitch SIGKILL', {
          callsInProgress: calls.length,
          lost: doomed.length,
          keptOnOtherServer: kept.length,
          msUntilBothPhonesGotBye: Math.max(...byes),
          msFromRestartUntilNewCallOnIt: usedAgain,
          msFromRestartUntilReadyzBothUp: toUp,
        });
        await hangUpAll([...kept, fresh, back]);
        await noChannelsOn(t, s, [0, 1]);
        t.same(await locksLeft(s), [], 'no lock left');
      },
    ],
    [
      'drachtio-server restarted: the app reconnects, /readyz red then green, new calls work',
      async (t, s) => {
        const calls = [await call(s), await call(s)];
        const restarted = Date.now();
        await s.servers.drachtio.kill();
        const toRed = await readyWhen(s, '/readyz red', (r) => r.status === 503 && r.body?.checks?.drachtio?.ok === false, 10_000);
        await s.servers.drachtio.restart();
        const toGreen = await readyWhen(s, '/readyz green again', (r) => r.status === 200, 60_000);
        const greenAt = Date.now();
        // Calls whose dialogs drachtio-server lost cannot be signalled any more: coachline ends them.
        await until('the calls of the lost dialogs are no longer live', async () => (await liveCallIds(s)).length === 0, 20_000);
        await noChannelsOn(t, s, [0, 1]);
        const timeline = await s.api('GET', `/v1/calls/${calls[0]!.id}/timeline`, ROOT);
        t.match(JSON.stringify(timeline.body), /drachtio_connection_lost/, 'the timeline says why the call ended');
        // A BYE reaches a phone only if drachtio-server kept the dialog; a restarted one did not.
        const told = calls.flatMap((c) => [c.customer, c.agent]).filter((p) => !p.connected).length;
        const fresh = await call(s);
        await expectHearing(t, 'a new call after the restart', parties(fresh), { customer: ['agent'], agent: ['customer'] });
        figures(t, 'drachtio restart', {
          callsInProgress: calls.length,
          lost: calls.length,
          phonesToldByBye: told,
          msUntilReadyzRed: toRed,
          msFromKillUntilReadyzGreen: greenAt - restarted,
          msFromStartUntilGreen: toGreen,
        });
        await hangUpAll([fresh]);
        // The lost calls' phones still think they are up; their BYE gets 481 from the new drachtio-server.
        for (const c of calls) {
          c.customer.hangup();
          c.agent.hangup();
        }
        await noChannelsOn(t, s, [0, 1]);
        t.same(await locksLeft(s), [], 'no lock left');
      },
    ],
    ...(['restart', 'away'] as const).map(
      (how): [string, (t: Test, s: Stack) => Promise<void>] => [
        how === 'restart' ? 'Redis restarted (data kept, 3 s down): the API says 503 with a code meanwhile, calls keep their audio' : 'Redis away for 10 s (SIGSTOP): 503 with a code, never a hang or a 500; calls keep their audio',
        async (t, s) => {
          const c = await call(s);
          const sofia = await s.desk.phone('sofia', TONES.supervisor);
          sofia.answering = { kind: 'auto' };
          const sup = await s.api('POST', `/v1/calls/${c.id}/supervisions`, SOFIA, { target: 'internal', mode: 'monitor' });
          t.equal(sup.status, 201);
          await until('session active', async () => (await s.api('GET', `/v1/supervisions/${sup.body.id}`, SOFIA)).body.state === 'active');
          const all: Party[] = [...parties(c), { label: 'supervisor', phone: sofia }];
          const monitoring = { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] };

          // The API, probed every 200 ms while Redis is away; each answer within 5 s.
          const answers: { status: number; code?: string; ms: number }[] = [];
          let probing = true;
          const probe = (async () => {
            while (probing) {
              const t0 = Date.now();
              try {
                const r = await fetch(`${s.app.httpUrl}/v1/calls`, { headers: { authorization: `Bearer ${SOFIA}` }, signal: AbortSignal.timeout(5000) });
                const body = (await r.json()) as { error?: { code?: string } };
                answers.push({ status: r.status, ...(body.error?.code ? { code: body.error.code } : {}), ms: Date.now() - t0 });
              } catch {
                answers.push({ status: 0, ms: Date.now() - t0 });
              }
              await sleep(200);
            }
          })();
          const away = Date.now();
          // Restarted: saved, down for 3 s, up again with its data. Away: hung for 10 s.
          const restarting = how === 'restart' ? s.servers.redis.restart(3000) : (s.servers.redis.pause(), Promise.resolve());
          await sleep(1000);
          const during = await s.api('POST', `/v1/calls/${c.id}/supervisions`, SOFIA, { target: 'internal', mode: 'coach' }).catch(() => ({ status: 0, body: undefined as any }));
          await expectHearing(t, 'while Redis is away', all, monitoring);
          if (how === 'restart') await restarting;
          else {
            await sleep(Math.max(0, 10_000 - (Date.now() - away)));
            s.servers.redis.resume();
          }
          const back = Date.now();
          const toGreen = await readyWhen(s, '/readyz green again', (r) => r.status === 200, 30_000);
          probing = false;
          await probe;
          const awayAnswers = answers.filter((a) => a.status !== 200);
          t.ok(awayAnswers.length > 0, `the API was probed while Redis was away (${answers.length} probes)`);
          t.same(
            awayAnswers.filter((a) => a.status !== 503 || a.code !== 'store_unavailable'),
            [],
            'every answer while away was 200 or 503 store_unavailable: no 500, no hang',
          );
          t.ok(Math.max(...answers.map((a) => a.ms)) < 5000, `every answer came within 5 s (slowest ${Math.max(...answers.map((a) => a.ms))} ms)`);
          t.equal(during.status, 503, `a supervision command while away gets 503 (${JSON.stringify(during.body?.error)})`);

          await expectHearing(t, 'after Redis is back', all, monitoring);
          const sw = await s.api('PATCH', `/v1/supervisions/${sup.body.id}`, SOFIA, { mode: 'coach' });
          t.equal(sw.status, 200, `the session started before the outage is switched after it (${JSON.stringify(sw.body?.error ?? '')})`);
          await expectHearing(t, 'coach after Redis is back', all, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });
          t.equal((await s.api('DELETE', `/v1/supervisions/${sup.body.id}`, SOFIA)).status, 200, 'and stopped');
          await sofia.waitHangup();
          const again = await s.api('POST', `/v1/calls/${c.id}/supervisions`, SOFIA, { target: 'internal', mode: 'coach' });
          t.equal(again.status, 201, 'a new supervision starts: nothing stayed locked');
          await until('session active', async () => (await s.api('GET', `/v1/supervisions/${again.body.id}`, SOFIA)).body.state === 'active');
          t.equal((await s.api('DELETE', `/v1/supervisions/${again.body.id}`, SOFIA)).status, 200);
          await sofia.waitHangup();
          figures(t, `redis ${how === 'restart' ? 'restart' : 'SIGSTOP 10 s'}`, {
            callsInProgress: 1,
            lost: c.customer.connected && c.agent.connected ? 0 : 1,
            apiAnswersWhileAway: awayAnswers.length,
            slowestAnswerMs: Math.max(...answers.map((a) => a.ms)),
            awayForMs: back - away,
            msUntilReadyzGreenAfterBack: toGreen,
          });
          await hangUpAll([c]);
          await noChannelsOn(t, s, [0, 1]);
          t.same(await locksLeft(s), [], 'no lock left');
        },
      ],
    ),
  ] as [string, (t: Test, s: Stack) => Promise<void>][]).filter(([name]) => !only || only.test(name)),
  { options: async () => ({ directoryFile: directory(), freeswitches: 2 }) },
);
