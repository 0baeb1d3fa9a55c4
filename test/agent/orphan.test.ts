import test from 'ava';
import { readdirSync } from 'node:fs';
import { EMPTY_CLUSTER_CONFIG } from '../../agent/src/config/model.js';
import { pollUntil } from '../harness/agent-processes.js';
import { activeNode, markerConfig, startMarkerRig } from '../harness/marker-resource.js';

// A resource removed from the configuration while it runs is stopped where it runs (an
// orphan, as Pacemaker says), with the definition the cluster state kept for it. Real agent
// processes on loopback; the resource is a marker file per node (ocf:test:marker).

test('a running resource removed from the configuration is stopped, and its definition forgotten', async (t) => {
  const { markers: dir, cluster } = await startMarkerRig(t, 'quorate-orphan-');
  const leader = await cluster.applyConfig(markerConfig(dir), 'with-web');
  const running = await activeNode(dir, 20_000);
  t.truthy(running, 'web started');

  await cluster.applyConfig(EMPTY_CLUSTER_CONFIG, 'without-web');
  const stopped = await pollUntil(20_000, 20, async () =>
    readdirSync(dir).length === 0 ? true : undefined,
  );
  t.truthy(stopped, `web stopped on ${running} after it left the configuration`);
  const forgotten = await pollUntil(10_000, 50, async () => {
    const doc = await cluster.agent(leader).state();
    return doc.orphans === undefined ? doc : undefined;
  });
  t.truthy(forgotten, 'the kept definition is dropped once web is stopped everywhere');
});
