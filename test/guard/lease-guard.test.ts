import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentCluster, pollUntil, type AgentProcess } from '../harness/agent-processes.js';
import { markerConfig, startMarkerRig } from '../harness/marker-resource.js';

// The lease guard with real agent processes on loopback: what happens to a node's resources
// when its agent is killed, paused or stopped on purpose. The resource is a marker file per
// node (test agent ocf:test:marker), watched every 5 ms for the whole test, so "never active on
// two nodes at once" is checked directly, not inferred.

interface Fixture {
  dir: string;
  cluster: AgentCluster;
  owner: AgentProcess;
  maxActive: () => number;
}

/** Three agents running `web` on one of them, with the exclusivity watch already running. */
async function clusterRunningWeb(t: {
  teardown: (fn: () => Promise<void>) => void;
}): Promise<Fixture> {
  const { markers: dir, cluster, watch } = await startMarkerRig(t, 'quorate-guard-');
  await cluster.applyConfig(markerConfig(dir, { migrationThreshold: 3 }), 't');
  const first = await activeOn(dir, 20_000);
  if (first === undefined) throw new Error('web never started');
  return { dir, cluster, owner: cluster.agent(first), maxActive: watch.maxActive };
}

/**
 * The one node `web` is active on, once it is active on exactly one other than `not`: stricter
 * than the harness's activeNode, a marker left on `not` is waited out too (the guard's stop).
 */
function activeOn(dir: string, timeoutMs: number, not?: string): Promise<string | undefined> {
  return pollUntil(timeoutMs, 20, async () => {
    const files = readdirSync(dir);
    return files.length === 1 && files[0] !== not ? files[0] : undefined;
  });
}

test.serial(
  'kill -9 of the agent alone: its guard stops the resource before the lease ends, and it moves',
  async (t) => {
    const f = await clusterRunningWeb(t);
    await f.owner.kill('SIGKILL'); // the guard lives on; the marker is left behind
    t.true(existsSync(join(f.dir, f.owner.id)), 'the resource outlived its agent');
    const moved = await activeOn(f.dir, 30_000, f.owner.id);
    t.truthy(moved, 'the resource runs on a surviving node');
    t.false(existsSync(join(f.dir, f.owner.id)), 'and no longer where the agent died');
    t.is(f.maxActive(), 1, 'never active on two nodes at once');
    // Nothing left to guard and no agent: the guard exits on its own.
    const pidFile = join(f.owner.dataDir, 'guard.pid');
    t.truthy(
      await pollUntil(30_000, 100, async () => (existsSync(pidFile) ? undefined : true)),
      'the idle guard exited',
    );
  },
);

test.serial(
  'SIGSTOP of the agent: the guard stops the resource; after SIGCONT the node rejoins without a second copy',
  async (t) => {
    const f = await clusterRunningWeb(t);
    f.owner.signal('SIGSTOP');
    const moved = await activeOn(f.dir, 30_000, f.owner.id);
    t.truthy(moved, 'the resource runs on another node while the agent is paused');
    f.owner.signal('SIGCONT');
    // The resumed agent finds its lease over, renews, catches up, and leaves `web` where it is.
    const settled = await pollUntil(20_000, 50, async () => {
      const doc = await f.owner.state();
      const rec = doc.resources[`web@${f.owner.id}`];
      return rec?.state === 'stopped' ? rec : undefined;
    });
    t.truthy(settled, 'the resumed node reports web stopped');
    t.deepEqual(readdirSync(f.dir), [moved]);
    t.is(f.maxActive(), 1, 'never active on two nodes at once');
  },
);

test.serial(
  'clusterd stopped with SIGTERM stops its resources first, and the resource moves',
  async (t) => {
    const f = await clusterRunningWeb(t);
    const logPath = join(f.cluster.root, `${f.owner.id}.log`);
    await f.owner.kill('SIGTERM');
    t.false(existsSync(join(f.dir, f.owner.id)), 'stopped before the agent exited');
    t.true(readFileSync(logPath, 'utf8').includes('leaving: stopping everything'));
    const moved = await activeOn(f.dir, 30_000, f.owner.id);
    t.truthy(moved, 'the resource runs on a surviving node');
    t.is(f.maxActive(), 1, 'never active on two nodes at once');
  },
);
