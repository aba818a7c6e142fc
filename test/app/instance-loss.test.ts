import t, { Test } from 'tap';
import { User, addRinging, participantAnswered, participantLeft, setHeld } from '../../src/domain';
import { toDomainUser } from '../../src/app';
import { startRedis, RedisServer } from '../helpers/redis';
import { SALES, activeCall, auth, makeWorld, Instance, World } from '../helpers/world';

/**
 * Issue 13, item 3: the instance that owns live calls is killed (kill -9: no teardown,
 * no more beats). Within LOCK_TTL a survivor ends its sessions with a reason on the
 * timeline, frees their locks, restores the supervisors' status and ends its calls,
 * which leave GET /v1/calls — instead of all of it lingering until the leases ran out.
 *
 * No timers run here (refresh: false): each instance beats when the test says, and the
 * survivor is asked to look at a moment half a lease later — past the lost instance's
 * heartbeat (0.3 × LOCK_TTL), before its records' lease ends.
 */

/** A supervisor in a call they took over (rem, who supervises nothing in these scenes). */
const TAKER = 'rem';

async function userOf(w: Instance, id: string): Promise<User> {
  return toDomainUser((await w.store.directory.getUser(id))!);
}

interface Scene {
  w: World;
  owner: Instance;
  sessionId: string;
  /** Half a lease after the owner's last beat. */
  later: number;
}

/** Instance 2 owns call-1, on which sue coaches the agent; both instances have beaten once. */
async function scene(t: Test, server: RedisServer): Promise<Scene> {
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const owner = await w.instance({ refresh: false });
  await w.service.checkInstances();
  await owner.service.checkInstances();
  await owner.service.callChanged(activeCall(), { type: 'call_answered' });
  const s = await owner.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'internal', mode: 'coach' });
  owner.signaling.emit(s.id, { type: 'answered' });
  await owner.service.idle();
  t.equal((await w.store.presence.get('sue')).status, 'busy', 'sue is busy while she coaches');
  t.equal((await w.store.locks.coachHolders('call-1', ['A'])).get('A'), s.id, 'the agent is coached');
  return { w, owner, sessionId: s.id, later: Date.now() + w.store.leaseMs / 2 };
}

/** kill -9: the process's sockets close, its command subscription with them; it never beats again. */
const kill = (owner: Instance): Promise<void> => owner.store.commands.close();

t.test('losing the instance that owns live calls', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);

  t.test('a survivor finishes its sessions and calls', async (t) => {
    const { w, owner, sessionId, later } = await scene(t, server);
    const listed = async (): Promise<string[]> =>
      ((await w.app.inject({ method: 'GET', url: '/v1/calls', headers: auth('sue') })).json().calls as { id: string }[]).map((c) => c.id);
    t.same(await listed(), ['call-1'], 'listed while its owner beats');

    // The owner beat a moment ago: nothing is lost yet.
    await w.service.checkInstances();
    await w.service.idle();
    t.equal((await w.store.sessions.get(sessionId))?.session.state, 'active', 'an instance that beats is left alone');

    await kill(owner);
    await w.service.checkInstances(later);
    await w.service.idle();
    const session = (await w.store.sessions.get(sessionId))?.session;
    t.same([session?.state, session?.reason], ['ended', 'call_ended'], 'the session ended');
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined, 'the supervisor lock is free');
    t.same([...(await w.store.locks.coachHolders('call-1', ['A'])).keys()], [], 'the coach lock is free');
    t.equal((await w.store.presence.get('sue')).status, 'available', 'sue is available again');
    t.same(await listed(), [], 'the call is no longer listed');
    const detail = await w.app.inject({ method: 'GET', url: '/v1/calls/call-1', headers: auth('sue') });
    t.equal(detail.json().state, 'ended', 'its detail page says it ended (the record still existed: within the lease)');

    const timeline = await w.store.timeline.list('call-1');
    const ended = timeline.find((e) => e.type === 'supervision_ended');
    t.match(ended?.detail, { reason: 'call_ended', cause: 'owner_lost', instance: 'instance-2', restoredStatus: 'available' }, 'the timeline says why');
    t.match(timeline.at(-1), { kind: 'call', type: 'call_ended', detail: { cause: 'owner_lost', instance: 'instance-2' } });
    t.same(w.signaling.hangups, [], 'the survivor hangs up nothing: the legs were on the lost instance');
    t.same(w.media.applied, [], 'nor plans its conference');
    t.same(w.media.dropped, ['call-1'], 'but hangs its conference up on the shared FreeSWITCH: no channel left, no supervisor still listening');
    t.same(w.signaling.lostHungUp, ['instance-2'], 'and BYEs the SIP dialogs the lost instance held on a shared drachtio-server');
    t.equal(await w.redis.zscore(w.store.keys.instances(), 'instance-2'), null, 'the lost instance left the registry');
    t.ok(await w.redis.zscore(w.store.keys.instances(), 'instance-1'), 'the survivor is in it');
  });

  t.test('a supervisor who had taken over one of its calls is available again', async (t) => {
    const { w, owner, later } = await scene(t, server);
    // call-2: the agent left, the supervisor's leg took the call over (call-control.ts).
    let call = activeCall('call-2', SALES, 'bob');
    call = participantAnswered(addRinging(call, { id: 's-took', kind: 'internal', userId: TAKER, address: `sip:${TAKER}@desk`, origin: 'takeover' }), 's-took');
    call = participantLeft(call, 'A');
    await owner.service.callChanged(call, { type: 'takeover' });
    await owner.service.idle();
    await w.store.presence.set(TAKER, 'busy');
    await kill(owner);
    await w.service.checkInstances(later);
    await w.service.idle();
    t.equal((await w.store.calls.get('call-2'))?.call.ended, true, 'the call ended');
    t.equal((await w.store.presence.get(TAKER)).status, 'available', 'the supervisor in it is available, not left busy');
  });

  t.test('an instance whose beats lapsed but that still answers is slow, not lost', async (t) => {
    const { w, sessionId, later } = await scene(t, server);
    await w.service.checkInstances(later);
    await w.service.idle();
    t.equal((await w.store.sessions.get(sessionId))?.session.state, 'active', 'its session goes on');
    t.equal((await w.store.calls.get('call-1'))?.call.ended, false, 'its call too');
    t.equal((await w.store.presence.get('sue')).status, 'busy');
  });

  t.test('only one survivor finishes a lost instance', async (t) => {
    const { w, owner, later } = await scene(t, server);
    const third = await w.instance({ refresh: false });
    await kill(owner);
    await Promise.all([w.service.checkInstances(later), third.service.checkInstances(later)]);
    await Promise.all([w.service.idle(), third.service.idle()]);
    const types = (await w.store.timeline.list('call-1')).map((e) => e.type);
    t.equal(types.filter((x) => x === 'supervision_ended').length, 1, 'one session end');
    t.equal(types.filter((x) => x === 'call_ended').length, 1, 'one call end');
  });

  t.test('an instance that was only cut off comes back: it lets the finished calls go', async (t) => {
    const { w, owner, sessionId, later } = await scene(t, server);
    await kill(owner); // as far as the others can tell
    await w.service.checkInstances(later);
    await w.service.idle();
    await owner.service.serveCommands();
    await owner.service.checkInstances(later);
    await owner.service.renewLeases();
    await owner.service.idle();
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true, 'its renewal does not bring the call back');
    t.same((await w.store.calls.page({}, Date.now(), { limit: 10 })).records, [], 'not listed');
    t.same(owner.signaling.hangups, [sessionId], 'its supervisor leg is hung up');
    t.equal((await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_ended').length, 1, 'the session is not ended twice');
    t.ok(await w.redis.zscore(w.store.keys.instances(), 'instance-2'), 'it beats again');
    await t.rejects(owner.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'internal', mode: 'monitor' }), { code: 'call_not_live' });
    // Its SIP side still has the call: the agent holds. That must not list it again.
    await owner.service.callChanged(setHeld(activeCall(), 'A', true), { type: 'hold' });
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true, 'a later change does not bring it back');
    t.same((await w.store.calls.page({}, Date.now(), { limit: 10 })).records, [], 'still not listed');
  });
});
