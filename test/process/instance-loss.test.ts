import t from 'tap';
import { createStore, SessionRecord } from '../../src/store';
import { startRedis } from '../helpers/redis';
import { startApp } from '../helpers/app-process';
import { eventually, testConfig } from '../helpers/config';
import { TOKENS, activeCall } from '../helpers/world';

/**
 * Issue 13, item 3, with real processes and real timers: two apps (`npm start`'s
 * entry point) on one Redis; the one that owns a supervised call is killed with
 * SIGKILL — no shutdown step runs — and the other, on its own heartbeat timer, ends the
 * session and the call (cause `owner_lost` on the timeline), frees the locks and makes
 * the supervisor available. The call's records carry LOCK_TTL (5 s) leases that the
 * killed app never renews: only the survivor can leave them ended, with that cause.
 */
t.test('kill -9 of the instance that owns a call', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'lost:', LOCK_TTL_SEC: '5' };
  const base = testConfig();
  const store = createStore(redis.client(), { redis: { ...base.redis, keyPrefix: 'lost:', lockTtlSec: 5 } });
  const raw = redis.client();
  t.teardown(() => raw.disconnect());
  const members = (): Promise<string[]> => raw.zrangebyscore(store.keys.instances(), '-inf', '+inf');

  const doomed = await startApp(env);
  t.teardown(() => doomed.kill());
  await eventually(async () => (await members()).length === 1, 5000, 'the first app beats');
  const [lost] = await members();
  const survivor = await startApp(env);
  t.teardown(() => survivor.kill());
  await eventually(async () => (await members()).length === 2, 5000, 'both apps beat');

  // What the doomed app would have written for a call it owns and sue coaching its agent.
  const at = new Date().toISOString();
  await store.calls.save({ call: activeCall(), owner: lost!, startedAt: at, updatedAt: at }, undefined, Date.now());
  const session: SessionRecord = {
    session: { id: 's-lost', callId: 'call-1', supervisorId: 'sue', target: 'A', mode: 'coach', notify: false, confirm: false, state: 'active' },
    owner: lost!,
    createdAt: at,
    updatedAt: at,
    joinedAt: at,
  };
  t.equal(await store.locks.claim(session.session), 'ok');
  await store.sessions.save(session, Date.now());
  t.equal((await store.presence.get('sue')).status, 'busy');

  doomed.kill();
  await doomed.exited;
  await eventually(async () => (await store.calls.get('call-1'))?.call.ended === true, 5000, 'the survivor ends the call');

  const tl = await store.timeline.list('call-1');
  t.match(tl.find((e) => e.type === 'supervision_ended')?.detail, { reason: 'call_ended', cause: 'owner_lost', instance: lost }, 'the session ended, and why');
  t.match(tl.at(-1), { type: 'call_ended', detail: { cause: 'owner_lost', instance: lost } });
  t.equal((await store.sessions.get('s-lost'))?.session.state, 'ended');
  t.equal(await store.locks.supervisorHolder('sue'), undefined, 'the supervisor lock is free');
  t.equal((await store.locks.coachHolders('call-1', ['A'])).size, 0, 'the coach lock is free');
  t.equal((await store.presence.get('sue')).status, 'available', 'sue is available');
  const listed = await fetch(`http://127.0.0.1:${survivor.port}/v1/calls`, { headers: { authorization: `Bearer ${TOKENS.sue}` } });
  t.same(((await listed.json()) as { calls: unknown[] }).calls, [], 'the survivor lists no live call');
  t.ok(survivor.logs.some((l) => l.msg === 'an instance stopped beating; finishing its calls and sessions' && l.instance === lost), 'the survivor says so in its log');
});
