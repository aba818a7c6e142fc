import t from 'tap';
import { batched } from '../../src/store/batch';
import { Script } from '../../src/store/script';
import { startRedis } from '../helpers/redis';

/**
 * The read path's batches (src/store/batch.ts): what is asked for in one turn of the
 * event loop goes out as one pipeline, each caller gets its own reply or error, and a
 * script Redis does not have cached is still run.
 */
t.test('batched reads', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  // One hash tag: the MGET below is one slot on a cluster too.
  const [k1, k2, none] = ['{b}:1', '{b}:2', '{b}:none'];
  await redis.mset(k1, 'one', k2, 'two');
  // On a cluster each command is its own pipeline (a pipeline must keep to one node's slots).
  const perTurn = server.kind === 'cluster' ? 4 : 1;
  let pipelines = 0;
  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = ((...a: Parameters<typeof redis.pipeline>) => ((pipelines += 1), pipeline(...a))) as typeof redis.pipeline;

  const echo = new Script('batch_test_echo', `return {KEYS[1], ARGV[1], redis.call('GET', KEYS[1])}`);
  const [a, b, c, bad] = await Promise.allSettled([
    batched(redis, (p) => p.get(k1)),
    batched(redis, (p) => p.mget(k1, k2, none)),
    echo.runBatched(redis, [k2], ['x']),
    batched(redis, (p) => p.incr(k1)),
  ]);
  t.same(a, { status: 'fulfilled', value: 'one' });
  t.same(b, { status: 'fulfilled', value: ['one', 'two', null] });
  t.same(c, { status: 'fulfilled', value: [k2, 'x', 'two'] }, 'a script Redis had not seen: run all the same');
  t.equal(bad.status, 'rejected', 'an error is its own command’s');
  t.match((bad as PromiseRejectedResult).reason, { message: /not an integer/ });
  t.equal(pipelines, perTurn, server.kind === 'cluster' ? 'four commands of one turn: one pipeline each' : 'four commands of one turn: one pipeline');

  t.same(await echo.runBatched(redis, [k1], ['y']), [k1, 'y', 'one'], 'by its sha once cached');
  t.equal(pipelines, perTurn + 1, 'a later turn: its own batch');

  await server.crash();
  await t.rejects(batched(redis, (p) => p.get(k1)), 'with Redis gone, the caller hears of it');
  t.equal(pipelines, perTurn + 2);
});
