import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, TOKENS } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { eventually, sleep } from '../helpers/config';
import { setHeld } from '../../src/domain';

/**
 * GET /v1/events over real HTTP: events made on one app instance reach clients of
 * another (Redis pub/sub), in order, and each client gets only what its user may see.
 */
t.test('event stream: order and visibility across instances', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  // On a Redis Cluster a PUBLISH reaches another node's subscribers a moment after the
  // publisher has its reply: this probe tells when what came before the streams opened has arrived.
  let probed = 0;
  const probe = w.store.events.subscribe((e) => (probed = Math.max(probed, e.id)));
  t.teardown(probe.close);
  await probe.ready;
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as { port: number }).port;

  // A number whose distribution is ana and sue only: rem is a supervisor outside it.
  const admin = { authorization: `Bearer ${TOKENS.root}` };
  const created = await w.app.inject({ method: 'POST', url: '/v1/numbers', headers: admin, payload: { e164: '+34910000003', name: 'Support', distribution: ['ana', 'sue'] } });
  t.equal(created.statusCode, 201);
  await w.app.inject({ method: 'PUT', url: '/v1/users/rem/status', headers: admin, payload: { status: 'available' } });

  const bobToken = 'agent-bob-token-0123456789';
  const bob = await w.app.inject({ method: 'PUT', url: '/v1/users/bob', headers: admin, payload: { name: 'Bob', role: 'agent', tokens: [bobToken] } });
  t.equal(bob.statusCode, 200);
  const newest = await w.store.events.lastId();
  await eventually(() => probed >= newest, 3000, 'the directory events delivered');
  await sleep(server.kind === 'cluster' ? 50 : 0);

  const clients = {
    root: await SseClient.open(port, TOKENS.root),
    sue: await SseClient.open(port, TOKENS.sue),
    rem: await SseClient.open(port, TOKENS.rem),
    ana: await SseClient.open(port, TOKENS.ana),
    bob: await SseClient.open(port, bobToken),
  };
  t.teardown(() => Object.values(clients).forEach((c) => c.close()));
  for (const c of Object.values(clients)) t.equal(c.status, 200);

  // Everything below happens on the *other* instance: its service and its API.
  const call = activeCall('call-3', '+34910000003', 'ana');
  await other.service.callChanged(call, { type: 'call_answered', actor: 'A' });
  const start = await other.app.inject({ method: 'POST', url: '/v1/calls/call-3/supervisions', headers: { authorization: `Bearer ${TOKENS.sue}` }, payload: { target: 'A', mode: 'monitor' } });
  t.equal(start.statusCode, 201);
  const sid = start.json().id as string;
  other.signaling.emit(sid, { type: 'answered' });
  await other.service.idle();
  await other.app.inject({ method: 'PATCH', url: `/v1/supervisions/${sid}`, headers: { authorization: `Bearer ${TOKENS.sue}` }, payload: { mode: 'coach' } });
  await other.service.callChanged(setHeld(call, 'A', true), { type: 'hold', actor: 'A' });
  await other.app.inject({ method: 'DELETE', url: `/v1/supervisions/${sid}`, headers: { authorization: `Bearer ${TOKENS.sue}` } });
  // Last, a marker each client can see: bob's and ana's own status changes.
  await other.app.inject({ method: 'PUT', url: '/v1/users/bob/status', headers: { authorization: `Bearer ${bobToken}` }, payload: { status: 'unavailable' } });
  await other.app.inject({ method: 'PUT', url: '/v1/users/ana/status', headers: { authorization: `Bearer ${TOKENS.ana}` }, payload: { status: 'unavailable' } });

  const marker = (e: { event: string; data: Record<string, unknown> }, who: string): boolean =>
    e.event === 'user_status_changed' && (e.data.detail as { userId: string; status: string }).userId === who && (e.data.detail as { status: string }).status === 'unavailable';
  // ana's change is published last: every client that may see it has seen all before it.
  await eventually(() => ['root', 'sue', 'rem', 'ana'].every((n) => clients[n as 'root'].events.some((e) => marker(e, 'ana'))), 5000, 'ana marker');
  await eventually(() => clients.bob.events.some((e) => marker(e, 'bob')), 5000, 'bob marker');

  const supervision = ['supervision_started', 'supervision_joined', 'supervision_mode_changed', 'supervision_target_holding', 'supervision_ended'];
  const callEvents = ['call_answered', 'hold'];
  const ofCall = (c: SseClient): string[] => c.events.filter((e) => e.data.callId === 'call-3').map((e) => e.event);

  for (const [name, c] of Object.entries(clients)) {
    const ids = c.events.map((e) => e.id);
    t.same(ids, [...ids].sort((a, b) => a - b), `${name}: ids increase`);
    t.equal(new Set(ids).size, ids.length, `${name}: no duplicates`);
  }
  // The coach's target holds: the timeline says the agent no longer hears the coach.
  const everything = ['call_answered', 'supervision_started', 'supervision_joined', 'supervision_mode_changed', 'hold', 'supervision_target_holding', 'supervision_ended'];
  t.same(ofCall(clients.root), everything, 'admin: everything, in timeline order');
  t.same(ofCall(clients.sue), everything, 'the supervisor: everything about their session');
  t.same(ofCall(clients.rem), callEvents, 'a supervisor outside the distribution: the call, not who supervises it');
  t.same(ofCall(clients.ana), callEvents, 'the agent on the call is never told of supervision (SPEC §5.7)');
  t.same(ofCall(clients.bob), [], 'another agent: nothing of this call');
  t.notOk(clients.ana.events.some((e) => supervision.includes(e.event)));
  t.notOk(clients.ana.events.some((e) => e.data.kind === 'user' && (e.data.detail as { userId: string }).userId === 'sue'), 'nor of the supervisor turning busy');
  t.same(
    clients.bob.events.map((e) => [e.event, (e.data.detail as { userId: string }).userId]),
    [['user_status_changed', 'bob']],
    'bob sees only his own status',
  );
  const timeline = (await w.store.timeline.list('call-3')).map((e) => e.type);
  t.same(timeline, everything, 'the stream order is the timeline order');
  const started = clients.sue.events.find((e) => e.event === 'supervision_started')!;
  t.match(started.data, { kind: 'supervision', callId: 'call-3', sessionId: sid, actor: 'sue', seq: 2 });
  t.notOk('scope' in started.data, 'visibility scope is not sent to clients');
});
