import t, { Test } from 'tap';
import { User, endCall } from '../../src/domain';
import { AppError, toDomainUser } from '../../src/app';
import { StoreUnavailableError } from '../../src/store';
import { CallQueries } from '../../src/app/call-queries';
import { startRedis } from '../helpers/redis';
import { activeCall, auth, makeWorld, Instance, World } from '../helpers/world';

/**
 * Issue 15, defect 1: under load, sessions outlived their calls. The race: the lease
 * refresher took its snapshot of live calls while the call's end was being saved and
 * wrote the stale live record back after it, so the ended call was listed as live
 * again until its lease ran out; supervisors started on it, and nothing ever ended
 * those sessions. These tests replay that interleaving and the ones around it.
 */

async function userOf(w: Instance, id: string): Promise<User> {
  return toDomainUser((await w.store.directory.getUser(id))!);
}

async function joined(w: Instance, sessionId: string): Promise<void> {
  w.signaling.emit(sessionId, { type: 'answered' });
  await w.service.idle();
}

t.test('sessions never outlive their call', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);

  const fresh = async (t: Test): Promise<World> => {
    const w = await makeWorld(server, { refresh: false });
    t.teardown(w.close);
    await w.service.callChanged(activeCall(), { type: 'call_answered' });
    return w;
  };

  /** Runs a lease renewal while the next call save is on the wire (what a timer tick under load does). */
  const renewDuringNextSave = (w: Instance): Promise<void> => {
    const calls = w.store.calls;
    const save = calls.save.bind(calls);
    let renewal: Promise<void> = Promise.resolve();
    calls.save = (record, previous, now) => {
      const saved = save(record, previous, now);
      calls.save = save;
      renewal = w.service.renewLeases();
      return saved;
    };
    return new Promise((resolve) => setImmediate(() => resolve(renewal)));
  };

  t.test('a renewal that crosses the end does not bring the call back to life', async (t) => {
    const w = await fresh(t);
    const during = renewDuringNextSave(w);
    await w.service.callChanged(endCall(activeCall()), { type: 'call_ended' });
    await during;
    await w.service.idle();
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true, 'the stored record stays ended');
    const sue = await userOf(w, 'sue');
    const listed = await new CallQueries({ store: w.store }).list(sue, {});
    t.same(listed.calls.map((c) => c.id), [], 'not listed as live');
    await t.rejects(w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'monitor' }), { code: 'call_not_live' });
    t.same(w.signaling.dials, [], 'nobody dialed');
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined, 'no lock left');
    t.equal((await w.store.presence.get('sue')).status, 'available');
  });

  t.test('the store never writes a live lease over an ended call', async (t) => {
    const w = await fresh(t);
    const live = (await w.store.calls.get('call-1'))!;
    await w.store.calls.save({ ...live, call: endCall(live.call), endedAt: live.updatedAt }, live, Date.now());
    await w.store.calls.refresh([live], Date.now());
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true);
    t.same((await w.store.calls.page({}, Date.now(), { limit: 10 })).records, [], 'not in the live index');
  });

  t.test('the end of a call could not be saved (Redis away): its session ends on the next renewal', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'monitor' });
    await joined(w, s.id);
    const calls = w.store.calls;
    const save = calls.save.bind(calls);
    calls.save = async () => {
      calls.save = save;
      throw new StoreUnavailableError(new Error('connection lost'));
    };
    await t.rejects(w.service.callChanged(endCall(activeCall()), { type: 'call_ended' }), StoreUnavailableError);
    t.equal((await w.store.sessions.get(s.id))?.session.state, 'active', 'the end did not reach the session');
    await w.service.renewLeases();
    await w.service.idle();
    const rec = await w.store.sessions.get(s.id);
    t.same([rec?.session.state, rec?.session.reason], ['ended', 'call_ended']);
    t.same(w.signaling.hangups, [s.id], 'the supervisor leg is hung up');
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined);
    t.equal((await w.store.presence.get('sue')).status, 'available', 'status restored');
    const ended = (await w.store.timeline.list('call-1')).find((e) => e.type === 'supervision_ended');
    t.match(ended?.detail, { reason: 'call_ended', cause: 'call_gone' }, 'the timeline says why');
  });

  t.test('a live record in Redis that no live call of this instance backs: no session starts on it', async (t) => {
    const w = await fresh(t);
    // What the old race left behind: the ended call written back as live.
    const stale = (await w.store.calls.get('call-1'))!;
    await w.service.callChanged(endCall(activeCall()), { type: 'call_ended' });
    await w.redis.set(w.store.keys.call('call-1'), JSON.stringify(stale));
    const sue = await userOf(w, 'sue');
    await t.rejects(w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'monitor' }), { code: 'call_not_live' },
      'this instance owns the call and no longer has it live');
    t.same(w.signaling.dials, []);
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined);
  });

  t.test('a supervisor who is busy is told which session, and can list it', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'monitor' });
    const err = await w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'coach' }).catch((e: unknown) => e);
    t.ok(err instanceof AppError);
    t.match((err as AppError).code, 'supervisor_busy');
    t.same((err as AppError).details, { sessionId: s.id });
    t.same((await w.service.listSupervisions(sue, {})).map((v) => v.id), [s.id], 'their own live session');
    const root = await userOf(w, 'root');
    t.same((await w.service.listSupervisions(root, { supervisor: 'sue' })).map((v) => v.id), [s.id], 'an admin finds it by supervisor');
    await t.rejects(w.service.listSupervisions(sue, { supervisor: 'rem' }), { code: 'not_session_owner' }, 'a supervisor sees only their own');
  });

  t.test('over HTTP: the 409 names the session, GET /v1/supervisions lists it, DELETE frees the supervisor', async (t) => {
    const w = await fresh(t);
    const start = () => w.app.inject({ method: 'POST', url: '/v1/calls/call-1/supervisions', headers: auth('sue'), payload: { target: 'internal', mode: 'monitor' } });
    const first = await start();
    t.equal(first.statusCode, 201);
    const id = first.json().id as string;
    const again = await start();
    t.equal(again.statusCode, 409);
    t.same(again.json(), { error: { code: 'supervisor_busy', message: again.json().error.message, sessionId: id } });
    const mine = await w.app.inject({ method: 'GET', url: '/v1/supervisions', headers: auth('sue') });
    t.same([mine.statusCode, mine.json().sessions.map((x: { id: string }) => x.id)], [200, [id]]);
    const byAdmin = await w.app.inject({ method: 'GET', url: '/v1/supervisions?supervisor=sue', headers: auth('root') });
    t.same(byAdmin.json().sessions.map((x: { id: string }) => x.id), [id]);
    const nosy = await w.app.inject({ method: 'GET', url: '/v1/supervisions?supervisor=sue', headers: auth('rem') });
    t.same([nosy.statusCode, nosy.json().error.code], [403, 'not_session_owner']);
    const bad = await w.app.inject({ method: 'GET', url: '/v1/supervisions?supervisor=%20x', headers: auth('root') });
    t.same([bad.statusCode, bad.json().error.code], [400, 'bad_request']);
    const agent = await w.app.inject({ method: 'GET', url: '/v1/supervisions', headers: auth('ana') });
    t.equal(agent.statusCode, 403, 'agents have no sessions to list');
    t.equal((await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${id}`, headers: auth('sue') })).statusCode, 200);
    t.same((await w.app.inject({ method: 'GET', url: '/v1/supervisions', headers: auth('sue') })).json(), { sessions: [] });
    t.equal((await start()).statusCode, 201, 'free to start again');
  });
});
