import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, auth, TOKENS } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { eventually } from '../helpers/config';

/**
 * A supervisor turning busy because of a session is a status change every staff
 * member may see; which session it is (and so who is supervising where) only those who
 * may see that supervision: admins, the supervisor, supervisors in the number's
 * distribution.
 */
t.test('user_status_changed names the session only to those who may see it', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as { port: number }).port;
  t.equal((await w.app.inject({ method: 'POST', url: '/v1/numbers', headers: auth('root'), payload: { e164: '+34910000003', name: 'Support', distribution: ['ana', 'sue'] } })).statusCode, 201);
  await w.service.callChanged(activeCall('call-3', '+34910000003', 'ana'), { type: 'call_answered' });

  const s = { root: await SseClient.open(port, TOKENS.root), sue: await SseClient.open(port, TOKENS.sue), rem: await SseClient.open(port, TOKENS.rem) };
  t.teardown(() => Object.values(s).forEach((c) => c.close()));
  const start = await w.app.inject({ method: 'POST', url: '/v1/calls/call-3/supervisions', headers: auth('sue'), payload: { target: 'A', mode: 'monitor' } });
  t.equal(start.statusCode, 201);
  const sid = start.json().id as string;
  await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${sid}`, headers: auth('sue') });

  const statuses = (c: SseClient) =>
    c.events.filter((e) => e.event === 'user_status_changed' && (e.data.detail as { userId: string }).userId === 'sue').map((e) => e.data.detail as Record<string, unknown>);
  await eventually(() => Object.values(s).every((c) => statuses(c).length === 2), 5000, 'busy and restored, on every stream');
  t.same(statuses(s.rem), [{ userId: 'sue', status: 'busy' }, { userId: 'sue', status: 'available' }], 'outside the distribution: the status, no session');
  t.same(statuses(s.root).map((d) => d.sessionId), [sid, sid], 'an admin: the session');
  t.same(statuses(s.sue).map((d) => d.sessionId), [sid, sid], 'the supervisor: their session');
});
