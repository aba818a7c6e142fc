import { createHash } from 'node:crypto';
import type { RedisClient } from './client';
import { batched } from './batch';

/**
 * A Lua script run by EVALSHA, falling back to EVAL once when the server does not
 * have it cached (after a restart or SCRIPT FLUSH). Scripts are how every
 * check-then-set in the store stays atomic across app instances: Redis runs a script
 * to completion before any other command.
 */
export class Script {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  /** `run` in the current turn's batch (batch.ts): for the read path of every request. */
  async runBatched(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await batched(redis, (p) => p.evalsha(this.sha, keys.length, ...keys, ...args));
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    }
  }
}
