import t, { type Test } from 'tap';
import { startRedisCluster } from '../helpers/redis';
import { startApp } from '../helpers/app-process';
import { SseClient } from '../helpers/sse';
import { TOKENS } from '../helpers/world';
import { eventually } from '../helpers/config';

/**
 * The real app (`npm start`'s src/index.ts) on a three-master Redis Cluster, from the
 * environment alone (REDIS_CLUSTER_NODES): it imports the directory file, answers the
 * API, reports Redis as up in /readyz, streams an event published by a script, and
 * shuts down cleanly. drachtio and FreeSWITCH are absent (startApp). Sentinel's client
 * is covered by test/store/sentinel.test.ts.
 */
async function exercise(t: Test, env: Record<string, string>): Promise<void> {
  const app = await startApp({ ...env, REDIS_KEY_PREFIX: 'shape:', SHUTDOWN_TIMEOUT_SEC: '5' });
  t.teardown(() => app.kill());
  const base = `http://127.0.0.1:${app.port}`;
  const get = (path: string, who?: keyof typeof TOKENS) => fetch(base + path, who ? { headers: { authorization: `Bearer ${TOKENS[who]}` } } : {});
  // The directory file is imported once Redis is reachable: the fixture's tokens then work.
  await eventually(async () => (await get('/v1/calls', 'sue')).status === 200, 15_000, 'the API answers with the directory imported');
  const ready = (await (await get('/readyz')).json()) as { checks?: Record<string, { ok: boolean }> } & Record<string, unknown>;
  t.match(JSON.stringify(ready), /"redis":\{"ok":true/, 'readyz: Redis is up');

  const stream = await SseClient.open(app.port, TOKENS.root);
  t.teardown(() => stream.close());
  t.equal(stream.status, 200);
  const put = await fetch(`${base}/v1/users/ana/status`, { method: 'PUT', headers: { authorization: `Bearer ${TOKENS.ana}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'unavailable' }) });
  t.equal(put.status, 200, 'a status change (a script on {dir}, then PUBLISH_EVENT on {events})');
  await eventually(() => stream.events.some((e) => e.event === 'user_status_changed'), 5000, 'the event on the stream');

  app.child.kill('SIGTERM');
  const exit = await app.exited;
  t.equal(exit.code, 0, 'exit 0');
  t.notOk(app.logs.some((l) => l.msg === 'shutdown step failed'), 'every shutdown step done');
}

t.test('the app on a Redis Cluster', async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(cluster.stop);
  await exercise(t, cluster.env);
});
