import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, activeCall, auth, SALES, TOKENS } from '../helpers/world';
import { endCall } from '../../src/domain';
import { toDomainUser } from '../../src/app';

/**
 * The call list and a call's timeline come in pages: `limit` and the `next` cursor.
 * Walking the pages gives every entry once, in order, also while calls start and end
 * between pages; filters and visibility page the same way; a bad cursor or limit is a
 * 400 with a code. Without parameters the answer keeps its shape (`calls`, `events`).
 */
type Who = keyof typeof TOKENS;

t.test('paging', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  const get = async (url: string, who: Who = 'sue') => {
    const r = await w.app.inject({ method: 'GET', url, headers: auth(who) });
    return { status: r.statusCode, body: r.json() };
  };

  t.test('the call list', async (t) => {
    const id = (i: number): string => `call-${i.toString().padStart(3, '0')}`;
    for (let i = 0; i < 25; i++) await w.service.callChanged(activeCall(id(i), SALES, `agent-${i}`), { type: 'call_answered' });
    const all = await get('/v1/calls');
    t.equal(all.status, 200);
    t.same(all.body.calls.map((c: { id: string }) => c.id), Array.from({ length: 25 }, (_, i) => id(i)), 'default page: all 25, by id');
    t.notOk('next' in all.body, 'no next on the last page');

    const walk = async (first: string, between?: (page: number) => Promise<void>): Promise<string[][]> => {
      const pages: string[][] = [];
      let url: string | undefined = first;
      while (url) {
        const r = await get(url);
        t.equal(r.status, 200);
        pages.push(r.body.calls.map((c: { id: string }) => c.id));
        url = r.body.next ? `${first}${first.includes('?') ? '&' : '?'}cursor=${r.body.next}` : undefined;
        await between?.(pages.length);
      }
      return pages;
    };
    const pages = await walk('/v1/calls?limit=10');
    t.same(pages.map((p) => p.length), [10, 10, 5]);
    t.same(pages.flat(), all.body.calls.map((c: { id: string }) => c.id));

    // Calls end and start while a client walks: every call live for the whole walk is seen once.
    const churn = await walk('/v1/calls?limit=7', async (page) => {
      await w.service.callChanged(endCall(activeCall(id(page * 3), SALES, `agent-${page * 3}`)), { type: 'call_ended' });
      await w.service.callChanged(activeCall(`call-${page}-new`, SALES, `agent-new-${page}`), { type: 'call_answered' });
    });
    const seen = churn.flat();
    t.equal(new Set(seen).size, seen.length, 'no call twice');
    const ended = new Set([3, 6, 9, 12].map(id));
    const steady = Array.from({ length: 25 }, (_, i) => id(i)).filter((x) => !ended.has(x));
    t.ok(steady.every((x) => seen.includes(x)), 'every call live throughout is on a page');
    t.same(seen, [...seen].sort(), 'in id order');

    const byNumber = await walk(`/v1/calls?number=${encodeURIComponent(SALES)}&limit=8`);
    t.ok(byNumber.every((p) => p.length <= 8));
    t.same(byNumber.flat(), (await get('/v1/calls?limit=500')).body.calls.map((c: { id: string }) => c.id), 'a filter pages the same way');

    for (const [q, code] of [
      ['limit=0', 'bad_request'], ['limit=501', 'bad_request'], ['limit=ten', 'bad_request'], ['limit=-1', 'bad_request'],
      ['cursor=not-a-cursor', 'bad_cursor'], ['cursor=' + Buffer.from('timeline:3').toString('base64url'), 'bad_cursor'], ['cursor=a%2Fb', 'bad_request'],
    ] as const) {
      const r = await get(`/v1/calls?${q}`);
      t.same([r.status, r.body.error?.code], [400, code], q);
    }
  });

  t.test('a timeline', async (t) => {
    // A number whose distribution is ana and sue: rem sees the call, not who supervises it.
    const created = await w.app.inject({ method: 'POST', url: '/v1/numbers', headers: auth('root'), payload: { e164: '+34910000003', name: 'Support', distribution: ['ana', 'sue'] } });
    t.equal(created.statusCode, 201);
    await w.app.inject({ method: 'PUT', url: '/v1/users/rem/status', headers: auth('root'), payload: { status: 'available' } });
    await w.service.callChanged(activeCall('tl', '+34910000003', 'ana'), { type: 'call_answered' });
    const sue = toDomainUser((await w.store.directory.getUser('sue'))!);
    for (let i = 0; i < 12; i++) {
      const s = await w.service.startSupervision(sue, 'tl', { target: 'A', mode: 'monitor' });
      await w.service.stopSupervision(sue, s.id);
    }
    const full = await get('/v1/calls/tl/timeline');
    t.equal(full.status, 200);
    t.equal(full.body.callId, 'tl');
    t.equal(full.body.events.length, 25, 'default: the whole short timeline, as before');
    t.notOk('next' in full.body);

    const walk = async (who: Who, limit: number): Promise<{ seqs: number[]; pages: number }> => {
      const seqs: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await get(`/v1/calls/tl/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, who);
        t.equal(r.status, 200);
        t.ok(r.body.events.length <= limit);
        seqs.push(...r.body.events.map((e: { seq: number }) => e.seq));
        cursor = r.body.next;
        pages++;
      } while (cursor);
      return { seqs, pages };
    };
    const bySue = await walk('sue', 4);
    t.same(bySue.seqs, full.body.events.map((e: { seq: number }) => e.seq), 'pages of 4 add up to the whole');
    t.equal(bySue.pages, 7);
    const byRem = await walk('rem', 4);
    t.same(byRem.seqs, [1], 'hidden entries are skipped, not counted: rem sees only the call event');
    const remFull = await get('/v1/calls/tl/timeline', 'rem');
    t.same(remFull.body.events.map((e: { type: string }) => e.type), ['call_answered']);

    for (const [q, code] of [
      ['limit=0', 'bad_request'], ['limit=1001', 'bad_request'], ['cursor=' + Buffer.from('calls:call-001').toString('base64url'), 'bad_cursor'],
      ['cursor=' + Buffer.from('timeline:abc').toString('base64url'), 'bad_cursor'], ['page=2', 'bad_request'],
    ] as const) {
      const r = await get(`/v1/calls/tl/timeline?${q}`);
      t.same([r.status, r.body.error?.code], [400, code], q);
    }
  });

  t.test('the contract documents both', async (t) => {
    const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/calls', '/v1/calls/{id}/timeline']) {
      const op = doc.paths[path].get;
      const names = op.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
      t.ok(names.includes('limit') && names.includes('cursor'), `${path}: limit and cursor`);
      const schema = op.responses['200'].content['application/json'].schema;
      t.ok(schema.properties.next, `${path}: next`);
    }
  });
});
