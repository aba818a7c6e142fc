import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';

/**
 * Runs test files again with COACHLINE_TEST_REDIS=cluster: each starts its own
 * three-master Redis Cluster on loopback (test/helpers/redis.ts, startRedisCluster)
 * and talks to it through ioredis `Cluster` clients. Each file is a child process
 * whose TAP output becomes a subtest here, so a failure on the cluster fails `npm test`.
 */
export const ROOT = path.join(__dirname, '..', '..');

export function storeTestFiles(): string[] {
  const dir = path.join(ROOT, 'test', 'store');
  return readdirSync(dir)
    // The Sentinel test brings its own master and sentinel, two need no Redis, and the old layout never ran on a cluster: there they would only run twice.
    .filter((f) => f.endsWith('.test.ts') && !['sentinel.test.ts', 'keys.test.ts', 'client.test.ts', 'migrate.test.ts'].includes(f))
    .sort()
    .map((f) => path.join('test', 'store', f));
}

export async function runOnCluster(t: Test, files: readonly string[]): Promise<void> {
  // Two at a time: each file's cluster is three redis-servers, and the box is shared with the rest of the suite.
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const env: NodeJS.ProcessEnv = { ...process.env, COACHLINE_TEST_REDIS: 'cluster' };
      // The child is a plain node process printing TAP, not one of this run's tap children.
      for (const k of Object.keys(env)) if (k.startsWith('TAP') || k.startsWith('_TAPJS')) delete env[k];
      await t.spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env, timeout: 110_000 }, `${file} on a Redis Cluster`);
    }
  };
  await Promise.all([worker(), worker()]);
}
