import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, auth } from '../helpers/world';

/**
 * Uniqueness of credentials under concurrency: a token or a SIP username belongs to
 * one user. Twenty admins' requests at once that claim the same one give exactly one
 * user; the others get 409 with the code, and the index names the winner.
 */
const N = 20;

t.test('concurrent creates and replaces that claim one credential', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const post = (payload: object) => w.app.inject({ method: 'POST', url: '/v1/users', headers: auth('root'), payload });
  const codes = (rs: { statusCode: number; json(): { error?: { code: string } } }[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of rs) {
      const k = `${r.statusCode} ${r.statusCode < 300 ? 'ok' : r.json().error?.code}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  };
  const ids = async (): Promise<string[]> => (await w.store.directory.listUsers()).map((u) => u.id);
  const before = await ids();

  for (let round = 0; round < 3; round++) {
    const token = `shared-token-${round}-0123456789abcdef`;
    const rs = await Promise.all(Array.from({ length: N }, (_, i) => post({ id: `tok${round}-${i}`, name: 'T', role: 'agent', tokens: [token] })));
    t.same(codes(rs), { '201 ok': 1, [`409 token_in_use`]: N - 1 }, `round ${round}: one user gets the token`);
    const winner = rs.findIndex((r) => r.statusCode === 201);
    const who = await w.app.inject({ method: 'GET', url: `/v1/users/tok${round}-${winner}`, headers: { authorization: `Bearer ${token}` } });
    t.equal(who.statusCode, 200, 'the token authenticates as the winner');
    t.equal((await ids()).filter((id) => id.startsWith(`tok${round}-`)).length, 1, 'and only the winner exists');
  }

  for (let round = 0; round < 3; round++) {
    const rs = await Promise.all(Array.from({ length: N }, (_, i) => post({ id: `sip${round}-${i}`, name: 'S', role: 'agent', sip: { username: `phone-${round}`, password: 'longenough' } })));
    t.same(codes(rs), { '201 ok': 1, '409 sip_username_in_use': N - 1 }, `round ${round}: one user gets the SIP username`);
    const winner = rs.findIndex((r) => r.statusCode === 201);
    t.equal((await w.store.directory.userBySipUsername(`phone-${round}`))?.id, `sip${round}-${winner}`);
    t.equal((await ids()).filter((id) => id.startsWith(`sip${round}-`)).length, 1);
  }

  const rs = await Promise.all(Array.from({ length: N }, (_, i) => post({ id: 'same-id', name: `N${i}`, role: 'agent', tokens: [`own-token-${i}-0123456789abcdef`] })));
  t.same(codes(rs), { '201 ok': 1, '409 user_exists': N - 1 }, 'one create per id');
  const kept = (await w.store.directory.getUser('same-id'))!;
  const stray = await Promise.all(Array.from({ length: N }, (_, i) => w.app.inject({ method: 'GET', url: '/v1/users/same-id', headers: { authorization: `Bearer own-token-${i}-0123456789abcdef` } })));
  t.equal(stray.filter((r) => r.statusCode === 200).length, 1, 'only the winner’s token works');
  t.equal(kept.tokenSha256.length, 1);

  // Replacing existing users: each PUT takes the same new token for a different user.
  const targets = Array.from({ length: N }, (_, i) => `put-${i}`);
  for (const id of targets) t.equal((await post({ id, name: id, role: 'agent' })).statusCode, 201);
  const put = await Promise.all(
    targets.map((id) => w.app.inject({ method: 'PUT', url: `/v1/users/${id}`, headers: auth('root'), payload: { name: id, role: 'agent', tokens: ['contested-put-token-0123456789'] } })),
  );
  t.same(codes(put), { '200 ok': 1, '409 token_in_use': N - 1 }, 'one replace wins the token');
  const holders = (await w.store.directory.listUsers()).filter((u) => u.tokenSha256.length > 0 && u.id.startsWith('put-'));
  t.equal(holders.length, 1, 'the losers were left unchanged');
  t.ok((await ids()).length >= before.length);

  // Two admins delete each other at once: one of them must remain.
  const adminToken = 'second-admin-token-0123456789';
  t.equal((await post({ id: 'root2', name: 'Admin 2', role: 'admin', tokens: [adminToken] })).statusCode, 201);
  const [a, b] = await Promise.all([
    w.app.inject({ method: 'DELETE', url: '/v1/users/root2', headers: auth('root') }),
    w.app.inject({ method: 'DELETE', url: '/v1/users/root', headers: { authorization: `Bearer ${adminToken}` } }),
  ]);
  t.same(codes([a!, b!]), { '204 ok': 1, '409 last_admin': 1 }, 'the last admin stays');
  t.equal((await w.store.directory.listUsers()).filter((u) => u.role === 'admin').length, 1);
});
