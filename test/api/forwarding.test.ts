import t from 'tap';
import { startRedis } from '../helpers/redis';
import { addRinging } from '../../src/domain';
import { activeCall, auth, makeWorld } from '../helpers/world';

/**
 * Issue 13, item 1: two app instances on one Redis; every command for a call goes in
 * through the instance that does not own it, and is run by the owner — its SIP side
 * dials, its conference is re-planned — with the same answers as if it were local.
 */
t.test('commands reach the instance that owns the call', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, forwardTimeoutMs: 300 });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  await w.service.callChanged(activeCall(), { type: 'call_answered' });
  const via = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: 'sue' | 'rem' | 'root', payload?: object) =>
    other.app.inject({ method, url, headers: auth(who), ...(payload ? { payload } : {}) });

  const started = await via('POST', '/v1/calls/call-1/supervisions', 'sue', { target: 'internal', mode: 'monitor' });
  t.equal(started.statusCode, 201);
  const id = started.json().id as string;
  t.same(w.signaling.dials.map((d) => d.sessionId), [id], 'the owner dialed the supervisor');
  t.same(other.signaling.dials, [], 'the instance that took the request dialed nobody');
  t.equal((await w.store.sessions.get(id))?.owner, 'instance-1', 'the session belongs to the owner');
  w.signaling.emit(id, { type: 'answered' });
  await w.service.idle();
  t.ok(w.media.lastPlan('call-1')?.members[id], 'joined on the owner’s conference');

  const busy = await via('POST', '/v1/calls/call-1/supervisions', 'sue', { target: 'internal', mode: 'coach' });
  t.same([busy.statusCode, busy.json().error.code, busy.json().error.sessionId], [409, 'supervisor_busy', id], 'a refusal comes back with its code and details');
  const notMine = await via('PATCH', `/v1/supervisions/${id}`, 'rem', { mode: 'barge' });
  t.same([notMine.statusCode, notMine.json().error.code], [403, 'not_session_owner']);

  const coach = await via('PATCH', `/v1/supervisions/${id}`, 'sue', { mode: 'coach' });
  t.same([coach.statusCode, coach.json().mode], [200, 'coach']);
  t.ok(w.media.lastPlan('call-1')?.relations, 'the owner re-planned');
  const local = await w.app.inject({ method: 'GET', url: `/v1/supervisions/${id}`, headers: auth('sue') });
  t.same(coach.json(), local.json(), 'the same body as the owner’s own');

  const stopped = await via('DELETE', `/v1/supervisions/${id}`, 'sue');
  t.same([stopped.statusCode, stopped.json().state, stopped.json().reason], [200, 'ended', 'stopped']);
  t.same(w.signaling.hangups, [id], 'the owner hung the leg up');
  t.notOk(w.media.lastPlan('call-1')?.members[id]);
  const again = await via('DELETE', `/v1/supervisions/${id}`, 'sue');
  t.same([again.statusCode, again.json().state], [200, 'ended'], 'stop stays idempotent');

  await t.test('add participant, remove it and take over, through the non-owner', async (t) => {
    await other.app.inject({ method: 'PUT', url: '/v1/users/root', headers: auth('root'), payload: { name: 'Admin', role: 'admin', permissions: ['monitor', 'coach', 'barge', 'conference', 'takeover'], device: { kind: 'sip_uri', uri: 'sip:root@desk.example' } } });
    let call = activeCall();
    w.signaling.onAdd = async (_c, target, pid) => {
      call = addRinging(call, { id: pid, kind: 'external', address: 'number' in target ? target.number : '', origin: 'added' });
      await w.service.callChanged(call, { type: 'participant_added' });
    };
    const added = await via('POST', '/v1/calls/call-1/participants', 'root', { number: '+34600000777' });
    t.same([added.statusCode, added.json().status], [201, 'ringing'], added.body);
    t.equal(w.signaling.added.length, 1, 'the owner dialed it');
    t.same(other.signaling.added, [], 'not the instance that took the request');
    const removed = await via('DELETE', `/v1/calls/call-1/participants/${added.json().id}`, 'root');
    t.equal(removed.statusCode, 200);
    t.same(w.signaling.removed.map((r) => r.participantId), [added.json().id], 'the owner hung it up');
    const started = await via('POST', '/v1/calls/call-1/supervisions', 'root', { target: 'internal', mode: 'coach' });
    t.equal(started.statusCode, 201, started.body);
    w.signaling.emit(started.json().id, { type: 'answered' });
    await w.service.idle();
    const taken = await via('POST', `/v1/supervisions/${started.json().id}/takeover`, 'root');
    t.same([taken.statusCode, taken.json().reason], [200, 'takeover'], taken.body);
    t.same(w.signaling.takeovers.map((r) => r.sessionId), [started.json().id], 'the owner moved its leg');
    t.same(other.signaling.takeovers, []);
  });

  await t.test('an owner that does not listen: 503 owner_unavailable, nothing changed', async (t) => {
    await w.service.stop();
    const r = await via('POST', '/v1/calls/call-1/supervisions', 'sue', { target: 'internal', mode: 'monitor' });
    t.same([r.statusCode, r.json().error.code], [503, 'owner_unavailable']);
    t.equal(await other.store.locks.supervisorHolder('sue'), undefined, 'no lock taken');
    t.equal((await other.store.presence.get('sue')).status, 'available');
    t.same(other.signaling.dials, []);
    await w.service.serveCommands();
  });

  await t.test('an owner that listens but does not answer in time: 503 after FORWARD_TIMEOUT_MS', async (t) => {
    const mute = server.client();
    t.teardown(() => mute.disconnect());
    // A call whose owner is a process that is subscribed but stuck.
    await mute.subscribe(w.store.keys.instanceCommands('stuck'));
    const rec = (await w.store.calls.get('call-1'))!;
    await w.store.calls.save({ ...rec, call: { ...rec.call, id: 'call-stuck' }, owner: 'stuck' }, undefined, Date.now());
    const t0 = Date.now();
    const r = await via('POST', '/v1/calls/call-stuck/supervisions', 'sue', { target: 'internal', mode: 'monitor' });
    t.same([r.statusCode, r.json().error.code], [503, 'owner_unavailable']);
    t.ok(Date.now() - t0 >= 300, 'after the timeout');
    t.equal(await other.store.locks.supervisorHolder('sue'), undefined, 'no lock taken');
  });
});
