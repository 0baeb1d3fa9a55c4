import test from 'ava';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil, type AgentProcess } from '../harness/agent-processes.js';
import { activeNode, markerConfig, startMarkerRig } from '../harness/marker-resource.js';

// The failover path with real agent processes on loopback: leases over gRPC, the leader's
// decisions through Raft, real OCF operations. The resource is a marker file per node (test
// agent ocf:test:marker), so at any instant we can count the nodes it is active on.

test('a resource runs on exactly one node, moves when that host dies, and restarts in place after a failure', async (t) => {
  const { markers: dir, cluster, watch } = await startMarkerRig(t, 'quorate-marker-');

  const leader = await cluster.applyConfig(markerConfig(dir, { migrationThreshold: 3 }), 'test');
  const first = await activeNode(dir, 20_000);
  t.truthy(first, 'the resource started somewhere');
  const owner: AgentProcess = cluster.agent(first!);

  // A failure: the resource dies under the agent's feet. The monitor notices, the node
  // restarts it in place, and the failure is counted.
  rmSync(join(dir, first!));
  const recovered = await pollUntil(20_000, 20, async () => {
    const doc = await owner.state();
    const rec = doc.resources[`web@${first}`];
    return rec !== undefined && rec.failCount >= 1 && rec.state === 'started' ? rec : undefined;
  });
  t.truthy(recovered, 'restarted in place with the failure counted');
  t.deepEqual(readdirSync(dir), [first]);

  // The host dies: agent and lease guard killed, and its resources die with it (the marker goes).
  const killedAt = performance.now();
  await owner.kill('SIGKILL');
  owner.killGuard();
  rmSync(join(dir, first!), { force: true });
  const second = await activeNode(dir, 30_000, first);
  const downtimeMs = performance.now() - killedAt;
  t.truthy(second, 'the resource came back on a surviving node');
  t.not(second, first);
  t.log(
    `host ${first} (${first === leader ? 'the Raft leader' : 'a follower'}) died; back on ${second} after ${downtimeMs.toFixed(0)} ms`,
  );

  watch.stop();
  t.is(watch.maxActive(), 1, 'never active on two nodes at once');
});
