import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStateDoc } from '../../agent/src/state/cluster-state.js';
import { AgentCluster, pollUntil } from '../harness/agent-processes.js';
import { activeNode, markerConfig, TEST_OCF_ROOT } from '../harness/marker-resource.js';

// A resource agent installed on some nodes only (Pacemaker: a probe that finds the agent
// missing means "not running here, and cannot run here"). node1, the scheduler's first
// choice, has an OCF root without ocf:test:marker.

/** How many operations on `web` node `id` ran, from its log. */
function operationsIn(root: string, id: string): number {
  return readFileSync(join(root, `${id}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"resource operation"') && l.includes('"resource":"web"'))
    .length;
}

test('a node without the resource agent records it stopped and not runnable; it runs on a node that has the agent', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'quorate-noagent-'));
  const markers = join(scratch, 'markers');
  const emptyRoot = join(scratch, 'ocf');
  mkdirSync(markers);
  mkdirSync(join(emptyRoot, 'resource.d', 'test'), { recursive: true });
  const cluster = await AgentCluster.start(3, ['--ocf-root', TEST_OCF_ROOT], (id) =>
    id === 'node1' ? ['--ocf-root', emptyRoot] : [],
  );
  t.teardown(async () => {
    await cluster.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  await cluster.applyConfig(markerConfig(markers, { migrationThreshold: 3 }), 'test');

  const active = await activeNode(markers, 20_000);
  t.truthy(active, 'the resource started');
  t.not(active, 'node1');

  // node1's probe is recorded: stopped, not installed, no failure.
  const node1 = cluster.agent('node1');
  const settled = await pollUntil(10_000, 50, async () => {
    const doc = await node1.state();
    const rec = doc.resources['web@node1'];
    return rec?.state === 'stopped' &&
      rec.runnable === false &&
      doc.resources[`web@${active}`]?.state === 'started'
      ? doc
      : undefined;
  });
  t.truthy(settled, 'node1 records web stopped and not installed');

  // For two seconds (four monitor intervals) nothing changes: no failure counted anywhere, no
  // stop tried on node1, the resource stays where it is. (A watch over a window, not a wait
  // for something to happen.)
  const opsBefore = operationsIn(cluster.root, 'node1');
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const doc: ClusterStateDoc = await node1.state();
    for (const [key, rec] of Object.entries(doc.resources))
      if (rec.failCount !== 0 || rec.state === 'failed' || rec.state === 'stop-failed')
        t.fail(`${key}: ${rec.state}, ${rec.failCount} failures (${rec.reason})`);
    t.is(doc.placement['web']?.node, active!);
    t.deepEqual(readdirSync(markers), [active]);
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(operationsIn(cluster.root, 'node1'), opsBefore, 'no further operation on node1');
  t.true(opsBefore <= 1, `node1 ran only its probe (${opsBefore} operations)`);

  // The resource moves when its node goes, but never to node1.
  const owner = cluster.agent(active!);
  await owner.kill('SIGKILL');
  owner.killGuard();
  rmSync(join(markers, active!), { force: true });
  const next = await activeNode(markers, 20_000);
  t.truthy(next, 'moved to the other node with the agent');
  t.not(next, 'node1');
});
