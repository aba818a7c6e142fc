import t from 'tap';
import { runOnCluster } from '../helpers/run-on-cluster';

/**
 * Issue 13 item 5: API tests against a three-master Redis Cluster — the live event
 * stream across instances (pub/sub through the cluster), commands forwarded to the
 * owning instance (pub/sub with replies), and bearer authentication with its throttle
 * (the {dir} keys and the untagged rate-limit counters).
 */
// Each file starts a cluster of its own; on a loaded box the whole may take longer than tap's 120 s per file.
t.setTimeout(300_000);

t.test('API tests on a Redis Cluster', async (t) => {
  await runOnCluster(t, ['test/api/events.test.ts', 'test/api/forwarding.test.ts', 'test/api/auth-throttle.test.ts']);
});
