import t from 'tap';
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { sendJsonPage } from '../../src/api/json-page';

/**
 * A listing's body (src/api/json-page.ts): each item through its schema (nothing outside
 * it leaves), a frozen item serialized once and its bytes reused, any other item
 * serialized on every request.
 */
t.test('json pages', async (t) => {
  const Item = Type.Object({ id: Type.String(), label: Type.String() });
  let items: object[] = [];
  let next: string | undefined;
  let serialized = 0;
  const app = Fastify();
  app.get('/page', async (_req, reply) => {
    const compile = reply.compileSerializationSchema.bind(reply);
    reply.compileSerializationSchema = ((schema: Record<string, unknown>) => {
      const f = compile(schema) as (x: unknown) => string;
      return (x: unknown) => ((serialized += 1), f(x));
    }) as typeof reply.compileSerializationSchema;
    return sendJsonPage(reply, 'items', items as never[], Item, next);
  });
  t.teardown(() => app.close());
  const get = async (): Promise<{ body: string; type: string | undefined }> => {
    const r = await app.inject({ method: 'GET', url: '/page' });
    t.equal(r.statusCode, 200);
    return { body: r.body, type: r.headers['content-type'] as string | undefined };
  };

  t.same(await get(), { body: '{"items":[]}', type: 'application/json; charset=utf-8' }, 'an empty page');

  const frozen = Object.freeze({ id: 'a', label: 'Ä "quoted"', secret: 'never sent' });
  const open = { id: 'b', label: 'open', secret: 'never sent' };
  items = [frozen, open];
  next = 'Y2FsbHM6Yg';
  const first = await get();
  t.same(JSON.parse(first.body), { items: [{ id: 'a', label: 'Ä "quoted"' }, { id: 'b', label: 'open' }], next: 'Y2FsbHM6Yg' }, 'through the schema, with next');
  t.equal(serialized, 2);

  open.label = 'changed';
  next = undefined;
  const second = await get();
  t.same(JSON.parse(second.body), { items: [{ id: 'a', label: 'Ä "quoted"' }, { id: 'b', label: 'changed' }] }, 'a change to an unfrozen item is sent');
  t.equal(serialized, 3, 'the frozen item was not serialized again');
  t.equal(Buffer.byteLength(second.body), second.body.length + 1, 'bytes, not characters: the body is UTF-8');
});
