/**
 * The SIPp kit's several-agents scenarios (sipp-scenarios/README.md, issue 12) run
 * for real: SIPp plays the phones on the kit's addresses against the real stack
 * loaded with the kit's directory, exactly as the README tells an ops engineer, and
 * the API says what happened — the consult and the attended transfer from the
 * agent's phone (agent-consult-uas.xml), the blind transfer (agent-refer-uas.xml),
 * and a participant added by user id and by number (participant-uas.xml). Skipped without drachtio/FreeSWITCH or without sipp.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Test } from 'tap';
import { noChannelsLeft, until } from './lib/flows';
import { sleep } from './lib/hearing';
import type { Stack } from './lib/stack';
import { e2eSuite } from './lib/suite';

const kit = path.resolve(__dirname, '..', '..', 'sipp-scenarios');
const CARLA = 'sipp-kit-carla-token-000';
const ANA = 'sipp-kit-ana-token-0000';

interface Sipp {
  proc: ChildProcess;
  /** SIPp's exit code (0: every call succeeded) and what it printed. */
  done: Promise<{ code: number | null; out: string }>;
}

/** One SIPp, from sipp-scenarios/ like the README's commands, bounded by -timeout. */
function sipp(t: Test, args: string): Sipp {
  const proc = spawn('sipp', [...args.split(' '), '-timeout', '60', '-timeout_error', '-nostdin'], { cwd: kit, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => proc.on('close', (code) => resolve({ code, out })));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, done };
}

async function exitsOk(t: Test, who: string, p: Sipp): Promise<void> {
  const { code, out } = await p.done;
  t.equal(code, 0, `${who}'s SIPp: every call succeeded${code === 0 ? '' : `\n${out}`}`);
}

const api = async (s: Stack, url: string): Promise<any> => (await s.api('GET', url, CARLA)).body;

async function liveCall(s: Stack): Promise<string> {
  let id: string | undefined;
  await until('the customer’s call is listed with ana connected', async () => {
    const calls = (await api(s, '/v1/calls')).calls as any[];
    const c = calls.find((x) => x.participants?.some((p: any) => p.userId === 'ana' && p.status === 'connected'));
    id = c?.id;
    if (!id && calls[0]) {
      const v = await api(s, `/v1/calls/${calls[0].id}`);
      if (v.participants?.some((p: any) => p.userId === 'ana' && p.status === 'connected')) id = v.id;
    }
    return !!id;
  });
  return id!;
}

async function timelineTypes(s: Stack, id: string): Promise<string[]> {
  return ((await api(s, `/v1/calls/${id}/timeline`)).events as any[]).map((e) => `${e.type} ${e.actor}`);
}

const CUSTOMER = (port: number, ms: number): string =>
  `-sf customer-uac.xml -inf numbers.csv -i 127.0.0.2 -p ${port} -mi 127.0.0.2 -mp 34000 127.0.0.1:5060 -d ${ms} -m 1`;

function sippMissing(): string | undefined {
  const r = spawnSync('sipp', ['-v'], { stdio: 'ignore' });
  return r.error ? 'sipp is not on PATH (Debian: apt-get install sip-tester)' : undefined;
}

/** Ana adds a participant through the API (the README's curl); resolves with its id once it answered. */
async function addAndAnswer(t: Test, s: Stack, callId: string, body: Record<string, string>, expected: Record<string, string>): Promise<string> {
  const added = await s.api('POST', `/v1/calls/${callId}/participants`, ANA, body);
  t.equal(added.status, 201, JSON.stringify(added.body));
  t.match(added.body, expected);
  const pid = added.body.id as string;
  await until('the added participant answers', async () => (await api(s, `/v1/calls/${callId}`)).participants.some((p: any) => p.id === pid && p.status === 'connected'));
  return pid;
}

e2eSuite(
  'sipp-several-agents',
  [
    [
      'agent-consult-uas.xml: hold, consult bruno on a second line, REFER with Replaces; the customer ends with bruno',
      async (t, s) => {
        const bruno = sipp(t, '-sf agent-uas.xml -i 127.0.0.3 -p 5064 -mi 127.0.0.3 -mp 36000 -m 1');
        const ana = sipp(t, '-sf agent-consult-uas.xml -i 127.0.0.3 -p 5060 -mi 127.0.0.3 -mp 30000 -d 3000 -key consult_to sip:bruno@127.0.0.1 -m 1');
        await sleep(500);
        const customer = sipp(t, CUSTOMER(5060, 14000));
        const id = await liveCall(s);
        let view: any;
        await until('consulting', async () => {
          view = await api(s, `/v1/calls/${id}`);
          return view.transfer?.phase === 'consulting';
        });
        t.match(view.transfer, { kind: 'attended', phase: 'consulting' }, 'the second line’s call is the customer call’s consult');
        t.match(view.participants.find((p: any) => p.userId === 'ana'), { status: 'connected', held: true }, 'ana holds the customer');
        t.match(view.participants.find((p: any) => p.userId === 'bruno'), { status: 'connected', origin: 'consult' });
        await exitsOk(t, 'ana', ana);
        // SIPp is done once it answered both BYEs; coachline records ana's leaving just after.
        const connected = (v: any): string[] => v.participants.filter((p: any) => p.status === 'connected').map((p: any) => p.userId ?? 'customer').sort();
        await until('ana has left', async () => {
          view = await api(s, `/v1/calls/${id}`);
          return !connected(view).includes('ana');
        });
        t.notOk(view.transfer, 'the transfer is over (no transfer on the call)');
        t.same(connected(view), ['bruno', 'customer'], 'the customer is with bruno');
        await exitsOk(t, 'the customer', customer);
        await exitsOk(t, 'bruno', bruno);
        const types = await timelineTypes(s, id);
        t.same(
          types.filter((x) => /^(hold|consult_started|transfer_answered|transfer_completed|participant_left a1)/.test(x)),
          ['hold a1', 'consult_started a1', 'transfer_answered a2', 'transfer_completed a1', 'participant_left a1'],
          types.join(', '),
        );
        await noChannelsLeft(t, s);
      },
    ],
    [
      'agent-refer-uas.xml: ana blind-transfers to bruno by user id',
      async (t, s) => {
        const bruno = sipp(t, '-sf agent-uas.xml -i 127.0.0.3 -p 5064 -mi 127.0.0.3 -mp 36000 -m 1');
        const ana = sipp(t, '-sf agent-refer-uas.xml -i 127.0.0.3 -p 5060 -mi 127.0.0.3 -mp 30000 -d 3000 -key refer_to sip:bruno@127.0.0.1 -m 1');
        await sleep(500);
        const customer = sipp(t, CUSTOMER(5060, 12000));
        const id = await liveCall(s);
        await exitsOk(t, 'ana (202, NOTIFY to 200, BYE)', ana);
        await until('the customer is with bruno', async () => {
          const v = await api(s, `/v1/calls/${id}`);
          return v.participants.some((p: any) => p.userId === 'bruno' && p.status === 'connected') && !v.participants.some((p: any) => p.userId === 'ana' && p.status === 'connected');
        });
        await exitsOk(t, 'the customer', customer);
        await exitsOk(t, 'bruno', bruno);
        await noChannelsLeft(t, s);
      },
    ],
    [
      'participant-uas.xml: ana adds bruno by user id; he answers, talks, leaves; customer and ana talk on',
      async (t, s) => {
        const bruno = sipp(t, '-sf participant-uas.xml -i 127.0.0.3 -p 5064 -mi 127.0.0.3 -mp 36000 -d 4000 -m 1');
        const ana = sipp(t, '-sf agent-uas.xml -i 127.0.0.3 -p 5060 -mi 127.0.0.3 -mp 30000 -m 1');
        await sleep(500);
        const customer = sipp(t, CUSTOMER(5060, 12000));
        const id = await liveCall(s);
        const pid = await addAndAnswer(t, s, id, { userId: 'bruno' }, { userId: 'bruno', status: 'ringing', origin: 'added' });
        await exitsOk(t, 'bruno', bruno);
        let view: any;
        await until('bruno has left', async () => {
          view = await api(s, `/v1/calls/${id}`);
          return view.participants.some((p: any) => p.id === pid && p.status === 'left');
        });
        t.same(view.participants.map((p: any) => [p.id, p.status]), [['c1', 'connected'], ['a1', 'connected'], [pid, 'left']], 'bruno left, the customer and ana talk on');
        await exitsOk(t, 'the customer', customer);
        await exitsOk(t, 'ana', ana);
        const types = await timelineTypes(s, id);
        t.same(types.filter((x) => /^participant_/.test(x)), ['participant_added a1', `participant_answered ${pid}`, `participant_left ${pid}`, 'participant_left c1'], types.join(', '));
        await noChannelsLeft(t, s);
      },
    ],
    [
      'participant-uas.xml behind the trunk: ana adds a number; coachline removes it before it hangs up',
      async (t, s) => {
        const guest = sipp(t, '-sf participant-uas.xml -i 127.0.0.2 -p 5060 -mi 127.0.0.2 -mp 38000 -d 30000 -m 1');
        const ana = sipp(t, '-sf agent-uas.xml -i 127.0.0.3 -p 5060 -mi 127.0.0.3 -mp 30000 -m 1');
        await sleep(500);
        const customer = sipp(t, CUSTOMER(5070, 10000));
        const id = await liveCall(s);
        const pid = await addAndAnswer(t, s, id, { number: '+34600000555' }, { kind: 'external', address: '+34600000555', status: 'ringing' });
        await sleep(1000);
        const removed = await s.api('DELETE', `/v1/calls/${id}/participants/${pid}`, ANA);
        t.equal(removed.status, 200, 'the agent removes the guest');
        await exitsOk(t, 'the guest (answers coachline’s BYE)', guest);
        await exitsOk(t, 'the customer', customer);
        await exitsOk(t, 'ana', ana);
        const types = await timelineTypes(s, id);
        t.same(types.filter((x) => /^participant_(added|answered)/.test(x)), ['participant_added a1', `participant_answered ${pid}`], types.join(', '));
        t.ok(types.some((x) => x.startsWith('participant_left') && x.endsWith(pid)), `${pid} left`);
        await noChannelsLeft(t, s);
      },
    ],
  ],
  { options: async () => ({ phones: false, directoryFile: path.join(kit, 'directory.yaml') }), needs: sippMissing },
);
