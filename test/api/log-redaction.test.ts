import { Writable } from 'node:stream';
import t from 'tap';
import pino from 'pino';
import { buildApiServer } from '../../src/api';
import { createLogger } from '../../src';
import { startRedis } from '../helpers/redis';
import { makeWorld, TOKENS } from '../helpers/world';

/**
 * Credentials never reach the logs: not a token put in the query string (whatever the
 * parameter is called), not the Authorization header, not a password in a body.
 */
t.test('query strings and credentials are redacted in request logs', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  let out = '';
  const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
  const logger = pino({ level: 'debug', redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } }, sink);
  const app = await buildApiServer({ service: w.service, store: w.store, health: { drachtio: () => ({ ok: true }), freeswitch: () => ({ ok: true }) }, logger, config: w.config, directory: w.directory });
  t.teardown(() => app.close());

  const secret = 'query-string-secret-0123456789';
  await app.inject({ method: 'GET', url: `/v1/users?access_token=${secret}`, headers: { authorization: `Bearer ${TOKENS.sue}` } });
  await app.inject({ method: 'GET', url: `/v1/calls?number=%2B34910000001&token=${secret}&x=${secret}`, headers: { authorization: `Bearer ${TOKENS.sue}` } });
  await app.inject({ method: 'GET', url: `/v1/nothing?apikey=${secret}` });
  await app.inject({ method: 'POST', url: '/v1/users', headers: { authorization: `Bearer ${TOKENS.root}` }, payload: { id: 'pw', name: 'P', role: 'agent', sip: { username: 'pw', password: secret } } });

  t.ok(out.includes('"msg":"incoming request"'), 'requests are logged');
  t.notOk(out.includes(secret), 'no query value and no password in any log line');
  t.notOk(out.includes(TOKENS.sue) || out.includes(TOKENS.root), 'no bearer token');
  t.ok(out.includes('/v1/users?access_token=[redacted]'), 'the parameter names stay, for debugging');
  t.ok(out.includes('/v1/calls?number=[redacted]&token=[redacted]&x=[redacted]'));
});

t.test('the app logger redacts credential fields wherever they are logged', async (t) => {
  let out = '';
  const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
  const logger = createLogger({ logLevel: 'info' }, sink);
  const secret = 'logged-secret-0123456789';
  logger.info({ req: { headers: { authorization: `Bearer ${secret}`, cookie: `s=${secret}` } }, input: { password: secret, token: secret, tokens: [secret], authorization: secret, access_token: secret, ha1: secret } }, 'x');
  await new Promise((r) => setImmediate(r));
  t.ok(out.includes('[redacted]'));
  t.notOk(out.includes(secret), out);
});
