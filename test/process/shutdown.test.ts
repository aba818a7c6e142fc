import http from 'node:http';
import t from 'tap';
import { startRedis } from '../helpers/redis';
import { startApp } from '../helpers/app-process';
import { SseClient } from '../helpers/sse';
import { TOKENS } from '../helpers/world';

/**
 * SIGTERM on the real process, as `docker stop` sends it, with supervisors' event
 * streams open and drachtio and FreeSWITCH never reached: every teardown step runs, in
 * order, and the process exits 0 within a few seconds.
 */
t.test('SIGTERM with open event streams and no drachtio', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const app = await startApp({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'shutdown:', SHUTDOWN_TIMEOUT_SEC: '5' });
  t.teardown(() => app.kill());

  const streams = await Promise.all([SseClient.open(app.port, TOKENS.sue), SseClient.open(app.port, TOKENS.root), SseClient.open(app.port, TOKENS.ana)]);
  t.teardown(() => streams.forEach((s) => s.close()));
  t.same(streams.map((s) => s.status), [200, 200, 200]);

  // HEAD answers at once (the headers a GET would get, no body) and registers no stream.
  const head = await new Promise<http.IncomingMessage | undefined>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: app.port, method: 'HEAD', path: '/v1/events', headers: { authorization: `Bearer ${TOKENS.sue}` } }, resolve);
    req.setTimeout(3000, () => (req.destroy(), resolve(undefined)));
    req.on('error', () => resolve(undefined));
    req.end();
  });
  t.equal(head?.statusCode, 200, 'HEAD /v1/events answers');
  t.match(head?.headers['content-type'], /^text\/event-stream/);
  head?.resume();

  const ended = streams.map((s) => new Promise<void>((resolve) => s.onEnd(resolve)));
  const sent = Date.now();
  app.child.kill('SIGTERM');
  const exit = await Promise.race([app.exited, new Promise<{ code: 'still running'; at: number }>((r) => setTimeout(() => r({ code: 'still running', at: Date.now() }), 8000))]);
  const took = exit.at - sent;
  t.equal(exit.code, 0, 'exit code 0');
  t.ok(took < 4000, `exited ${took} ms after SIGTERM`);
  const allEnded = await Promise.race([Promise.all(ended).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
  t.ok(allEnded, 'every event stream was ended by the server');

  const steps = app.logs.filter((l) => l.msg === 'shutdown step done').map((l) => l.step);
  t.same(steps, ['http', 'sip', 'media calls', 'supervision', 'media servers', 'redis'], 'teardown order, each step logged');
  t.notOk(app.logs.some((l) => l.msg === 'shutdown failed' || l.msg === 'shutdown step failed'), 'no step failed (drachtio was never connected)');
  t.ok(app.logs.some((l) => l.msg === 'shutdown complete'));
});

t.test('SIGTERM without drachtio: exit 0, every teardown step run', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const app = await startApp({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'shutdown2:' });
  t.teardown(() => app.kill());
  app.child.kill('SIGTERM');
  const exit = await Promise.race([app.exited, new Promise<{ code: 'still running' }>((r) => setTimeout(() => r({ code: 'still running' }), 8000))]);
  t.equal(exit.code, 0);
  t.notOk(app.logs.some((l) => l.msg === 'shutdown failed'), 'drachtio-srf’s disconnect did not throw');
  t.same(app.logs.filter((l) => l.msg === 'shutdown step done').map((l) => l.step), ['http', 'sip', 'media calls', 'supervision', 'media servers', 'redis']);
});
