import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client';

/**
 * Reads on the path every API request takes go out in batches: all those asked for
 * during one turn of the event loop (the bearer lookup of each request that arrived in
 * it, each one's page of the call list, the numbers, sessions and names of those
 * pages) are sent as one pipeline, one socket write and one read for all of them,
 * after that turn's I/O callbacks have run. On this machine (2 vCPUs, loopback) a
 * socket write to Redis cost the app ~130 µs of CPU under load, more than building
 * and serializing a page of 50 calls from memoized views; with 8 clients listing,
 * batching took the writes per listing from 2.7 to about 1.
 *
 * Only single commands whose order against other commands does not matter are
 * batched: each is one command (a script is atomic), and its caller awaits it before
 * acting on the answer, so it still sees every write acknowledged before it asked.
 * ioredis's autopipelining does this for every command of a client, but it would also
 * reorder plain commands against the MULTI blocks it never pipelines.
 *
 * On a Redis Cluster a pipeline must keep to the slots of one node, and a batch mixes
 * the {dir}, {calls} and untagged keys of many requests: there each command goes out
 * as its own one-command pipeline (ioredis routes each to its slot's node).
 */
interface Queued {
  add(p: ChainableCommander): void;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const pending = new WeakMap<RedisClient, Queued[]>();

/** `add` puts one command on the batch's pipeline; resolves with its reply (rejects with its error). */
export function batched(redis: RedisClient, add: (p: ChainableCommander) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let queue = pending.get(redis);
    if (!queue) {
      queue = [];
      pending.set(redis, queue);
      setImmediate(flush, redis, queue);
    }
    queue.push({ add, resolve, reject });
  });
}

function flush(redis: RedisClient, queue: Queued[]): void {
  pending.delete(redis);
  if (isCluster(redis)) {
    for (const q of queue) send(redis, [q]);
    return;
  }
  send(redis, queue);
}

function send(redis: RedisClient, queue: Queued[]): void {
  const p = redis.pipeline();
  for (const q of queue) q.add(p);
  p.exec().then(
    (results) => {
      queue.forEach((q, i) => {
        const [err, value] = results?.[i] ?? [new Error('no reply in the batch'), undefined];
        if (err) q.reject(err);
        else q.resolve(value);
      });
    },
    (err: unknown) => {
      for (const q of queue) q.reject(err);
    },
  );
}
