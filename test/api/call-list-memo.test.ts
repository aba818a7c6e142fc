import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, auth, LEGAL, SALES, TOKENS } from '../helpers/world';
import { endCall, setHeld } from '../../src/domain';

interface Participant { id: string; role: string; name?: string; supervision?: { mode: string; state: string; heardByTarget: boolean } }
interface ListedCall { id: string; state: string; numberName?: string; supervisable: boolean; reason?: { code: string }; participants: Participant[] }
type Who = keyof typeof TOKENS | 'zed';

/**
 * The call list reuses a call's view (and its JSON) while nothing it is made of has
 * changed (src/app/listed-views.ts). A stale view would show a call as it no longer is,
 * or tell a user of supervision they may no longer see: every input is changed here
 * right after the same listing has been read (so a kept view exists), and the very
 * next listing must show the change, for each user as they are now.
 */
t.test('the call list shows every change at once, to each user as they are now', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const zedToken = 'supervisor-zed-token-0123456789';
  const bearer = (who: Who): { authorization: string } => (who === 'zed' ? { authorization: `Bearer ${zedToken}` } : auth(who));
  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: Who, payload?: object) =>
    w.app.inject({ method, url, headers: bearer(who), ...(payload ? { payload } : {}) });
  /** Lists twice (the first read keeps the views, the second is served from them) and checks both agree. */
  const list = async (who: Who): Promise<Map<string, ListedCall>> => {
    const first = await api('GET', '/v1/calls', who);
    const again = await api('GET', '/v1/calls', who);
    t.equal(first.statusCode, 200);
    t.equal(again.body, first.body, `${who}: a listing read again is the same`);
    return new Map((again.json().calls as ListedCall[]).map((c) => [c.id, c]));
  };
  const call = async (who: Who, id: string): Promise<ListedCall | undefined> => (await list(who)).get(id);
  const supervisorsOf = (c: ListedCall | undefined): Participant[] => (c?.participants ?? []).filter((p) => p.role === 'supervisor');
  const put = async (url: string, payload: object): Promise<void> => {
    const r = await api('PUT', url, 'root', payload);
    t.equal(r.statusCode, 200, `PUT ${url}`);
  };
  const sales = '/v1/numbers/' + encodeURIComponent(SALES);
  const salesDistribution = ['ana', 'bob', 'sue', 'rem', 'root'];

  // zed: a supervisor outside every distribution.
  t.equal((await api('POST', '/v1/users', 'root', { id: 'zed', name: 'Zed Outsider', role: 'supervisor', permissions: ['monitor'], tokens: [zedToken] })).statusCode, 201);
  await w.service.callChanged(activeCall('call-1', SALES, 'ana'), { type: 'call_answered' });
  await w.service.callChanged(activeCall('call-2', SALES, 'bob'), { type: 'call_answered' });

  t.test('the call itself, on this instance and on another', async (t) => {
    t.equal((await call('sue', 'call-1'))?.state, 'active');
    await w.service.callChanged(setHeld(activeCall('call-1', SALES, 'ana'), 'A', true), { type: 'call_held' });
    t.equal((await call('sue', 'call-1'))?.state, 'held', 'held at once');
    const other = await w.instance({ refresh: false });
    await other.store.calls.save({ call: activeCall('call-1', SALES, 'ana'), owner: 'instance-1', startedAt: 't0', updatedAt: 't1' }, undefined, Date.now());
    t.equal((await call('sue', 'call-1'))?.state, 'active', 'a record saved by another instance');
    await w.service.callChanged(activeCall('call-0', LEGAL, 'bob'), { type: 'call_answered' });
    t.match(await call('sue', 'call-0'), { numberName: 'Legal hotline', supervisable: false, reason: { code: 'not_supervisable' } }, 'a call on a number the page did not show before');
    await w.service.callChanged(endCall(activeCall('call-0', LEGAL, 'bob')), { type: 'call_ended' });
    t.equal(await call('sue', 'call-0'), undefined, 'and gone when it ends');
  });

  t.test('each user their own decision on the same call', async (t) => {
    for (let round = 0; round < 2; round++) {
      t.match(await call('sue', 'call-1'), { supervisable: true }, 'sue: in the distribution');
      t.match(await call('zed', 'call-1'), { supervisable: false, reason: { code: 'not_in_distribution' } }, 'zed: not');
    }
  });

  t.test('the number: its name and its distribution', async (t) => {
    t.equal((await call('sue', 'call-1'))?.numberName, 'Sales');
    await put(sales, { name: 'Sales desk', distribution: salesDistribution });
    t.equal((await call('sue', 'call-1'))?.numberName, 'Sales desk', 'renamed at once');
    await put(sales, { name: 'Sales desk', distribution: salesDistribution.filter((u) => u !== 'sue') });
    t.match(await call('sue', 'call-1'), { supervisable: false, reason: { code: 'not_in_distribution' } }, 'out of the distribution at once');
    await put(sales, { name: 'Sales desk', distribution: [...salesDistribution, 'zed'] });
    t.match(await call('sue', 'call-1'), { supervisable: true }, 'back in');
    t.match(await call('zed', 'call-1'), { supervisable: true }, 'zed put in');
    await put(sales, { name: 'Sales', distribution: salesDistribution });
    t.match(await call('zed', 'call-1'), { supervisable: false, reason: { code: 'not_in_distribution' } }, 'zed out again');
  });

  t.test('the user: role, and being on the call', async (t) => {
    t.match(await call('rem', 'call-2'), { supervisable: true });
    await put('/v1/users/rem', { name: 'Remote Supervisor', role: 'agent', permissions: ['monitor'] });
    t.same([...(await list('rem')).keys()], [], 'demoted to agent: no other calls listed at once');
    await put('/v1/users/rem', { name: 'Remote Supervisor', role: 'supervisor', permissions: ['monitor'] });
    t.match(await call('rem', 'call-2'), { supervisable: true }, 'a supervisor again');
    await w.service.callChanged(activeCall('call-2', SALES, 'rem'), { type: 'call_answered' });
    t.match(await call('rem', 'call-2'), { supervisable: false, reason: { code: 'own_call' } }, 'on the call: their own');
    await w.service.callChanged(activeCall('call-2', SALES, 'bob'), { type: 'call_answered' });
    t.match(await call('rem', 'call-2'), { supervisable: true });
  });

  t.test('supervision: shown only to whom it may be, and gone when it ends', async (t) => {
    for (const who of ['sue', 'rem', 'root', 'zed'] as const) t.same(supervisorsOf(await call(who, 'call-1')), [], `${who}: nobody supervises yet`);
    const s = (await api('POST', '/v1/calls/call-1/supervisions', 'sue', { target: 'A', mode: 'monitor' })).json();
    w.signaling.emit(s.id, { type: 'answered' });
    await w.service.idle();
    for (const who of ['sue', 'rem', 'root'] as const) {
      t.match(supervisorsOf(await call(who, 'call-1')), [{ id: s.id, name: 'Sue Supervisor', supervision: { mode: 'monitor', state: 'active', heardByTarget: false } }], `${who} sees sue monitor`);
    }
    t.same(supervisorsOf(await call('zed', 'call-1')), [], 'zed, outside the distribution, does not');
    t.same([...(await list('ana')).keys()], ['call-1'], 'ana lists her call');
    t.same(supervisorsOf(await call('ana', 'call-1')), [], 'and is not told she is monitored');

    await api('PATCH', `/v1/supervisions/${s.id}`, 'sue', { mode: 'coach' });
    t.match(supervisorsOf(await call('sue', 'call-1')), [{ supervision: { mode: 'coach', heardByTarget: true } }], 'coach: heard by the agent');
    await w.service.callChanged(setHeld(activeCall('call-1', SALES, 'ana'), 'A', true), { type: 'call_held' });
    t.match(supervisorsOf(await call('sue', 'call-1')), [{ supervision: { mode: 'coach', heardByTarget: false } }], 'the agent’s phone holds: not heard');
    await w.service.callChanged(activeCall('call-1', SALES, 'ana'), { type: 'call_resumed' });
    t.match(supervisorsOf(await call('sue', 'call-1')), [{ supervision: { mode: 'coach', heardByTarget: true } }], 'resumed: heard again');

    await put(sales, { name: 'Sales', distribution: salesDistribution.filter((u) => u !== 'rem') });
    t.same(supervisorsOf(await call('rem', 'call-1')), [], 'rem taken out of the distribution: no longer told who supervises');
    await put(sales, { name: 'Sales', distribution: salesDistribution });

    await api('PATCH', `/v1/supervisions/${s.id}`, 'sue', { mode: 'monitor' });
    t.equal((await api('PATCH', `/v1/supervisions/${s.id}`, 'sue', { mode: 'coach', notify: true })).statusCode, 200);
    t.match(supervisorsOf(await call('ana', 'call-1')), [{ name: 'Sue Supervisor', supervision: { mode: 'coach' } }], 'a coach with notify is told to the agent');
    await api('DELETE', `/v1/supervisions/${s.id}`, 'sue');
    await w.service.idle();
    for (const who of ['sue', 'rem', 'root', 'zed', 'ana'] as const) t.same(supervisorsOf(await call(who, 'call-1')), [], `${who}: the session ended`);
  });
});
