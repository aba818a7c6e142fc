import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, TOKENS } from '../helpers/world';

/** RFC 7235: the auth scheme is case-insensitive, and one or more spaces may separate it from the token. */
t.test('the Bearer scheme, however it is spelled', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const status = async (authorization: string): Promise<number> => (await w.app.inject({ method: 'GET', url: '/v1/users/sue', headers: { authorization } })).statusCode;
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) t.equal(await status(`${scheme} ${TOKENS.sue}`), 200, scheme);
  t.equal(await status(`Bearer  ${TOKENS.sue}`), 200, 'two spaces');
  for (const bad of ['Basic c3VlOnB3', 'Bearer', 'Bearer ', `Bearer${TOKENS.sue}`, `Token ${TOKENS.sue}`, `Bearer ${TOKENS.sue} extra`]) {
    t.equal(await status(bad), 401, JSON.stringify(bad));
  }
});
