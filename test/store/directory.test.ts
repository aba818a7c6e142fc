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
  t.equal(await d.createUser(user('sue', { sip: { username: 'sue-phone', realm: 'r', ha1: 'h' } }), 'available'), true);
  t.equal(await d.createUser(user('sue'), 'available'), false, 'create is create-if-absent');
  t.equal(await d.isBootstrapped(), true, 'a directory with users counts as bootstrapped');
  t.equal(await d.userIdByTokenHash(user('sue').tokenSha256[0]!), 'sue');
  t.equal((await d.userBySipUsername('sue-phone'))?.id, 'sue');
  t.same(await store.presence.get('sue'), { status: 'available' });

  // Replacing moves the indexes: old token and SIP username stop working.
  const prev = (await d.getUser('sue'))!;
  const next = user('sue', { tokenSha256: ['f'.repeat(64)], sip: { username: 'sue-new', realm: 'r', ha1: 'h2' } });
  await d.replaceUser(next, prev);
  t.equal(await d.userIdByTokenHash(prev.tokenSha256[0]!), undefined);
  t.equal(await d.userIdByTokenHash('f'.repeat(64)), 'sue');
  t.equal(await d.userBySipUsername('sue-phone'), undefined);
  t.equal((await d.userBySipUsername('sue-new'))?.sip?.ha1, 'h2');

  t.same(await d.conflicts(user('eve', { tokenSha256: ['f'.repeat(64)] })), { tokens: ['f'.repeat(64)] });
  t.same(await d.conflicts(user('eve', { sip: { username: 'sue-new', realm: 'r', ha1: 'x' } })), { tokens: [], sipUsername: 'sue-new' });
  t.same(await d.conflicts(next), { tokens: [] }, 'own credentials are no conflict');

  await d.createUser(user('ana', { role: 'agent' }), 'available');
  t.equal(await d.createNumber({ e164: '+1', name: 'one', distribution: ['ana', 'sue'], emergency: false, supervisable: true }), true);
  t.equal(await d.createNumber({ e164: '+1', name: 'dup', distribution: [], emergency: false, supervisable: true }), false);
  t.same((await d.listNumbers()).map((n) => n.e164), ['+1']);
  t.same((await d.listUsers()).map((u) => u.id), ['ana', 'sue']);

  await d.deleteUser(next);
  t.equal(await d.getUser('sue'), undefined);
  t.equal(await d.userIdByTokenHash('f'.repeat(64)), undefined);
  t.equal(await d.userBySipUsername('sue-new'), undefined);
  t.same((await d.getNumber('+1'))?.distribution, ['ana'], 'taken out of distributions');
  t.same(await store.presence.get('sue'), { status: 'unavailable' }, 'presence gone');

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
