import t from 'tap';
import { ROUTES } from '../../src/api';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, TOKENS, SALES } from '../helpers/world';
import { toDomainUser } from '../../src/app';

/**
 * The auth and role matrix: every route in the table × every kind of caller. Allowed
 * callers are sent requests that cannot change anything (empty bodies, unknown ids),
 * so their answer proves they got past auth (2xx/400/404), never 401/403.
 */
type Who = 'none' | 'malformed' | 'unknown' | 'agent' | 'supervisor' | 'admin';
const WHO: Who[] = ['none', 'malformed', 'unknown', 'agent', 'supervisor', 'admin'];
const header: Record<Who, string | undefined> = {
  none: undefined,
  malformed: `Basic ${Buffer.from('root:pw').toString('base64')}`,
  unknown: 'Bearer not-a-real-token-0123456789',
  agent: `Bearer ${TOKENS.ana}`,
  supervisor: `Bearer ${TOKENS.sue}`,
  admin: `Bearer ${TOKENS.root}`,
};

function expected(access: unknown, who: Who): 'ok' | 401 | 403 {
  if (access === 'public') return 'ok';
  if (who === 'none' || who === 'malformed' || who === 'unknown') return 401;
  if (access === 'user') return 'ok';
  const role = { agent: 'agent', supervisor: 'supervisor', admin: 'admin' }[who];
  return (access as string[]).includes(role) ? 'ok' : 403;
}

t.test('auth and role matrix', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  await w.service.callChanged(activeCall(), { type: 'call_answered' });
  const sue = toDomainUser((await w.store.directory.getUser('sue'))!);
  const session = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
  await w.service.stopSupervision(sue, session.id);

  // GET on ana (an agent may read themself); writes on ids that do not exist.
  const url = (u: string, method: string): string =>
    u.replace(':id/status', 'ana/status').replace('/v1/users/:id', method === 'GET' ? '/v1/users/ana' : '/v1/users/nobody').replace('/v1/calls/:id', '/v1/calls/call-1')
      .replace('/v1/supervisions/:id', `/v1/supervisions/${session.id}`).replace(':e164', encodeURIComponent('+999999'));
  let cells = 0;
  for (const r of ROUTES) {
    // An authorized event stream never ends under inject; its auth is checked below.
    if (r.url === '/v1/events') continue;
    for (const who of WHO) {
      const want = expected(r.access, who);
      const auth = header[who];
      const res = await w.app.inject({
        method: r.method,
        url: url(r.url, r.method),
        headers: auth ? { authorization: auth } : {},
        ...(['POST', 'PUT', 'PATCH'].includes(r.method) ? { payload: {} } : {}),
      });
      cells++;
      const name = `${r.method} ${r.url} as ${who}`;
      if (want === 'ok') {
        // Past auth and role: a 403 here may only be a rule's (e.g. forbidden_conference), never the role guard's.
        const roleRefused = res.statusCode === 403 && res.json().error?.code === 'forbidden_role';
        t.notOk([401, 500].includes(res.statusCode) || roleRefused, `${name} → ${res.statusCode} (past auth)`);
      } else {
        t.equal(res.statusCode, want, `${name} → ${want}`);
        t.equal(res.json().error.code, want === 401 ? 'unauthorized' : 'forbidden_role');
        if (want === 401) t.equal(res.headers['www-authenticate'], 'Bearer');
      }
    }
  }
  t.comment(`auth matrix: ${cells} route × caller cells`);

  t.test('the event stream refuses before streaming', async (t) => {
    for (const who of ['none', 'malformed', 'unknown'] as const) {
      const res = await w.app.inject({ method: 'GET', url: '/v1/events', headers: header[who] ? { authorization: header[who] } : {} });
      t.equal(res.statusCode, 401, who);
    }
  });

  t.test('object-level rules', async (t) => {
    const as = (who: Who, method: 'GET' | 'PUT', u: string, payload?: object) =>
      w.app.inject({ method, url: u, headers: { authorization: header[who]! }, ...(payload ? { payload } : {}) });
    t.equal((await as('agent', 'GET', '/v1/users/ana')).statusCode, 200, 'an agent reads themself');
    t.match((await as('agent', 'GET', '/v1/users/sue')).json(), { error: { code: 'forbidden_role' } });
    t.equal((await as('agent', 'PUT', '/v1/users/ana/status', { status: 'unavailable' })).statusCode, 200, 'and sets their own status');
    const r = await as('supervisor', 'PUT', '/v1/users/ana/status', { status: 'available' });
    t.same([r.statusCode, r.json().error.code], [403, 'not_yourself']);
    t.equal((await as('admin', 'PUT', '/v1/users/ana/status', { status: 'available' })).statusCode, 200, 'admins set anyone’s');
    const root = toDomainUser((await w.store.directory.getUser('root'))!);
    const s = await w.service.startSupervision(root, 'call-1', { target: 'A', mode: 'monitor' });
    const patch = await w.app.inject({ method: 'PATCH', url: `/v1/supervisions/${s.id}`, headers: { authorization: header.supervisor! }, payload: { mode: 'barge' } });
    t.same([patch.statusCode, patch.json().error.code], [403, 'not_session_owner'], 'a supervisor cannot steer another’s session');
    const look = await w.app.inject({ method: 'GET', url: `/v1/supervisions/${s.id}`, headers: { authorization: header.supervisor! } });
    t.equal(look.statusCode, 200, 'but may see it (same distribution)');
    const del = await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${s.id}`, headers: { authorization: header.admin! } });
    t.equal(del.json().state, 'ended');
    await w.service.callChanged(activeCall('call-bob', SALES, 'bob'), { type: 'call_answered' });
    const own = await w.app.inject({ method: 'GET', url: `/v1/calls?number=${encodeURIComponent(SALES)}`, headers: { authorization: header.agent! } });
    t.same([own.statusCode, own.json().calls.map((c: { id: string }) => c.id)], [200, ['call-1']], 'an agent lists their own calls only');
    const other = await w.app.inject({ method: 'GET', url: '/v1/calls/call-bob', headers: { authorization: header.agent! } });
    t.same([other.statusCode, other.json().error.code], [404, 'call_not_found'], 'and no other agent’s');
  });

  t.test('a revoked token stops working at once', async (t) => {
    const ok = await w.app.inject({ method: 'GET', url: '/v1/calls', headers: { authorization: header.supervisor! } });
    t.equal(ok.statusCode, 200);
    const put = await w.app.inject({
      method: 'PUT', url: '/v1/users/sue', headers: { authorization: header.admin! },
      payload: { name: 'Sue', role: 'supervisor', permissions: ['monitor'], tokens: ['a-brand-new-token-0123456789'] },
    });
    t.equal(put.statusCode, 200);
    t.equal(put.json().tokenCount, 1);
    t.equal((await w.app.inject({ method: 'GET', url: '/v1/calls', headers: { authorization: header.supervisor! } })).statusCode, 401);
    t.equal((await w.app.inject({ method: 'GET', url: '/v1/calls', headers: { authorization: 'Bearer a-brand-new-token-0123456789' } })).statusCode, 200);
  });
});
