import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, LEGAL, auth } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { eventually } from '../helpers/config';

interface Action { mode: string; allowed: boolean; current?: boolean; reason?: { code: string; message: string } }
interface Participant { id: string; role: string; name?: string; actions?: Action[]; supervision?: { mode: string; state: string } }

/**
 * What the page is told: who you are (GET /v1/me); per participant, what you may do and
 * why not (decided by the rules, so the page never guesses one); an agent's own calls
 * only, and of supervision only a coach who joined with notify.
 */
t.test('call views for the page', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  await w.service.callChanged(activeCall('call-1'), { type: 'call_answered' });
  await w.service.callChanged(activeCall('call-bob', undefined, 'bob'), { type: 'call_answered' });
  await w.service.callChanged(activeCall('call-legal', LEGAL, 'bob'), { type: 'call_answered' });
  const get = (url: string, who: Parameters<typeof auth>[0]) => w.app.inject({ method: 'GET', url, headers: auth(who) });
  const actionsOf = async (who: Parameters<typeof auth>[0], callId: string, pid: string): Promise<Record<string, string>> => {
    const p = ((await get(`/v1/calls/${callId}`, who)).json().participants as Participant[]).find((x) => x.id === pid)!;
    return Object.fromEntries((p.actions ?? []).map((a) => [a.mode, a.current ? 'current' : a.allowed ? 'allowed' : a.reason!.code]));
  };

  t.test('GET /v1/me', async (t) => {
    const r = await get('/v1/me', 'sue');
    t.equal(r.statusCode, 200);
    t.match(r.json(), { user: { id: 'sue', name: 'Sue Supervisor', role: 'supervisor', status: 'available' } });
    t.notOk('session' in r.json(), 'no session');
    t.equal((await w.app.inject({ method: 'GET', url: '/v1/me' })).statusCode, 401);
  });

  t.test('actions per participant and mode, from the rules', async (t) => {
    t.same(await actionsOf('sue', 'call-1', 'A'), { monitor: 'allowed', coach: 'allowed', barge: 'allowed' });
    t.same(await actionsOf('sue', 'call-1', 'C'), { monitor: 'allowed' }, 'coach and barge target an agent: not offered on the customer');
    t.same(await actionsOf('rem', 'call-1', 'A'), { monitor: 'not_available', coach: 'forbidden_mode', barge: 'forbidden_mode' }, 'rem: monitor only, and unavailable');
    t.same(await actionsOf('sue', 'call-legal', 'A'), { monitor: 'not_supervisable', coach: 'not_supervisable', barge: 'not_supervisable' }, 'supervision off for the number');
    t.same(await actionsOf('root', 'call-legal', 'C'), { monitor: 'not_in_distribution' });
    const list = (await get('/v1/calls', 'sue')).json().calls as Array<{ participants: Participant[]; numberName?: string }>;
    t.ok(list.every((c) => c.participants.every((p) => p.actions === undefined)), 'listings carry no actions (details do)');
    t.same(list.map((c) => c.numberName).sort(), ['Legal hotline', 'Sales', 'Sales']);
    t.equal(list[0]!.participants.find((p) => p.role === 'agent')!.name !== undefined, true, 'agents by name');

    const s = (await w.app.inject({ method: 'POST', url: '/v1/calls/call-1/supervisions', headers: auth('sue'), payload: { target: 'A', mode: 'monitor' } })).json();
    w.signaling.emit(s.id, { type: 'answered' });
    await w.service.idle();
    t.same(await actionsOf('sue', 'call-1', 'A'), { monitor: 'current', coach: 'allowed', barge: 'allowed' }, 'on your own target: mode switches');
    t.same(await actionsOf('sue', 'call-1', 'C'), { monitor: 'supervisor_busy' }, 'elsewhere: one session at a time');
    t.same(await actionsOf('root', 'call-1', 'A'), { monitor: 'allowed', coach: 'allowed', barge: 'allowed' });
    const detail = (await get('/v1/calls/call-1', 'sue')).json();
    t.match(detail.yourSession, { id: s.id, mode: 'monitor', state: 'active' });
    t.notOk('yourSession' in (await get('/v1/calls/call-1', 'root')).json(), 'another supervisor’s session is not yours');
    t.match((await get('/v1/me', 'sue')).json().session, { id: s.id, state: 'active' }, '/v1/me carries your live session');
    await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: auth('sue'), payload: { mode: 'coach' } });
    t.same(await actionsOf('root', 'call-1', 'A'), { monitor: 'allowed', coach: 'coach_taken', barge: 'allowed' }, 'one coach per agent');
    await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${s.id}`, headers: auth('sue') });
  });

  t.test('agents: their own calls only; supervision only as a coach with notify', async (t) => {
    const ids = async (who: Parameters<typeof auth>[0], q = ''): Promise<string[]> => ((await get(`/v1/calls${q}`, who)).json().calls as Array<{ id: string }>).map((c) => c.id).sort();
    t.same(await ids('ana'), ['call-1']);
    t.same(await ids('ana', '?agent=bob'), [], 'not another agent’s, even asked for');
    t.same((await get('/v1/calls/call-bob', 'ana')).json().error.code, 'call_not_found', 'another agent’s call does not exist for them');
    t.equal((await get('/v1/calls/call-1/timeline', 'ana')).statusCode, 403, 'no timeline');
    t.notOk(((await get('/v1/calls/call-1', 'ana')).json().participants as Participant[]).some((p) => p.actions), 'no actions');

    const ana = await SseClient.openPath((await listening()).port, '/v1/events', auth('ana'));
    const root = await SseClient.openPath((await listening()).port, '/v1/events', auth('root'));
    t.teardown(() => [ana, root].forEach((c) => c.close()));
    const supervisorsSeenBy = async (who: Parameters<typeof auth>[0]): Promise<Participant[]> =>
      ((await get('/v1/calls/call-1', who)).json().participants as Participant[]).filter((p) => p.role === 'supervisor');

    const s = (await w.app.inject({ method: 'POST', url: '/v1/calls/call-1/supervisions', headers: auth('sue'), payload: { target: 'A', mode: 'monitor' } })).json();
    w.signaling.emit(s.id, { type: 'answered' });
    await w.service.idle();
    t.same(await supervisorsSeenBy('ana'), [], 'monitor: nothing');
    await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: auth('sue'), payload: { mode: 'coach' } });
    t.same(await supervisorsSeenBy('ana'), [], 'coach without notify: nothing');
    await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: auth('sue'), payload: { mode: 'monitor' } });
    const bad = await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: auth('sue'), payload: { mode: 'coach', notify: 'yes' } });
    t.same([bad.statusCode, bad.json().error.code], [400, 'bad_request']);
    const sw = await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: auth('sue'), payload: { mode: 'coach', notify: true } });
    t.same([sw.statusCode, sw.json().notify], [200, true], 'switched to coach with notify');
    t.match(await supervisorsSeenBy('ana'), [{ role: 'supervisor', name: 'Sue Supervisor', supervision: { mode: 'coach', state: 'active' } }], 'the coached agent is told who');
    t.match(w.media.lastPlan('call-1')?.plays, { 'A:notify_tone': { member: 'A', sound: 'notify_tone' } }, 'and hears the tone');
    await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${s.id}`, headers: auth('sue') });
    t.same(await supervisorsSeenBy('ana'), []);

    await eventually(() => ana.events.filter((e) => e.event === 'coaching_notice').length === 2, 3000, 'two notices');
    t.same(ana.events.filter((e) => e.event === 'coaching_notice').map((e) => (e.data.detail as { active: boolean; coachName: string })), [
      { active: true, coachName: 'Sue Supervisor' },
      { active: false, coachName: 'Sue Supervisor' },
    ]);
    t.notOk(ana.events.some((e) => e.data.kind === 'supervision'), 'and no supervision events');
    await eventually(() => root.events.some((e) => e.event === 'supervision_ended'), 3000, 'root saw the end');
    t.notOk(root.events.some((e) => e.event === 'coaching_notice'), 'notices are for the agent only, admins included');
  });

  let addr: { port: number } | undefined;
  async function listening(): Promise<{ port: number }> {
    if (!addr) {
      await w.app.listen({ host: '127.0.0.1', port: 0 });
      addr = w.app.server.address() as { port: number };
    }
    return addr;
  }
});
