import t from 'tap';
import { startRedis, dumpRedis } from '../helpers/redis';
import { makeWorld, activeCall, TOKENS, auth } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { eventually } from '../helpers/config';
import { setHeld } from '../../src/domain';
import { RECENT_EVENTS_CAP } from '../../src/store';

/**
 * The event stream for browsers: single-use tickets (EventSource cannot send a bearer
 * token), resuming after Last-Event-ID from the store's recent events, and `resync`
 * when what was missed is no longer kept.
 */
t.test('event tickets and resume', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as { port: number }).port;
  const clients: SseClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  const open = async (path: string, headers: Record<string, string> = {}): Promise<SseClient> => {
    const c = await SseClient.openPath(port, path, headers);
    clients.push(c);
    return c;
  };
  const ticket = async (who: keyof typeof TOKENS): Promise<{ ticket: string; expiresInSec: number; lastEventId: number }> => {
    const r = await w.app.inject({ method: 'POST', url: '/v1/events/tickets', headers: auth(who) });
    t.equal(r.statusCode, 201, `${who} gets a ticket`);
    return r.json();
  };

  t.test('a ticket opens the stream once, for its user, and lives 30 s', async (t) => {
    const tk = await ticket('sue');
    t.equal(tk.expiresInSec, 30);
    t.match(tk.ticket, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
    const keys = await server.client().keys(`${w.config.redis.keyPrefix}events:ticket:*`);
    t.equal(keys.length, 1, 'stored once');
    t.notOk(keys[0]!.includes(tk.ticket), 'under its hash, not the ticket itself');
    const ttl = await server.client().ttl(keys[0]!);
    t.ok(ttl > 0 && ttl <= 30, `expires (ttl ${ttl} s)`);

    const c = await open(`/v1/events?ticket=${tk.ticket}`);
    t.equal(c.status, 200);
    t.equal((await server.client().keys(`${w.config.redis.keyPrefix}events:ticket:*`)).length, 0, 'consumed');
    const again = await open(`/v1/events?ticket=${tk.ticket}`);
    t.equal(again.status, 401, 'a used ticket is refused');
    t.equal(JSON.parse(again.body).error.code, 'unauthorized');

    await w.app.inject({ method: 'PUT', url: '/v1/users/sue/status', headers: auth('sue'), payload: { status: 'unavailable' } });
    await eventually(() => c.events.some((e) => e.event === 'user_status_changed'), 3000, 'the ticket stream is live');
  });

  // Failed authentications are counted (per address, auth-throttle); nothing else may change.
  const state = async (): Promise<Record<string, unknown>> =>
    Object.fromEntries(Object.entries(await dumpRedis(server.client(), w.config.redis.keyPrefix)).filter(([k]) => !k.includes(':ratelimit:')));

  t.test('refusals: no ticket, unknown, malformed, revoked token; nothing changes', async (t) => {
    const before = await state();
    for (const [path, why] of [
      ['/v1/events', 'neither a token nor a ticket'],
      ['/v1/events?ticket=', 'an empty ticket'],
      ['/v1/events?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'an unknown ticket'],
      ['/v1/events?ticket=%3Cscript%3E', 'a malformed ticket'],
    ] as const) {
      const c = await open(path);
      t.equal(c.status, 401, why);
      t.equal(JSON.parse(c.body).error.code, 'unauthorized', why);
    }
    const noAuth = await w.app.inject({ method: 'POST', url: '/v1/events/tickets' });
    t.same([noAuth.statusCode, noAuth.json().error.code], [401, 'unauthorized'], 'a ticket needs a bearer token');
    const bodied = await w.app.inject({ method: 'POST', url: '/v1/events/tickets', headers: auth('sue'), payload: { user: 'root' } });
    t.same([bodied.statusCode, bodied.json().error.code], [400, 'bad_request'], 'the POST takes no body');
    t.same(await state(), before, 'Redis unchanged');

    const tk = await ticket('sue');
    const badQuery = await open(`/v1/events?ticket=${tk.ticket}&lastEventId=abc`);
    t.same([badQuery.status, JSON.parse(badQuery.body).error.code], [400, 'bad_request'], 'a bad lastEventId is 400');
    const extra = await open(`/v1/events?ticket=${(await ticket('sue')).ticket}&user=root`);
    t.equal(extra.status, 400, 'unknown query parameters are refused');

    // A ticket is worth what the token that asked for it is worth.
    const tokenB = 'agent-bob-second-token-0123456789';
    await w.app.inject({ method: 'PUT', url: '/v1/users/bob', headers: auth('root'), payload: { name: 'Bob Agent', role: 'agent', tokens: [tokenB] } });
    const r = await w.app.inject({ method: 'POST', url: '/v1/events/tickets', headers: { authorization: `Bearer ${tokenB}` } });
    await w.app.inject({ method: 'PUT', url: '/v1/users/bob', headers: auth('root'), payload: { name: 'Bob Agent', role: 'agent', tokens: ['agent-bob-third-token-0123456789'] } });
    const revoked = await open(`/v1/events?ticket=${r.json().ticket as string}`);
    t.equal(revoked.status, 401, 'revoking the token voids its unused tickets');
  });

  t.test('the bearer header still opens the stream', async (t) => {
    const c = await open('/v1/events', { authorization: `Bearer ${TOKENS.root}` });
    t.equal(c.status, 200);
  });

  t.test('resume after Last-Event-ID: what was missed, in order, once; named or as messages', async (t) => {
    const call = activeCall('call-r', undefined, 'ana');
    await w.service.callChanged(call, { type: 'call_answered' });
    const tk = await ticket('sue');
    const since = tk.lastEventId;
    await w.service.callChanged(setHeld(call, 'A', true), { type: 'hold', actor: 'A' });
    await w.service.callChanged(call, { type: 'resume', actor: 'A' });
    // Resumed from the id the ticket came with: both changes made since then.
    const c = await open(`/v1/events?ticket=${tk.ticket}&lastEventId=${since}&dispatch=message`);
    await eventually(() => c.events.filter((e) => e.data.callId === 'call-r').length >= 2, 3000, 'the replay');
    t.same(c.events.filter((e) => e.data.callId === 'call-r').map((e) => [e.event, e.data.type]), [['message', 'hold'], ['message', 'resume']], 'unnamed messages, type in data');
    await w.service.callChanged(setHeld(call, 'A', true), { type: 'hold', actor: 'A' });
    await eventually(() => c.events.length >= 3, 3000, 'live after the replay');
    const ids = c.events.map((e) => e.id);
    t.same(ids, [...new Set(ids)].sort((a, b) => a - b), 'increasing, no duplicates');
    t.equal(ids[0], since + 1, 'nothing skipped');

    // The browser's own reconnect sends the header instead; named events by default.
    const h = await open('/v1/events', { authorization: `Bearer ${TOKENS.sue}`, 'last-event-id': String(ids[0]) });
    await eventually(() => h.events.length >= 2, 3000, 'the header replay');
    t.same(h.events.slice(0, 2).map((e) => e.id), ids.slice(1, 3));
    t.same(h.events.slice(0, 2).map((e) => e.event), ['resume', 'hold']);
  });

  t.test('resume filters like live: an agent gets no supervision events in the replay', async (t) => {
    const since = (await ticket('ana')).lastEventId;
    await w.service.callChanged(activeCall('call-p', undefined, 'ana'), { type: 'call_answered' });
    const sid = (await w.app.inject({ method: 'POST', url: '/v1/calls/call-p/supervisions', headers: auth('root'), payload: { target: 'A', mode: 'monitor' } })).json().id as string;
    w.signaling.emit(sid, { type: 'answered' });
    await w.service.idle();
    const c = await open(`/v1/events?ticket=${(await ticket('ana')).ticket}&lastEventId=${since}`);
    await eventually(() => c.events.some((e) => e.event === 'call_answered' && e.data.callId === 'call-p'), 3000, 'the replay');
    t.notOk(c.events.some((e) => e.data.kind === 'supervision'), 'the monitored agent is told nothing');
    await w.app.inject({ method: 'DELETE', url: `/v1/supervisions/${sid}`, headers: auth('root') });
  });

  t.test('resync when the missed events are gone, or the id is from another Redis', async (t) => {
    const tk = await ticket('root');
    const ahead = await open(`/v1/events?ticket=${tk.ticket}&lastEventId=${tk.lastEventId + 1000}`);
    await eventually(() => ahead.events.length >= 1, 3000, 'resync');
    t.same([ahead.events[0]!.event, ahead.events[0]!.id], ['resync', tk.lastEventId], 'an id ahead of the counter: resync, from the newest id');

    for (let i = 0; i < RECENT_EVENTS_CAP + 5; i++) await w.store.events.publish({ at: new Date().toISOString(), kind: 'user', type: 'noise' }, { userId: 'nobody' });
    const old = await open(`/v1/events?ticket=${(await ticket('root')).ticket}&lastEventId=${tk.lastEventId}`);
    await eventually(() => old.events.length >= 1, 3000, 'resync');
    t.equal(old.events[0]!.event, 'resync', 'older than the kept events: resync');
    t.equal(old.events[0]!.id, tk.lastEventId + RECENT_EVENTS_CAP + 5);
    t.equal(await server.client().llen(w.store.keys.recentEvents()), RECENT_EVENTS_CAP, 'the list stays capped');
  });
});
