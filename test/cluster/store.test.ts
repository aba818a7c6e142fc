import t from 'tap';
import { runOnCluster, storeTestFiles } from '../helpers/run-on-cluster';

/** Issue 13 item 5: the whole store suite (test/store) against a three-master Redis Cluster. */
// Each file starts a cluster of its own; on a loaded box the whole may take longer than tap's 120 s per file.
t.setTimeout(300_000);

t.test('the store tests on a Redis Cluster', async (t) => {
  const files = storeTestFiles();
  t.ok(files.length >= 5, `found the store tests: ${files.join(', ')}`);
  await runOnCluster(t, files);
});
