import t from 'tap';
import { createStore, StoredUser } from '../../src/store';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

const user = (id: string, over: Partial<StoredUser> = {}): StoredUser => ({
  id,
  name: id,
  role: 'supervisor',
  permissions: ['monitor'],
  tokenSha256: [`${id.padEnd(8, '0')}`.repeat(8).slice(0, 64)],
  ...over,
});

t.test('directory store', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const store = createStore(redis, testConfig());
  const d = store.directory;

  t.equal(await d.isBootstrapped(), false);
  t.equal(await d.createUser(user('sue', { sip: { username: 'sue-phone', realm: 'r', ha1: 'h' } }), 'available'), 'ok');
  t.equal(await d.createUser(user('sue'), 'available'), 'user_exists', 'create is create-if-absent');
  t.equal(await d.createUser(user('eve', { tokenSha256: user('sue').tokenSha256 }), 'available'), 'token_in_use', 'a token belongs to one user');
  t.equal(await d.createUser(user('eve', { sip: { username: 'sue-phone', realm: 'r', ha1: 'x' } }), 'available'), 'sip_username_in_use');
  t.equal(await d.getUser('eve'), undefined, 'refused creates write nothing');
  t.equal(await d.isBootstrapped(), true, 'a directory with users counts as bootstrapped');
  t.equal(await d.userIdByTokenHash(user('sue').tokenSha256[0]!), 'sue');
  t.equal((await d.userBySipUsername('sue-phone'))?.id, 'sue');
  t.same(await store.presence.get('sue'), { status: 'available' });

  // Replacing moves the indexes: old token and SIP username stop working.
  const prev = (await d.getUser('sue'))!;
  const next = user('sue', { tokenSha256: ['f'.repeat(64)], sip: { username: 'sue-new', realm: 'r', ha1: 'h2' } });
  t.same(await d.replaceUser('sue', (cur) => (t.same(cur, prev), next)), { result: 'ok', user: next });
  t.same(await d.replaceUser('nobody', () => next), { result: 'user_not_found' });
  t.equal(await d.userIdByTokenHash(prev.tokenSha256[0]!), undefined);
  t.equal(await d.userIdByTokenHash('f'.repeat(64)), 'sue');
  t.equal(await d.userBySipUsername('sue-phone'), undefined);
  t.equal((await d.userBySipUsername('sue-new'))?.sip?.ha1, 'h2');

  t.equal(await d.createUser(user('eve', { tokenSha256: ['f'.repeat(64)] }), 'available'), 'token_in_use', 'the moved token is taken');
  t.equal(await d.createUser(user('eve', { sip: { username: 'sue-new', realm: 'r', ha1: 'x' } }), 'available'), 'sip_username_in_use');
  t.same((await d.replaceUser('sue', () => next)).result, 'ok', 'own credentials are no conflict');

  await d.createUser(user('ana', { role: 'agent' }), 'available');
  t.equal(await d.createNumber({ e164: '+1', name: 'one', distribution: ['ana', 'sue'], emergency: false, supervisable: true }), true);
  t.equal(await d.createNumber({ e164: '+1', name: 'dup', distribution: [], emergency: false, supervisable: true }), false);
  t.same((await d.listNumbers()).map((n) => n.e164), ['+1']);
  t.same((await d.listUsers()).map((u) => u.id), ['ana', 'sue']);

  t.same(await d.deleteUser('sue'), { result: 'ok', user: next });
  t.same(await d.deleteUser('sue'), { result: 'user_not_found' });
  t.equal(await d.getUser('sue'), undefined);
  t.equal(await d.userIdByTokenHash('f'.repeat(64)), undefined);
  t.equal(await d.userBySipUsername('sue-new'), undefined);
  t.same((await d.getNumber('+1'))?.distribution, ['ana'], 'taken out of distributions');
  t.same(await store.presence.get('sue'), { status: 'unavailable' }, 'presence gone');

  t.test('the last admin can be neither deleted nor demoted', async (t) => {
    const admin = (id: string): StoredUser => user(id, { role: 'admin', tokenSha256: [id.padEnd(64, 'a')] });
    t.equal(await d.createUser(admin('adm1'), 'available'), 'ok');
    t.equal(await d.createUser(admin('adm2'), 'available'), 'ok');
    t.same(await d.deleteUser('adm1'), { result: 'ok', user: admin('adm1') }, 'one of two admins may go');
    t.same((await d.deleteUser('adm2')).result, 'last_admin');
    t.same((await d.replaceUser('adm2', (u) => ({ ...u, role: 'supervisor' }))).result, 'last_admin');
    t.same((await d.replaceUser('adm2', (u) => ({ ...u, name: 'renamed' }))).result, 'ok', 'an admin staying admin is fine');
    t.equal((await d.getUser('adm2'))?.role, 'admin');
  });

  t.test('a directory from before the admin index gets it at start', async (t) => {
    await redis.del(store.keys.admins());
    t.same((await d.deleteUser('adm2')).result, 'ok', 'without an index nothing is known (so start-up seeds it)');
    t.equal(await d.createUser(user('adm3', { role: 'admin', tokenSha256: ['3'.repeat(64)] }), 'available'), 'ok');
    await redis.del(store.keys.admins());
    await d.seedAdminIndex();
    t.same(await redis.smembers(store.keys.admins()), ['adm3']);
    t.same((await d.deleteUser('adm3')).result, 'last_admin');
  });

  await d.deleteNumber('+1');
  t.equal(await d.getNumber('+1'), undefined);
  t.same(await d.listNumbers(), []);

  t.test('SIP adapter ports on the store', async (t) => {
    await d.createUser(user('reg', { role: 'agent', sip: { username: 'reg-phone', realm: 'pbx', ha1: 'abc' } }), 'busy');
    t.same(await store.sipDirectory.credentials('reg-phone'), { userId: 'reg', ha1: 'abc' });
    t.equal(await store.sipDirectory.credentials('nobody'), undefined);
    t.equal(await store.sipDirectory.status('reg'), 'busy');
    t.equal((await store.sipDirectory.userBySipUsername('reg-phone'))?.id, 'reg');
    t.notOk('tokenSha256' in ((await store.sipDirectory.user('reg')) ?? {}), 'no secrets in the domain user');
    const now = Date.now();
    await store.registrations.save({ userId: 'reg', contact: 'sip:a@1', source: '1.1.1.1', expiresAt: now + 60_000 });
    await store.registrations.save({ userId: 'reg', contact: 'sip:b@2', source: '2.2.2.2', expiresAt: now + 120_000 });
    await store.registrations.save({ userId: 'reg', contact: 'sip:old@3', source: '3.3.3.3', expiresAt: now - 1 });
    t.same((await store.registrations.contacts('reg')).map((r) => r.contact), ['sip:b@2', 'sip:a@1'], 'newest first, expired dropped');
    const pttl = await redis.pttl(store.keys.registrations('reg'));
    t.ok(pttl > 110_000, 'hash lives as long as its latest contact');
    await store.registrations.remove('reg', 'sip:b@2');
    t.same((await store.registrations.contacts('reg')).map((r) => r.contact), ['sip:a@1']);
    await store.registrations.remove('reg');
    t.same(await store.registrations.contacts('reg'), []);
  });
});
