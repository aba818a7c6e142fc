import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, TOKENS, Instance } from '../helpers/world';
import { sleep } from '../helpers/config';

/**
 * Failed authentications are throttled per source address, across instances: past the
 * limit an address gets 429 with Retry-After and a code until the window ends, also
 * for a right token (else the throttle would still answer "right" or "wrong" at full
 * speed). Other addresses are not touched, public routes stay open, and successful
 * requests are never counted.
 */
const LIMIT = 5;
const WINDOW_MS = 1500;

t.test('failed authentication throttling', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, limits: { authFailures: LIMIT, authFailureWindowMs: WINDOW_MS } });
  t.teardown(w.close);
  const other = await w.instance({ refresh: false });
  const get = (from: string, token: string | undefined, url = '/v1/calls', inst: Instance = w) =>
    inst.app.inject({ method: 'GET', url, remoteAddress: from, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const wrong = 'wrong-token-0123456789abcdef';

  // Successful requests never count.
  for (let i = 0; i < 50; i++) t.equal((await get('192.0.2.1', TOKENS.sue)).statusCode, 200);
  for (let i = 0; i < LIMIT - 1; i++) t.equal((await get('192.0.2.1', wrong)).statusCode, 401);
  t.equal((await get('192.0.2.1', TOKENS.sue)).statusCode, 200, 'a good client is not slowed by its own successes');

  // Failures on one instance count on the other.
  t.equal((await get('198.51.100.7', wrong, '/v1/calls', other)).statusCode, 401);
  for (let i = 0; i < LIMIT - 1; i++) t.equal((await get('198.51.100.7', wrong)).statusCode, 401, `failure ${i + 2}`);
  const refused = await get('198.51.100.7', wrong);
  t.equal(refused.statusCode, 429);
  t.equal(refused.json().error.code, 'too_many_auth_failures');
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= WINDOW_MS / 1000 + 1, `Retry-After ${refused.headers['retry-after']}`);
  t.equal((await get('198.51.100.7', TOKENS.sue)).statusCode, 429, 'a right token from a throttled address is not even checked');
  t.equal((await get('198.51.100.7', wrong, '/v1/calls', other)).statusCode, 429, 'on every instance');
  t.equal((await get('198.51.100.7', undefined, '/healthz')).statusCode, 200, 'public routes stay open');
  t.equal((await get('198.51.100.7', undefined)).statusCode, 401, 'no credential: nothing to guess, plain 401');

  // Nobody else is locked out.
  t.equal((await get('198.51.100.8', TOKENS.sue)).statusCode, 200, 'another address: fine');
  t.equal((await get('198.51.100.8', wrong)).statusCode, 401, 'and its own failures are its own');

  // IPv6: one /64 is one source; the next /64 is another.
  for (let i = 0; i < LIMIT; i++) t.equal((await get(`2001:db8:0:0::${i + 1}`, wrong)).statusCode, 401);
  t.equal((await get('2001:db8::ffff', TOKENS.sue)).statusCode, 429, 'the same /64');
  t.equal((await get('::ffff:192.0.2.1', wrong)).statusCode, 401, 'the fifth failure of 192.0.2.1, from its IPv4-mapped form');
  t.equal((await get('192.0.2.1', TOKENS.sue)).statusCode, 429, 'counts for the IPv4 address');
  t.equal((await get('2001:db8:0:1::1', TOKENS.sue)).statusCode, 200, 'the next /64 is another source');

  // The window ends.
  await sleep(WINDOW_MS + 200);
  t.equal((await get('198.51.100.7', TOKENS.sue)).statusCode, 200, 'after the window, in again');
  t.equal((await get('2001:db8::1', TOKENS.sue)).statusCode, 200);
});
