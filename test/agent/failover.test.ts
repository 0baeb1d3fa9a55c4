import test from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  type ClusterConfig,
} from '../../agent/src/config/model.js';
import { AgentCluster, pollUntil, type AgentProcess } from '../harness/agent-processes.js';

// The failover path with real agent processes on loopback: leases over gRPC, the leader's
// decisions through Raft, real OCF operations. The resource is a marker file per node (test
// agent ocf:test:marker), so at any instant we can count the nodes it is active on.

function markerConfig(dir: string): ClusterConfig {
  const op = { timeoutMs: 10_000, intervalMs: 0 };
  return {
    ...EMPTY_CLUSTER_CONFIG,
    resources: [
      {
        id: 'web',
        agent: { class: 'ocf', provider: 'test', type: 'marker' },
        params: { dir },
        operations: { start: op, stop: op, monitor: { timeoutMs: 10_000, intervalMs: 500 } },
        meta: { ...DEFAULT_RESOURCE_META, migrationThreshold: 3 },
      },
    ],
  };
}

/** Count marker files every few ms for the whole test; remember the most seen at once. */
function watchExclusivity(dir: string): { maxActive: () => number; stop: () => void } {
  let max = 0;
  const timer = setInterval(() => {
    max = Math.max(max, readdirSync(dir).length);
  }, 5);
  return { maxActive: () => max, stop: () => clearInterval(timer) };
}

async function activeNode(
  dir: string,
  timeoutMs: number,
  not?: string,
): Promise<string | undefined> {
  return pollUntil(timeoutMs, 20, async () => {
    const files = readdirSync(dir).filter((f) => f !== not);
    return files.length === 1 ? files[0] : undefined;
  });
}

test('a resource runs on exactly one node, moves when that host dies, and restarts in place after a failure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quorate-marker-'));
  const cluster = await AgentCluster.start(3, ['--ocf-root', resolve('test/agent/ocf')]);
  const watch = watchExclusivity(dir);
  t.teardown(async () => {
    watch.stop();
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const { leader } = await cluster.waitForLeader();
  await cluster.agent(leader).request({
    op: 'propose',
    command: {
      type: 'apply-config',
      config: markerConfig(dir),
      fingerprint: 'test',
      atMs: Date.now(),
    },
  });
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
