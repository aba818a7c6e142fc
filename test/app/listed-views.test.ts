import t from 'tap';
import { CallDecision, User } from '../../src/domain';
import type { CallView } from '../../src/contract';
import { createStore, CallRecord, Store } from '../../src/store';
import { LISTED_IDLE_MS, ListedViews, ListedInputs } from '../../src/app/listed-views';
import { NameCache } from '../../src/app/name-cache';
import { CallQueries } from '../../src/app/call-queries';
import { toDomainUser } from '../../src/app';
import { activeCall, SALES } from '../helpers/world';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

/**
 * The call list's memo of views (ListedViews) and the name cache's generation it keys
 * on: a kept view comes back only for the very inputs it was built from.
 */
const rec = (id = 'c1'): CallRecord => ({ call: activeCall(id, SALES, 'ana'), owner: 'i1', startedAt: 't0', updatedAt: 't0' });
const ALLOWED: CallDecision = { allowed: true };
const REFUSED: CallDecision = { allowed: false, code: 'not_in_distribution', message: 'you are not in the distribution of number +34910000001' };
const view = (id: string, tag: string): CallView => ({
  id, direction: 'inbound', number: SALES, numberName: tag, state: 'active', emergency: false, startedAt: 't0', participants: [], supervisable: true,
});

t.test('ListedViews: kept for the same inputs only', async (t) => {
  const memo = new ListedViews();
  const r = rec();
  const x: ListedInputs = { record: r, numberName: 'Sales', namesGeneration: 1, decision: ALLOWED };
  t.equal(memo.get(x), undefined, 'nothing kept yet');
  const kept = memo.keep(x, view('c1', 'a'));
  t.ok(Object.isFrozen(kept) && Object.isFrozen(kept.participants), 'kept views are deep-frozen');
  t.equal(memo.get({ ...x }), kept, 'the same inputs: the same view');
  t.equal(memo.get({ ...x, record: rec() }), undefined, 'another record object (a new version), even with equal content: not');
  t.equal(memo.get({ ...x, numberName: 'Sales desk' }), undefined, 'the number renamed: not');
  t.equal(memo.get({ ...x, numberName: undefined }), undefined, 'the number gone: not');
  t.equal(memo.get({ ...x, namesGeneration: 2 }), undefined, 'names changed: not');
  t.equal(memo.get({ ...x, decision: REFUSED }), undefined, 'another decision: not');
  t.equal(memo.get({ ...x, decision: { ...REFUSED, message: 'another message' } }), undefined);

  const refused = memo.keep({ ...x, decision: REFUSED }, view('c1', 'b'));
  t.equal(memo.get({ ...x, decision: { ...REFUSED } }), refused, 'one view per decision');
  t.equal(memo.get(x), kept, 'beside the first');

  const newer = rec();
  const fresh = memo.keep({ ...x, record: newer }, view('c1', 'c'));
  t.equal(memo.get({ ...x, record: newer }), fresh);
  t.equal(memo.get(x), undefined, 'a new version drops the views of the old one');
  t.equal(memo.get({ ...x, record: newer, decision: REFUSED }), undefined, 'all of them');
});

t.test('ListedViews: bounded', async (t) => {
  const memo = new ListedViews(2, 2);
  const [a, b, c] = [rec('a'), rec('b'), rec('c')];
  const at = (record: CallRecord, decision: CallDecision = ALLOWED): ListedInputs => ({ record, numberName: 'Sales', namesGeneration: 0, decision });
  memo.keep(at(a), view('a', '1'));
  memo.keep(at(b), view('b', '1'));
  memo.keep(at(c), view('c', '1'));
  t.equal(memo.get(at(a)), undefined, 'the oldest call made room');
  t.ok(memo.get(at(b)) && memo.get(at(c)));
  memo.keep(at(b, REFUSED), view('b', '2'));
  memo.keep(at(b, { ...REFUSED, code: 'own_call' }), view('b', '3'));
  t.equal(memo.get(at(b)), undefined, 'past the views per call they start over');
  t.ok(memo.get(at(b, { ...REFUSED, code: 'own_call' })));
});

t.test('ListedViews: the views of a call nobody lists any more go (issue 14)', async (t) => {
  let now = 0;
  const memo = new ListedViews(20_000, 16, () => now);
  const [a, b, c] = [rec('a'), rec('b'), rec('c')];
  const at = (record: CallRecord): ListedInputs => ({ record, numberName: 'Sales', namesGeneration: 0, decision: ALLOWED });
  memo.keep(at(a), view('a', '1'));
  memo.keep(at(b), view('b', '1'));
  now = LISTED_IDLE_MS / 2;
  t.ok(memo.get(at(b)), 'b is still listed');
  now = LISTED_IDLE_MS + 1;
  memo.keep(at(c), view('c', '1'));
  t.equal(memo.size, 2, 'a, listed last a minute ago (it ended), is gone');
  t.equal(memo.get(at(a)), undefined);
  t.ok(memo.get(at(b)) && memo.get(at(c)), 'the calls still listed keep theirs');
  now = 3 * LISTED_IDLE_MS;
  memo.sweep();
  t.equal(memo.size, 0, 'a listing with no calls left lets them all go');
});

t.test('NameCache: the generation changes exactly when what it holds does', async (t) => {
  let now = 0;
  const names = new Map<string, string>([['ana', 'Ana'], ['bob', 'Bob']]);
  let reads = 0;
  const store = {
    directory: {
      getUsers: async (ids: readonly string[]) => {
        reads += 1;
        return new Map(ids.flatMap((id) => (names.has(id) ? [[id, { id, name: names.get(id)! }] as const] : [])));
      },
    },
  } as unknown as Store;
  const cache = new NameCache(store, () => now, 1000, 3);
  const g0 = cache.generation;
  await cache.load(['ana', 'bob']);
  const g1 = cache.generation;
  t.not(g1, g0, 'names read for the first time');
  t.same(cache.snapshot(['ana', 'bob', 'cy']), new Map([['ana', 'Ana'], ['bob', 'Bob']]));
  await cache.load(['ana']);
  t.equal(reads, 1, 'cached');
  now = 1000;
  await cache.load(['ana', 'bob']);
  t.equal(reads, 2, 're-read once expired');
  t.equal(cache.generation, g1, 'the same names: the same generation');
  names.set('ana', 'Ana B.');
  now = 2000;
  await cache.load(['ana']);
  t.not(cache.generation, g1, 'a renamed user: a new generation');
  t.equal(cache.snapshot(['ana']).get('ana'), 'Ana B.');
  const g2 = cache.generation;
  await cache.load(['cy']);
  t.not(cache.generation, g2, 'an unknown user read for the first time (no name) changes it too');
  const g3 = cache.generation;
  names.delete('bob');
  now = 3000;
  await cache.load(['bob']);
  t.not(cache.generation, g3, 'a user gone');
  t.equal(cache.snapshot(['bob']).size, 0);
  const g4 = cache.generation;
  await cache.load(['dee', 'eve']);
  t.not(cache.generation, g4, 'emptied to make room');
  t.same([...cache.snapshot(['ana', 'bob', 'cy']).keys()], [], 'the old entries are gone');
});

t.test('CallQueries: a renamed agent shows under the new name once the name cache re-reads it', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const store = createStore(server.client(), testConfig());
  let now = Date.now();
  const queries = new CallQueries({ store, clock: { now: () => now } });
  await store.directory.importDirectory(
    {
      users: [
        { user: { id: 'ana', name: 'Ana', role: 'agent', permissions: [], tokenSha256: [] }, status: 'available' },
        { user: { id: 'sue', name: 'Sue', role: 'supervisor', permissions: ['monitor'], tokenSha256: [] }, status: 'available' },
      ],
      numbers: [{ e164: SALES, name: 'Sales', distribution: ['ana', 'sue'], emergency: false, supervisable: true }],
    },
    new Date(now).toISOString(),
  );
  await store.calls.save(rec(), undefined, now);
  const sue: User = toDomainUser((await store.directory.getUser('sue'))!);
  const agentName = async (): Promise<string | undefined> => (await queries.list(sue, {})).calls[0]?.participants.find((p) => p.role === 'agent')?.name;
  t.equal(await agentName(), 'Ana');
  const first = (await queries.list(sue, {})).calls[0];
  t.equal((await queries.list(sue, {})).calls[0], first, 'an unchanged call: the kept view');
  await store.directory.replaceUser('ana', (u) => ({ ...u, name: 'Ana B.' }));
  t.equal(await agentName(), 'Ana', 'within the name cache’s few seconds, the name it holds');
  now += 5000;
  t.equal(await agentName(), 'Ana B.', 'then the new one');
});
