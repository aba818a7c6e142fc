import t from 'tap';
import { createStore } from '../../src/store';
import { startRedis } from '../helpers/redis';
import { sleep, testConfig } from '../helpers/config';
import { Session } from '../../src/domain';

const session = (id: string, over: Partial<Session> = {}): Session => ({
  id,
  callId: 'call-1',
  supervisorId: 'sup-1',
  target: 'agent-leg',
  mode: 'coach',
  notify: false,
  confirm: false,
  state: 'dialing',
  ...over,
});

t.test('locks and presence', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();

  t.test('claim takes coach + supervisor locks and sets busy; release restores', async (t) => {
    const store = createStore(redis, testConfig());
    await redis.hset(store.keys.presence('sup-1'), 'status', 'available');
    await redis.hset(store.keys.presence('sup-2'), 'status', 'available');
    t.equal(await store.locks.claim(session('s1')), 'ok');
    t.same(await store.presence.get('sup-1'), { status: 'busy', restore: 'available', session: 's1' });
    t.equal(await redis.get(store.keys.coachLock('call-1', 'agent-leg')), 's1');
    t.equal(await store.locks.claim(session('s2', { supervisorId: 'sup-2' })), 'coach_taken', 'second coach on the same leg');
    t.equal(await store.locks.claim(session('s3', { mode: 'monitor', target: 'other-leg' })), 'supervisor_busy');
    t.equal(await store.locks.claim(session('s4', { supervisorId: 'sup-2', mode: 'monitor' })), 'ok', 'monitor alongside a coach');
    t.equal(await store.presence.get('sup-2').then((p) => p.status), 'busy');
    t.equal(await store.locks.release(session('s1')), 'available');
    t.same(await store.presence.get('sup-1'), { status: 'available' });
    t.equal(await redis.exists(store.keys.coachLock('call-1', 'agent-leg')), 0);
    t.equal(await store.locks.release(session('s1')), undefined, 'release is idempotent');
    t.equal(await store.locks.release(session('s2', { supervisorId: 'sup-2' })), undefined, 'a loser releases nothing');
    t.equal(await redis.get(store.keys.supervisorLock('sup-2')), 's4', 'and does not touch the holder');
  });

  t.test('status must be available; a change during a session is deferred to its end', async (t) => {
    const store = createStore(redis, testConfig());
    t.equal(await store.locks.claim(session('s1')), 'not_available', 'no presence record reads unavailable');
    t.equal(await store.presence.set('sup-1', 'unavailable'), 'set');
    t.equal(await store.locks.claim(session('s1')), 'not_available');
    await store.presence.set('sup-1', 'available');
    t.equal(await store.locks.claim(session('s1')), 'ok');
    t.equal(await store.presence.set('sup-1', 'unavailable'), 'deferred');
    t.same(await store.presence.get('sup-1'), { status: 'busy', restore: 'unavailable', session: 's1' });
    t.equal(await store.locks.release(session('s1')), 'unavailable');
    t.same(await store.presence.get('sup-1'), { status: 'unavailable' });
  });

  t.test('switching: acquire and release the coach lock', async (t) => {
    const store = createStore(redis, testConfig());
    await store.presence.set('sup-1', 'available');
    t.equal(await store.locks.claim(session('s1', { mode: 'monitor' })), 'ok');
    t.equal(await redis.exists(store.keys.coachLock('call-1', 'agent-leg')), 0, 'monitor takes no coach lock');
    t.equal(await store.locks.acquireCoach(session('s1')), 'ok');
    t.equal(await store.locks.acquireCoach(session('s1')), 'ok', 're-acquire by the holder');
    t.equal(await store.locks.acquireCoach(session('s9')), 'coach_taken');
    t.same([...(await store.locks.coachHolders('call-1', ['agent-leg', 'x']))], [['agent-leg', 's1']]);
    t.equal(await store.locks.releaseCoach(session('s9')), false);
    t.equal(await store.locks.releaseCoach(session('s1')), true);
    t.equal(await store.locks.acquireCoach(session('s9')), 'ok');
  });

  t.test('TTL expiry and crash recovery', async (t) => {
    const store = createStore(redis, testConfig({ lockTtlMs: 300 }));
    await store.presence.set('sup-1', 'available');
    await store.presence.set('sup-2', 'available');
    const rec = { session: session('s1'), owner: 'i1', createdAt: 'x', updatedAt: 'x' };
    await store.sessions.save(rec, Date.now());
    t.equal(await store.locks.claim(session('s1')), 'ok');
    // The owner renews twice across more than one TTL: the lock survives.
    for (let i = 0; i < 3; i++) {
      await sleep(150);
      t.equal(await store.locks.renew(rec, Date.now()), 'ok');
    }
    t.equal(await store.locks.claim(session('s2', { supervisorId: 'sup-2' })), 'coach_taken', 'renewed lock still held');
    t.equal((await store.sessions.listByCall('call-1', Date.now())).length, 1);
    // The owner "crashes": nobody renews.
    await sleep(450);
    t.equal(await redis.exists(store.keys.coachLock('call-1', 'agent-leg')), 0, 'coach lock expired');
    t.equal(await store.sessions.get('s1'), undefined, 'session lease expired');
    t.same(await store.sessions.listByCall('call-1', Date.now()), []);
    t.same(await store.presence.get('sup-1'), { status: 'available' }, 'stale busy reads as the restore status');
    t.equal(await store.locks.claim(session('s2', { supervisorId: 'sup-2' })), 'ok', 'a new coach succeeds');
    t.equal(await store.locks.claim(session('s3', { target: 'other-leg', mode: 'monitor' })), 'ok', 'the crashed supervisor can start again');
    t.equal(await store.locks.renew(rec, Date.now()), 'lost', 'the old owner coming back has lost its lock');
  });

  t.test('renew re-asserts locks after Redis lost its data, and stops on a finished session', async (t) => {
    const store = createStore(redis, testConfig());
    await store.presence.set('sup-1', 'available');
    const rec = { session: session('s1'), owner: 'i1', createdAt: 'x', updatedAt: 'x' };
    t.equal(await store.locks.claim(session('s1')), 'ok');
    await redis.del(store.keys.coachLock('call-1', 'agent-leg'), store.keys.supervisorLock('sup-1'));
    t.equal(await store.locks.renew(rec, Date.now()), 'ok');
    t.equal(await redis.get(store.keys.coachLock('call-1', 'agent-leg')), 's1');
    t.equal(await redis.get(store.keys.supervisorLock('sup-1')), 's1');
    t.equal((await store.sessions.get('s1'))?.session.state, 'dialing', 'record put back');
    await store.sessions.save({ ...rec, session: { ...rec.session, state: 'ended', reason: 'stopped' } }, Date.now());
    t.equal(await store.locks.renew(rec, Date.now()), 'ended');
    t.ok((await redis.ttl(store.keys.session('s1'))) > 80_000, 'finished record keeps the timeline TTL');
  });
});
