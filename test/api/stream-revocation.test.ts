import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, auth, SALES } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { eventually } from '../helpers/config';

/**
 * An open event stream lasts only as long as its credential, whichever instance the
 * directory change is made on: deleting the user, changing their role, or replacing
 * the token the stream was opened with ends it before the next event. Streams whose
 * credential still holds carry on.
 */
const tok = (name: string): string => `${name}-stream-token-0123456789`;

t.test('streams end when their credential is revoked, on any instance', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as { port: number }).port;

  const supervisor = (id: string, tokens: string[]) => ({ name: id, role: 'supervisor', permissions: ['monitor'], tokens });
  for (const [id, tokens] of [
    ['gone', [tok('gone')]],
    ['demoted', [tok('demoted')]],
    ['rotated', [tok('rotated-a'), tok('rotated-b')]],
    ['renamed', [tok('renamed')]],
    ['kept', [tok('kept')]],
  ] as const) {
    const r = await w.app.inject({ method: 'POST', url: '/v1/users', headers: auth('root'), payload: { id, ...supervisor(id, [...tokens]) } });
    t.equal(r.statusCode, 201, `${id} created`);
  }

  const s = {
    gone: await SseClient.open(port, tok('gone')),
    demoted: await SseClient.open(port, tok('demoted')),
    rotatedA: await SseClient.open(port, tok('rotated-a')),
    rotatedB: await SseClient.open(port, tok('rotated-b')),
    renamed: await SseClient.open(port, tok('renamed')),
    kept: await SseClient.open(port, tok('kept')),
  };
  t.teardown(() => Object.values(s).forEach((c) => c.close()));
  t.equal(w.app.server.listening, true);

  // Every change on the *other* instance.
  const admin = (method: 'PUT' | 'DELETE', url: string, payload?: object) => other.app.inject({ method, url, headers: auth('root'), ...(payload ? { payload } : {}) });
  t.equal((await admin('DELETE', '/v1/users/gone')).statusCode, 204);
  t.equal((await admin('PUT', '/v1/users/demoted', { name: 'demoted', role: 'agent' })).statusCode, 200);
  t.equal((await admin('PUT', '/v1/users/rotated', supervisor('rotated', [tok('rotated-b'), tok('rotated-c')]))).statusCode, 200);
  t.equal((await admin('PUT', '/v1/users/renamed', { name: 'Renamed', role: 'supervisor', permissions: ['monitor'] })).statusCode, 200);

  await eventually(() => s.gone.isEnded && s.demoted.isEnded && s.rotatedA.isEnded, 5000, 'revoked streams ended');

  // A call event after the changes: only the streams still allowed get it.
  await other.service.callChanged(activeCall('call-after', SALES, 'ana'), { type: 'call_answered', actor: 'A' });
  const got = (c: SseClient): boolean => c.events.some((e) => e.data.callId === 'call-after');
  await eventually(() => got(s.kept) && got(s.renamed) && got(s.rotatedB), 5000, 'the others see the next call');
  t.notOk(got(s.gone), 'deleted user: nothing more');
  t.notOk(got(s.demoted), 'demoted user: nothing more on the stream opened as a supervisor');
  t.notOk(got(s.rotatedA), 'replaced token: nothing more');
  t.notOk(s.kept.isEnded || s.renamed.isEnded || s.rotatedB.isEnded, 'streams whose credential holds stay open');
  const r = await w.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${tok('rotated-a')}` } });
  t.equal(r.statusCode, 401, 'and the revoked token cannot open a new one');
});
