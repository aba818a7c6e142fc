import t from 'tap';
import { Call, CoachlineError, addRinging, joinTakeover, participantAnswered, participantLeft } from '../../src/domain';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, TOKENS, auth } from '../helpers/world';

/**
 * Adding and removing participants (a conference) and taking a call over, through the
 * HTTP API, with the SIP side a recording double that reports what a real one would:
 * the added leg ringing, answering, leaving; the supervisor's leg joining on takeover.
 */
t.test('participants and takeover', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: keyof typeof TOKENS, payload?: object) =>
    w.app.inject({ method, url, headers: auth(who), ...(payload ? { payload } : {}) });

  let call: Call = activeCall('cc-1');
  const report = async (next: Call, type: string, actor?: string): Promise<void> => {
    call = next;
    await w.service.callChanged(call, { type, ...(actor ? { actor } : {}) });
  };
  await report(call, 'call_answered');
  w.signaling.onAdd = async (_callId, target, pid) => {
    const internal = 'userId' in target;
    await report(addRinging(call, { id: pid, kind: internal ? 'internal' : 'external', address: internal ? `sip:${target.userId}@pbx` : target.number, origin: 'added', ...(internal ? { userId: target.userId } : {}) }), 'participant_added');
  };
  w.signaling.onRemove = async (_callId, pid) => report(participantLeft(call, pid), 'participant_left', pid);
  const grant = async (id: string, permissions: string[]) => {
    const u = (await api('GET', `/v1/users/${id}`, 'root')).json();
    const r = await api('PUT', `/v1/users/${id}`, 'root', { name: u.name, role: u.role, permissions, ...(u.device ? { device: u.device } : {}) });
    t.equal(r.statusCode, 200, `${id} gets ${permissions.join(',')}`);
  };

  t.test('the call’s agent adds an external number; it rings and is listed as external', async (t) => {
    const r = await api('POST', '/v1/calls/cc-1/participants', 'ana', { number: '+34600000777' });
    t.equal(r.statusCode, 201, r.body);
    t.match(r.json(), { id: 'p1', kind: 'external', role: 'customer', address: '+34600000777', status: 'ringing', origin: 'added' });
    t.match(w.signaling.added.at(-1), { callId: 'cc-1', target: { number: '+34600000777' }, actor: 'A' }, 'dialed by coachline for the agent’s leg');
    await report(participantAnswered(call, 'p1'), 'participant_answered', 'p1');
    const detail = (await api('GET', '/v1/calls/cc-1', 'sue')).json();
    t.same(detail.participants.filter((p: { kind: string }) => p.kind === 'external').map((p: { id: string; status: string }) => [p.id, p.status]), [['C', 'connected'], ['p1', 'connected']]);
  });

  t.test('with two externals it is a conference call: coach refused, monitor and barge allowed', async (t) => {
    const detail = (await api('GET', '/v1/calls/cc-1', 'sue')).json();
    const agent = detail.participants.find((p: { id: string }) => p.id === 'A');
    t.match(agent.actions.find((a: { mode: string }) => a.mode === 'coach'), { allowed: false, reason: { code: 'conference_call' } }, 'the page is told why');
    const coach = await api('POST', '/v1/calls/cc-1/supervisions', 'sue', { target: 'A', mode: 'coach' });
    t.same([coach.statusCode, coach.json().error.code], [409, 'conference_call']);
    const monitor = await api('POST', '/v1/calls/cc-1/supervisions', 'sue', { target: 'A', mode: 'monitor' });
    t.equal(monitor.statusCode, 201);
    t.equal((await api('DELETE', `/v1/supervisions/${monitor.json().id}`, 'sue')).statusCode, 200);
    await w.service.idle();
  });

  t.test('who may add: not another agent, not staff without `conference`; staff with it may', async (t) => {
    const before = w.signaling.added.length;
    let r = await api('POST', '/v1/calls/cc-1/participants', 'sue', { userId: 'bob' });
    t.same([r.statusCode, r.json().error.code], [403, 'forbidden_conference']);
    await grant('sue', ['monitor', 'coach', 'barge', 'conference']);
    r = await api('POST', '/v1/calls/cc-1/participants', 'sue', { userId: 'bob' });
    t.equal(r.statusCode, 201, r.body);
    t.match(r.json(), { kind: 'internal', role: 'agent', userId: 'bob', status: 'ringing', origin: 'added' });
    t.equal(w.signaling.added.length, before + 1, 'only the allowed request dialed');
    t.equal(w.signaling.added.at(-1)!.actor, 'sue');
  });

  t.test('bad requests change nothing', async (t) => {
    const before = w.signaling.added.length;
    const cases: [object, number, string][] = [
      [{}, 400, 'bad_request'],
      [{ userId: 'bob', number: '+34600000001' }, 400, 'bad_request'],
      [{ number: 'not a number' }, 400, 'bad_request'],
      [{ userId: 'nobody' }, 422, 'unknown_user'],
      [{ userId: 'ana' }, 409, 'participant_busy'],
    ];
    for (const [body, status, code] of cases) {
      const r = await api('POST', '/v1/calls/cc-1/participants', 'ana', body);
      t.same([r.statusCode, r.json().error?.code], [status, code], JSON.stringify(body));
    }
    const missing = await api('POST', '/v1/calls/nope/participants', 'ana', { number: '+34600000777' });
    t.same([missing.statusCode, missing.json().error.code], [404, 'call_not_found']);
    w.signaling.failCallControl = new CoachlineError('participant_unreachable', 'no trunk is configured');
    const down = await api('POST', '/v1/calls/cc-1/participants', 'ana', { number: '+34600000778' });
    w.signaling.failCallControl = undefined;
    t.same([down.statusCode, down.json().error.code], [422, 'participant_unreachable'], 'the SIP side’s refusal, with its code');
    t.equal(w.signaling.added.length, before, 'nothing was dialed');
  });

  t.test('removing a participant hangs it up; an unknown one is 404', async (t) => {
    let r = await api('DELETE', '/v1/calls/cc-1/participants/p2', 'ana');
    t.equal(r.statusCode, 200, r.body);
    t.match(r.json(), { id: 'p2', status: 'left' });
    t.match(w.signaling.removed.at(-1), { callId: 'cc-1', participantId: 'p2', actor: 'ana' });
    r = await api('DELETE', '/v1/calls/cc-1/participants/p2', 'ana');
    t.same([r.statusCode, r.json().error.code], [404, 'participant_not_found'], 'already gone');
    r = await api('DELETE', '/v1/calls/cc-1/participants/p1', 'rem');
    t.same([r.statusCode, r.json().error.code], [403, 'forbidden_conference'], 'a supervisor without `conference` may not');
    r = await api('DELETE', '/v1/calls/cc-1/participants/p1', 'ana');
    t.equal(r.statusCode, 200);
    t.equal(call.participants.filter((p) => p.kind === 'external' && p.status === 'connected').length, 1, 'back to one customer');
  });

  t.test('takeover: permission, an answered session on an agent; then the supervisor talks with the customer', async (t) => {
    const start = await api('POST', '/v1/calls/cc-1/supervisions', 'sue', { target: 'A', mode: 'coach' });
    t.equal(start.statusCode, 201, start.body);
    const sid = start.json().id as string;
    let r = await api('POST', `/v1/supervisions/${sid}/takeover`, 'sue');
    t.same([r.statusCode, r.json().error.code], [403, 'forbidden_takeover'], 'no takeover permission');
    await grant('sue', ['monitor', 'coach', 'barge', 'conference', 'takeover']);
    r = await api('POST', `/v1/supervisions/${sid}/takeover`, 'sue');
    t.same([r.statusCode, r.json().error.code], [409, 'session_not_active'], 'the phone has not answered yet');
    t.equal(w.signaling.takeovers.length, 0);

    w.signaling.emit(sid, { type: 'answered' });
    await w.service.idle();
    w.signaling.onTakeover = async (req) => {
      await report(joinTakeover(call, { id: req.sessionId, userId: req.supervisor.id, address: `supervisor:${req.supervisor.id}` }), 'takeover', req.sessionId);
      await report(participantLeft(call, req.target), 'participant_left', req.target);
    };
    r = await api('POST', `/v1/supervisions/${sid}/takeover`, 'sue');
    t.equal(r.statusCode, 200, r.body);
    t.match(r.json(), { id: sid, state: 'ended', reason: 'takeover' });
    t.match(w.signaling.takeovers, [{ sessionId: sid, callId: 'cc-1', target: 'A', supervisor: { id: 'sue' } }]);
    t.notOk(w.signaling.hangups.includes(sid), 'the supervisor’s leg is kept, not hung up');
    await w.service.idle();

    const detail = (await api('GET', '/v1/calls/cc-1', 'root')).json();
    const sue = detail.participants.find((p: { id: string }) => p.id === sid);
    t.match(sue, { kind: 'internal', role: 'supervisor', userId: 'sue', status: 'connected', origin: 'takeover' });
    t.notOk(sue.supervision, 'a participant now, not a supervision');
    t.equal(detail.participants.find((p: { id: string }) => p.id === 'A').status, 'left', 'the agent was released');
    t.equal((await api('GET', '/v1/users/sue', 'root')).json().status, 'busy', 'busy while in the call');
    const timeline = (await api('GET', '/v1/calls/cc-1/timeline', 'root')).json().events as { type: string; sessionId?: string; detail?: { reason?: string } }[];
    t.ok(timeline.some((e) => e.type === 'supervision_ended' && e.sessionId === sid), 'the end is on the timeline');
    t.equal((await api('GET', `/v1/supervisions/${sid}`, 'sue')).json().reason, 'takeover');
    // The plan has the supervisor as a participant: the customer hears them.
    const plan = w.media.lastPlan('cc-1')!;
    t.ok(plan.members[sid], 'still a member of the conference');
    t.notOk(Object.values(plan.relations).some((rel) => (rel.from === 'C' && rel.to === sid && rel.nohear) || (rel.from === sid && rel.to === 'C' && rel.nospeak)), 'no relation keeps the customer from hearing them');

    await report(participantLeft(call, sid), 'participant_left', sid);
    t.equal((await api('GET', '/v1/users/sue', 'root')).json().status, 'available', 'available again once they hang up');
  });

  t.test('takeover of a session on the customer is refused', async (t) => {
    let c2: Call = activeCall('cc-2', undefined, 'bob');
    await w.service.callChanged(c2, { type: 'call_answered' });
    const start = await api('POST', '/v1/calls/cc-2/supervisions', 'sue', { target: 'external', mode: 'monitor' });
    t.equal(start.statusCode, 201, start.body);
    w.signaling.emit(start.json().id, { type: 'answered' });
    await w.service.idle();
    const r = await api('POST', `/v1/supervisions/${start.json().id}/takeover`, 'sue');
    t.same([r.statusCode, r.json().error.code], [422, 'target_not_agent']);
    t.equal((await api('GET', `/v1/supervisions/${start.json().id}`, 'sue')).json().state, 'active', 'the session goes on');
    c2 = participantLeft(c2, 'C');
    await w.service.callChanged(c2, { type: 'participant_left' });
  });
});
