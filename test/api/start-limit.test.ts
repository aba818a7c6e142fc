import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, auth, Instance } from '../helpers/world';
import { sleep } from '../helpers/config';

/**
 * Supervision starts per supervisor are limited (here 3 per 1.5 s), across instances:
 * a client looping on starts gets 429 too_many_sessions with Retry-After, and no
 * session, dial or timeline entry is made for it. Starts refused for another reason
 * do not count; other supervisors are not affected; the window ends.
 */
const LIMIT = 3;
const WINDOW_MS = 1500;

t.test('supervision starts are rate limited per supervisor', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, limits: { supervisionStarts: LIMIT, supervisionStartWindowMs: WINDOW_MS } });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  await w.service.callChanged(activeCall(), { type: 'call_answered' });
  const start = (who: 'sue' | 'root', inst: Instance = w) =>
    inst.app.inject({ method: 'POST', url: '/v1/calls/call-1/supervisions', headers: auth(who), payload: { target: 'internal', mode: 'monitor' } });
  const stop = (id: string, who: 'sue' | 'root' = 'sue') => w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${id}`, headers: auth(who) });

  // A refusal for another reason does not use the budget.
  const first = await start('sue');
  t.equal(first.statusCode, 201);
  const busy = await start('sue');
  t.same([busy.statusCode, busy.json().error.code], [409, 'supervisor_busy']);
  t.equal((await stop(first.json().id)).statusCode, 200);

  for (let i = 1; i < LIMIT; i++) {
    const r = await start('sue', i % 2 ? other : w);
    t.equal(r.statusCode, 201, `start ${i + 1}, on either instance`);
    await stop(r.json().id);
  }
  const dials = w.signaling.dials.length + other.signaling.dials.length;
  const started = (await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_started').length;
  const refused = await start('sue', other);
  t.equal(refused.statusCode, 429);
  t.equal(refused.json().error.code, 'too_many_sessions');
  const retry = Number(refused.headers['retry-after']);
  t.ok(retry >= 1 && retry <= Math.ceil(WINDOW_MS / 1000), `Retry-After ${retry}`);
  t.equal(w.signaling.dials.length + other.signaling.dials.length, dials, 'nobody was dialed');
  t.equal((await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_started').length, started, 'nothing on the timeline');
  t.equal((await w.store.presence.get('sue')).status, 'available', 'status untouched');

  const root = await start('root');
  t.equal(root.statusCode, 201, 'another supervisor is not affected');
  await stop(root.json().id, 'root');

  await sleep(WINDOW_MS + 200);
  const again = await start('sue');
  t.equal(again.statusCode, 201, 'after the window');
  await stop(again.json().id);
});
