import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  type ClusterConfig,
  type ResourceMeta,
} from '../../agent/src/config/model.js';
import { AgentCluster, pollUntil } from './agent-processes.js';

// The marker resource of the loopback tests: test agent ocf:test:marker (test/agent/ocf/) is
// "active on node N" while the file <dir>/N exists, so a test sees at any instant on how many
// nodes a resource is active, by listing one directory.

/**
 * The OCF root holding ocf:test:marker: give it to every agent (`--ocf-root`). Resolved from
 * the project root, where the tests run.
 */
export const TEST_OCF_ROOT = resolve('test/agent/ocf');

/**
 * A configuration of one resource, `web`, of ocf:test:marker leaving its files in `dir`: 10 s
 * operation timeouts, a monitor every 500 ms, and the default resource meta with `meta` over
 * it (a test that depends on a meta value says so here, not through the defaults).
 */
export function markerConfig(dir: string, meta: Partial<ResourceMeta> = {}): ClusterConfig {
  const op = { timeoutMs: 10_000, intervalMs: 0 };
  return {
    ...EMPTY_CLUSTER_CONFIG,
    resources: [
      {
        id: 'web',
        agent: { class: 'ocf', provider: 'test', type: 'marker' },
        params: { dir },
        operations: { start: op, stop: op, monitor: { timeoutMs: 10_000, intervalMs: 500 } },
        meta: { ...DEFAULT_RESOURCE_META, ...meta },
      },
    ],
  };
}

/** A running count of the marker files in a directory (see {@link watchExclusivity}). */
export interface ExclusivityWatch {
  /** The most marker files seen at once so far: 1 means never active on two nodes at once. */
  maxActive: () => number;
  /** Stop counting (also in a teardown: the timer would keep the test process alive). */
  stop: () => void;
}

/**
 * Count the marker files in `dir` every 5 ms until `stop()`, remembering the most seen at
 * once: "never active on two nodes at once" checked directly for the whole test, not inferred
 * from the cluster's own view.
 */
export function watchExclusivity(dir: string): ExclusivityWatch {
  let max = 0;
  const timer = setInterval(() => {
    max = Math.max(max, readdirSync(dir).length);
  }, 5);
  return { maxActive: () => max, stop: () => clearInterval(timer) };
}

/**
 * The node a marker resource is active on, once exactly one marker file other than `not`
 * is in `dir` (a marker `not` left behind, say by a killed host, is ignored). Polls every
 * `intervalMs`, at most `timeoutMs`; undefined on time-out.
 */
export function activeNode(
  dir: string,
  timeoutMs: number,
  not?: string,
  intervalMs = 20,
): Promise<string | undefined> {
  return pollUntil(timeoutMs, intervalMs, async () => {
    const files = readdirSync(dir).filter((f) => f !== not);
    return files.length === 1 ? files[0] : undefined;
  });
}

/** What {@link startMarkerRig} sets up. */
export interface MarkerRig {
  /** A scratch directory of the test's own (removed with the rig). */
  scratch: string;
  /** Where the marker resources leave their files: `<scratch>/markers`. */
  markers: string;
  cluster: AgentCluster;
  /** The exclusivity watch on `markers`, running from the start. */
  watch: ExclusivityWatch;
}

/**
 * Three agents on loopback that can run ocf:test:marker (`extraArgs` go to every agent, after
 * `--ocf-root`), a scratch directory named after `prefix` holding the marker directory, and
 * the exclusivity watch on it. No configuration is applied yet. The test's teardown stops the
 * watch, destroys the cluster and removes the scratch directory, even when the test fails.
 */
export async function startMarkerRig(
  t: { teardown: (fn: () => Promise<void>) => void },
  prefix: string,
  extraArgs: string[] = [],
): Promise<MarkerRig> {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const markers = join(scratch, 'markers');
  mkdirSync(markers);
  let cluster: AgentCluster;
  try {
    cluster = await AgentCluster.start(3, ['--ocf-root', TEST_OCF_ROOT, ...extraArgs]);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const watch = watchExclusivity(markers);
  t.teardown(async () => {
    watch.stop();
    await cluster.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });
  return { scratch, markers, cluster, watch };
}
