import t, { Test } from 'tap';
import { planHears, setHeld, participantLeft, endCall, addRinging, startTransfer, transferTargetAnswered, User, CompiledPlan } from '../../src/domain';
import { toDomainUser, AppError } from '../../src/app';
import { CallQueries } from '../../src/app/call-queries';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, World, Instance } from '../helpers/world';
import { sleep } from '../helpers/config';

async function userOf(w: Instance, id: string): Promise<User> {
  return toDomainUser((await w.store.directory.getUser(id))!);
}

/** Who hears whom in the plan last sent for the call, as "listener<speaker" pairs. */
function hearing(plan: CompiledPlan | undefined): string[] {
  if (!plan) return [];
  const m = Object.keys(plan.members).sort();
  return m.flatMap((l) => m.filter((s) => planHears(plan, l, s)).map((s) => `${l}<${s}`));
}

async function joined(w: Instance, sessionId: string): Promise<void> {
  w.signaling.emit(sessionId, { type: 'ringing' });
  w.signaling.emit(sessionId, { type: 'answered' });
  await w.service.idle();
}

t.test('supervision service', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);

  const fresh = async (t: Test, opts: Parameters<typeof makeWorld>[1] = { refresh: false }): Promise<World> => {
    const w = await makeWorld(server, opts);
    t.teardown(w.close);
    await w.service.callChanged(activeCall(), { type: 'call_answered' });
    return w;
  };

  t.test('each mode joins with its hearing; the customer never hears a coach', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'internal', mode: 'monitor' });
    t.equal(s.state, 'dialing');
    t.same(w.signaling.dials.map((d) => [d.sessionId, d.device, d.confirm]), [[s.id, { kind: 'sip_uri', uri: 'sip:sue@desk.example', dialect: 'polycom' }, false]]);
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', 'C<A'], 'not joined before the answer');
    await joined(w, s.id);
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', 'C<A', `${s.id}<A`, `${s.id}<C`], 'monitor: hears both, heard by none');
    await w.service.switchMode(sue, s.id, 'coach');
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', `A<${s.id}`, 'C<A', `${s.id}<A`, `${s.id}<C`], 'coach: heard by the agent only');
    await w.service.switchMode(sue, s.id, 'barge');
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', `A<${s.id}`, 'C<A', `C<${s.id}`, `${s.id}<A`, `${s.id}<C`], 'barge: heard by all');
    const done = await w.service.stopSupervision(sue, s.id);
    t.same([done.state, done.reason], ['ended', 'stopped']);
    t.same(w.signaling.hangups, [s.id]);
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', 'C<A'], 'plan without the supervisor');
    t.equal((await w.store.presence.get('sue')).status, 'available', 'status restored');
    const types = (await w.store.timeline.list('call-1')).map((e) => e.type);
    t.same(types, ['call_answered', 'supervision_started', 'supervision_ringing', 'supervision_joined', 'supervision_mode_changed', 'supervision_mode_changed', 'supervision_ended']);
  });

  t.test('coach with notify plays the tone to the agent only', async (t) => {
    const w = await fresh(t);
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'coach', notify: true });
    await joined(w, s.id);
    t.same(Object.values(w.media.lastPlan('call-1')!.plays), [{ member: 'A', sound: 'notify_tone', loop: false }]);
  });

  t.test('voicemail guard: nothing is heard until 1 is pressed; no press fails the session', async (t) => {
    const w = await fresh(t);
    await w.store.presence.set('rem', 'available');
    const rem = await userOf(w, 'rem');
    const s = await w.service.startSupervision(rem, 'call-1', { target: 'external', mode: 'monitor' });
    t.equal(w.signaling.dials[0]?.confirm, true, 'the device asks for the guard');
    await joined(w, s.id);
    t.equal((await w.store.sessions.get(s.id))?.session.state, 'confirming');
    t.notOk(w.media.lastPlan('call-1')!.members[s.id], 'not in the conference while confirming');
    w.signaling.emit(s.id, { type: 'confirm_timeout' });
    await w.service.idle();
    const rec = await w.store.sessions.get(s.id);
    t.same([rec?.session.state, rec?.session.reason], ['failed', 'not_confirmed']);
    t.same(w.signaling.hangups, [s.id], 'the answered leg is hung up');
    t.equal((await w.store.presence.get('rem')).status, 'available');

    const s2 = await w.service.startSupervision(rem, 'call-1', { target: 'external', mode: 'monitor' });
    await joined(w, s2.id);
    w.signaling.emit(s2.id, { type: 'confirmed' });
    await w.service.idle();
    t.equal((await w.store.sessions.get(s2.id))?.session.state, 'active');
    t.ok(planHears(w.media.lastPlan('call-1')!, s2.id, 'C'), 'hears the customer once confirmed');
  });

  t.test('dial failures and hang-ups release everything', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'coach' });
    w.signaling.emit(s.id, { type: 'ringing' });
    w.signaling.emit(s.id, { type: 'failed', reason: 'busy', sipStatus: 486 });
    await w.service.idle();
    const rec = await w.store.sessions.get(s.id);
    t.same([rec?.session.state, rec?.session.reason], ['failed', 'busy']);
    t.same(w.signaling.hangups, [], 'no BYE for a leg that never came up');
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined);
    t.same([...(await w.store.locks.coachHolders('call-1', ['A']))], []);
    t.equal((await w.store.presence.get('sue')).status, 'available');
    const failed = (await w.store.timeline.list('call-1')).find((e) => e.type === 'supervision_failed');
    t.match(failed?.detail, { reason: 'busy', failure: 'busy', sipStatus: 486, restoredStatus: 'available' });

    // A failure reported after the answer (leg lost while confirming) still ends it.
    await w.store.presence.set('rem', 'available');
    const g = await w.service.startSupervision(await userOf(w, 'rem'), 'call-1', { target: 'A', mode: 'monitor' });
    await joined(w, g.id);
    w.signaling.emit(g.id, { type: 'failed', reason: 'unreachable' });
    await w.service.idle();
    t.same((await w.store.sessions.get(g.id))?.session.reason, 'supervisor_hangup');
    t.equal((await w.store.presence.get('rem')).status, 'available');

    const s2 = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'coach' });
    await joined(w, s2.id);
    w.signaling.emit(s2.id, { type: 'hangup' });
    await w.service.idle();
    t.same((await w.store.sessions.get(s2.id))?.session.reason, 'supervisor_hangup');
    t.equal((await w.store.presence.get('sue')).status, 'available');
    // Rule 9: leave and rejoin any number of times.
    for (let i = 0; i < 3; i++) {
      const again = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
      await joined(w, again.id);
      await w.service.stopSupervision(sue, again.id);
    }
    t.equal((await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_joined').length, 4);
  });

  t.test('DTMF on the supervisor phone: 1/2/3 switch where allowed, # leaves', async (t) => {
    const w = await fresh(t);
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'monitor' });
    await joined(w, s.id);
    const mode = async (): Promise<string | undefined> => (await w.store.sessions.get(s.id))?.session.mode;
    w.signaling.emit(s.id, { type: 'dtmf', digit: '2' });
    await w.service.idle();
    t.equal(await mode(), 'coach');
    t.ok(planHears(w.media.lastPlan('call-1')!, 'A', s.id));
    w.signaling.emit(s.id, { type: 'dtmf', digit: '3' });
    w.signaling.emit(s.id, { type: 'dtmf', digit: '7' });
    await w.service.idle();
    t.equal(await mode(), 'barge', 'unknown digits are ignored');
    t.same(w.media.played, [], 'an allowed switch plays nothing');
    t.same([...(await w.store.locks.coachHolders('call-1', ['A']))], [], 'leaving coach frees the agent');

    // Root coaches A now; Sue's '2' is refused and she stays in barge.
    const root = await w.service.startSupervision(await userOf(w, 'root'), 'call-1', { target: 'A', mode: 'coach' });
    w.signaling.emit(s.id, { type: 'dtmf', digit: '2' });
    await w.service.idle();
    t.equal(await mode(), 'barge');
    const refused = (await w.store.timeline.list('call-1')).find((e) => e.type === 'supervision_mode_refused');
    t.match(refused?.detail, { requested: 'coach', code: 'coach_taken', via: 'dtmf' });
    t.same(w.media.played, [{ callId: 'call-1', key: s.id, sound: w.config.media.refusedTone }], 'the refused tone to her leg only');
    w.signaling.emit(s.id, { type: 'dtmf', digit: '#' });
    await w.service.idle();
    t.same((await w.store.sessions.get(s.id))?.session.reason, 'stopped');
    t.ok(w.signaling.hangups.includes(s.id));
    t.equal((await w.store.sessions.get(root.id))?.session.state, 'dialing', 'the other session goes on');
  });

  t.test('a coach while the agent’s own phone holds: heard by nobody, and the timeline and call detail say so', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'coach' });
    await joined(w, s.id);
    const mark = async (): Promise<unknown> => {
      const view = await new CallQueries({ store: w.store }).detail(sue, 'call-1');
      return view.participants.find((p) => p.id === s.id)?.supervision?.heardByTarget;
    };
    t.equal(await mark(), true, 'coaching an agent who talks: heard');
    const call = setHeld(activeCall(), 'A', true);
    await w.service.callChanged(call, { type: 'hold', actor: 'A' });
    t.same(hearing(w.media.lastPlan('call-1')), [`${s.id}<A`], 'the holding agent hears nobody, the coach still hears the agent');
    t.equal(await mark(), false, 'the call detail says the agent does not hear the coach');
    await w.service.callChanged(setHeld(call, 'A', false), { type: 'resume', actor: 'A' });
    t.equal(await mark(), true, 'heard again after resume');
    const entries = (await w.store.timeline.list('call-1')).filter((e) => e.type.startsWith('supervision_target_'));
    t.match(entries, [
      { type: 'supervision_target_holding', sessionId: s.id, detail: { heardByTarget: false } },
      { type: 'supervision_target_resumed', sessionId: s.id, detail: { heardByTarget: true } },
    ]);
  });

  t.test('the session follows hold, ends when its target leaves or the call ends', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
    await joined(w, s.id);
    let call = setHeld(activeCall(), 'A', true);
    await w.service.callChanged(call, { type: 'hold', actor: 'A' });
    const held = w.media.lastPlan('call-1')!;
    t.same(hearing(held), [`${s.id}<A`], 'on hold, monitoring the agent: hears the agent only');
    t.same(Object.keys(held.plays), ['C:hold_music'], 'hold music to the customer');
    call = setHeld(call, 'A', false);
    await w.service.callChanged(call, { type: 'resume', actor: 'A' });
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', 'C<A', `${s.id}<A`, `${s.id}<C`]);

    // Blind transfer to bob; when A leaves, the session on A ends (target_left).
    call = addRinging(call, { id: 'B', kind: 'internal', userId: 'bob', address: 'sip:bob', origin: 'transfer' });
    call = startTransfer(call, { kind: 'blind', by: 'A', target: 'B' });
    await w.service.callChanged(call, { type: 'transfer_started', actor: 'A' });
    t.equal((await w.store.sessions.get(s.id))?.session.state, 'active', 'still on A while A is apart');
    call = participantLeft(transferTargetAnswered(call), 'A');
    await w.service.callChanged(call, { type: 'transferred', actor: 'A' });
    t.same((await w.store.sessions.get(s.id))?.session.reason, 'target_left');
    t.ok(w.signaling.hangups.includes(s.id));
    t.same((await w.store.calls.list({ agent: 'bob' }, Date.now())).map((r) => r.call.id), ['call-1']);
    t.same((await w.store.calls.list({ agent: 'ana' }, Date.now())).map((r) => r.call.id), []);

    const s2 = await w.service.startSupervision(sue, 'call-1', { target: 'B', mode: 'coach' });
    await joined(w, s2.id);
    await w.service.callChanged(endCall(call), { type: 'call_ended', actor: 'C' });
    t.same((await w.store.sessions.get(s2.id))?.session.reason, 'call_ended');
    t.equal((await w.store.presence.get('sue')).status, 'available');
    t.same(await w.store.calls.list({}, Date.now()), []);
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true);
    await t.rejects(w.service.startSupervision(sue, 'call-1', { target: 'B', mode: 'monitor' }), { code: 'call_not_live' });
  });

  t.test('callRemoved ends a call the adapter lost', async (t) => {
    const w = await fresh(t);
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'monitor' });
    await w.service.callRemoved('call-1', { type: 'media_server_lost' });
    t.same((await w.store.sessions.get(s.id))?.session.reason, 'call_ended');
    t.equal((await w.store.calls.get('call-1'))?.call.ended, true);
    t.equal((await w.store.timeline.list('call-1')).at(-1)?.type, 'supervision_ended');
    await w.service.callRemoved('call-1');
    await w.service.callRemoved('never-was');
  });

  t.test('a user status change during a session is applied when it ends', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
    t.equal(await w.directory.setStatus(sue, 'sue', 'unavailable').then((r) => r.after), 'unavailable');
    t.equal((await w.store.presence.get('sue')).status, 'busy');
    await w.service.stopSupervision(sue, s.id);
    t.equal((await w.store.presence.get('sue')).status, 'unavailable');
    await t.rejects(w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' }), { code: 'not_available' });
  });

  t.test('SIP side down: 503-able error and nothing held', async (t) => {
    const w = await fresh(t);
    w.signaling.failDial = new Error('drachtio not connected');
    await t.rejects(w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'coach' }), { code: 'signaling_unavailable' });
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined);
    t.same([...(await w.store.locks.coachHolders('call-1', ['A']))], []);
    t.equal((await w.store.presence.get('sue')).status, 'available');
  });

  t.test('media failure drops the supervisors and re-plans without them', async (t) => {
    const w = await fresh(t);
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'coach' });
    w.media.failNext = new Error('conference gone');
    await joined(w, s.id);
    const rec = await w.store.sessions.get(s.id);
    t.same([rec?.session.state, rec?.session.reason], ['failed', 'media_error']);
    t.ok(w.signaling.hangups.includes(s.id));
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', 'C<A']);
  });

  t.test('crash recovery: a dead instance’s locks, sessions and calls expire; the supervisor is free again', async (t) => {
    // The call lives on instance 2 (it owns the SIP dialogs and keeps renewing the call);
    // the coach's session, asked of instance 1, runs there too. Then instance 2 dies.
    const w = await fresh(t, { lockTtlMs: 400, refresh: true });
    const other = await w.instance({ refresh: true });
    await other.service.callChanged(activeCall('call-x'), { type: 'call_answered' });
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-x', { target: 'A', mode: 'coach' });
    t.equal((await w.store.sessions.get(s.id))?.owner, 'instance-2', 'the session runs where the call is');
    await joined(other, s.id);
    const root = await userOf(w, 'root');
    await sleep(1000);
    await t.rejects(w.service.startSupervision(root, 'call-x', { target: 'A', mode: 'coach' }), { code: 'coach_taken' }, 'renewed past 2 TTLs: still held');
    // Instance 2 "crashes": its refresher and command listener stop, nothing is cleaned up.
    await other.service.stop();
    await t.rejects(w.service.startSupervision(root, 'call-x', { target: 'A', mode: 'monitor' }), { code: 'owner_unavailable' }, 'its call cannot be supervised meanwhile');
    await sleep(600);
    t.equal(await w.store.locks.supervisorHolder('sue'), undefined, 'lock expired');
    t.equal((await w.store.presence.get('sue')).status, 'available', 'stale busy reads available');
    t.same(await w.store.sessions.listByCall('call-x', Date.now()), [], 'the dead session left the call');
    t.same((await w.store.calls.page({}, Date.now(), { limit: 10 })).records.map((r) => r.call.id), ['call-1'], 'its call is no longer listed');
    const s2 = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'coach' });
    t.equal(s2.state, 'dialing', 'the supervisor supervises again');
  });

  t.test('a lock taken over meanwhile fails the session (lock_lost)', async (t) => {
    const w = await fresh(t);
    const s = await w.service.startSupervision(await userOf(w, 'sue'), 'call-1', { target: 'A', mode: 'coach' });
    await joined(w, s.id);
    await w.redis.set(w.store.keys.coachLock('call-1', 'A'), 'someone-else');
    await w.service.renewLeases();
    const rec = await w.store.sessions.get(s.id);
    t.same([rec?.session.state, rec?.session.reason], ['failed', 'lock_lost']);
    t.ok(w.signaling.hangups.includes(s.id));
    t.equal(await w.redis.get(w.store.keys.coachLock('call-1', 'A')), 'someone-else', 'the other holder keeps it');
  });

  t.test('stopped or switched through another instance: the owner does it at once', async (t) => {
    const w = await fresh(t);
    const sue = await userOf(w, 'sue');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
    await joined(w, s.id);
    const other = await w.instance({ refresh: false });
    t.equal((await other.service.switchMode(sue, s.id, 'coach')).mode, 'coach');
    t.same(hearing(w.media.lastPlan('call-1')), ['A<C', `A<${s.id}`, 'C<A', `${s.id}<A`, `${s.id}<C`], 'the owner re-planned');
    const done = await other.service.stopSupervision(sue, s.id);
    t.same([done.state, done.reason], ['ended', 'stopped']);
    t.same(w.signaling.hangups, [s.id], 'the owner hung the leg up');
    t.same(other.signaling.hangups, [], 'nothing was done on the other instance');
    t.notOk(w.media.lastPlan('call-1')!.members[s.id], 'and re-planned without it');
  });

  t.test('refusals carry the domain codes', async (t) => {
    const w = await fresh(t);
    const call = (c: string, agent: string): Promise<void> => w.service.callChanged(activeCall(c, '+34910000001', agent), { type: 'call_answered' });
    await call('own', 'sue');
    const sue = await userOf(w, 'sue');
    const rem = await userOf(w, 'rem');
    const ana = await userOf(w, 'ana');
    const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: AppError) => e.code);
    t.equal(await codeOf(w.service.startSupervision(sue, 'own', { target: 'A', mode: 'monitor' })), 'own_call');
    t.equal(await codeOf(w.service.startSupervision(ana, 'call-1', { target: 'A', mode: 'monitor' })), 'not_supervisor');
    t.equal(await codeOf(w.service.startSupervision(rem, 'call-1', { target: 'A', mode: 'coach' })), 'forbidden_mode');
    t.equal(await codeOf(w.service.startSupervision(rem, 'call-1', { target: 'A', mode: 'monitor' })), 'not_available');
    t.equal(await codeOf(w.service.startSupervision(sue, 'call-1', { target: 'C', mode: 'coach' })), 'target_not_agent');
    t.equal(await codeOf(w.service.startSupervision(sue, 'call-1', { target: 'Z', mode: 'monitor' })), 'target_not_found');
    t.equal(await codeOf(w.service.startSupervision(sue, 'nope', { target: 'A', mode: 'monitor' })), 'call_not_found');
    const s = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
    t.equal(await codeOf(w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' })), 'supervisor_busy');
    t.equal(await codeOf(w.service.switchMode(rem, s.id, 'barge')), 'not_session_owner');
    t.equal(await codeOf(w.service.getSupervision(ana, s.id)), 'not_session_owner');
    await w.service.stopSupervision(sue, s.id);
    t.equal(await codeOf(w.service.switchMode(sue, s.id, 'barge')), 'session_not_live');
    t.equal((await w.service.stopSupervision(sue, s.id)).state, 'ended', 'stop is idempotent');
  });
});
