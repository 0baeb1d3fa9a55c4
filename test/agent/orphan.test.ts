import test from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  type ClusterConfig,
} from '../../agent/src/config/model.js';
import { AgentCluster, pollUntil } from '../harness/agent-processes.js';

// A resource removed from the configuration while it runs is stopped where it runs (an
// orphan, as Pacemaker says), with the definition the cluster state kept for it. Real agent
// processes on loopback; the resource is a marker file per node (ocf:test:marker).

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
        meta: { ...DEFAULT_RESOURCE_META },
      },
    ],
  };
}

test('a running resource removed from the configuration is stopped, and its definition forgotten', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quorate-orphan-'));
  const cluster = await AgentCluster.start(3, ['--ocf-root', resolve('test/agent/ocf')]);
  t.teardown(async () => {
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const { leader } = await cluster.waitForLeader();
  const apply = (config: ClusterConfig, fingerprint: string) =>
    cluster.agent(leader).request({
      op: 'propose',
      command: { type: 'apply-config', config, fingerprint, atMs: Date.now() },
    });
  await apply(markerConfig(dir), 'with-web');
  const running = await pollUntil(20_000, 20, async () =>
    readdirSync(dir).length === 1 ? readdirSync(dir)[0] : undefined,
  );
  t.truthy(running, 'web started');

  await apply(EMPTY_CLUSTER_CONFIG, 'without-web');
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
