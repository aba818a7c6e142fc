import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, supervisorToken, Instance } from '../helpers/world';

/**
 * SPEC §5.4 under load: 100 supervisors ask to coach the same agent at once, through
 * the HTTP API of two app instances sharing Redis. Exactly one wins; the other 99 get
 * 409 coach_taken; nobody else's status or locks change. Repeated 20 times.
 */
const SUPERVISORS = 100;
const ROUNDS = 20;

t.test('100 concurrent coach requests on one agent, 20 rounds', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, extraSupervisors: SUPERVISORS });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  await w.service.callChanged(activeCall(), { type: 'call_answered' });
  // Count what the atomic claim (Lua) decided, as opposed to the rules' pre-check.
  const claims = { ok: 0, refused: 0 };
  for (const inst of [w, other]) {
    const claim = inst.store.locks.claim.bind(inst.store.locks);
    inst.store.locks.claim = async (s) => {
      const r = await claim(s);
      claims[r === 'ok' ? 'ok' : 'refused']++;
      return r;
    };
  }

  const codes = new Map<string, number>();
  let requests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const via = (i: number): Instance => (i % 2 === 0 ? w : other);
    const replies = await Promise.all(
      Array.from({ length: SUPERVISORS }, (_, i) =>
        via(i).app.inject({
          method: 'POST',
          url: '/v1/calls/call-1/supervisions',
          headers: { authorization: `Bearer ${supervisorToken(i)}` },
          payload: { target: 'internal', mode: 'coach' },
        }),
      ),
    );
    requests += replies.length;
    for (const r of replies) {
      const key = `${r.statusCode} ${r.statusCode === 201 ? 'created' : r.json().error.code}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    const winners = replies.map((r, i) => ({ r, i })).filter(({ r }) => r.statusCode === 201);
    const losers = replies.filter((r) => r.statusCode === 409 && r.json().error.code === 'coach_taken');
    t.equal(winners.length, 1, `round ${round}: one 201`);
    t.equal(losers.length, SUPERVISORS - 1, `round ${round}: 99 × 409 coach_taken`);
    const { r, i } = winners[0]!;
    const session = r.json();
    t.equal(await w.redis.get(w.store.keys.coachLock('call-1', 'A')), session.id, 'the lock names the winner');
    const statuses = await Promise.all(Array.from({ length: SUPERVISORS }, (_, k) => w.store.presence.get(`sup${k.toString().padStart(3, '0')}`)));
    t.same(
      statuses.map((p, k) => (k === i ? 'winner:' + p.status : p.status)).filter((s) => s !== 'available'),
      ['winner:busy'],
      'only the winner is busy',
    );
    // The winner stops (on the instance that dialed), which frees the agent for the next round.
    const stop = await via(i).app.inject({ method: 'DELETE', url: `/v1/supervisions/${session.id}`, headers: { authorization: `Bearer ${supervisorToken(i)}` } });
    t.equal(stop.statusCode, 200);
    t.equal(await w.redis.exists(w.store.keys.coachLock('call-1', 'A')), 0, 'agent free again');
  }
  t.same(Object.fromEntries(codes), { '201 created': ROUNDS, '409 coach_taken': ROUNDS * (SUPERVISORS - 1) });
  t.equal(requests, 2000);
  t.equal(claims.ok, ROUNDS, 'one claim won per round');
  t.ok(claims.refused > 0, 'some requests passed the pre-check and were stopped by the atomic claim');
  t.comment(`race: ${requests} requests over ${ROUNDS} rounds, codes ${JSON.stringify(Object.fromEntries(codes))}; atomic claims ${JSON.stringify(claims)}`);
  const started = (await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_started');
  t.equal(started.length, ROUNDS, 'only winners reached the timeline');
});
