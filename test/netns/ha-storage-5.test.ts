import test from 'ava';
import { HaStorage, haStorageClusterOptions } from './ha-storage.js';
import { NetnsCluster } from './netns-cluster.js';
import { expectMoved, runScenario, stateSummary, storyOf } from './storage-scenario.js';
import { harnessUnavailable, which } from './sys.js';

// The HA storage example on five hosts: losing two of them at once, the serving one among
// them, leaves three, a majority, which must start the group on one of them. Checked as in
// ha-storage-faults.test.ts (writes through the address all along, read back, watcher).

const SKIP = harnessUnavailable() ?? (which('nginx') ? undefined : 'nginx is not installed');
const note = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;
const hostTest = SKIP === undefined ? test : test.skip;

hostTest(
  `loss of 2 of 5 hosts, the serving one among them: the 3 left take over${note}`,
  async (t) => {
    t.timeout(180_000);
    const cl = await NetnsCluster.create(haStorageClusterOptions({ size: 5 }));
    const since = Date.now();
    t.teardown(async () => {
      if (!t.passed) t.log(`${storyOf(cl, since)}\n${await stateSummary(cl)}`);
      await cl.destroy();
    });
    const hs = await HaStorage.apply(cl);
    await runScenario(t, cl, hs, 'two-of-five', async (ctx) => {
      const { leader } = await ctx.cl.waitForLeader();
      // The serving host and one more: the leader if it is another host (the harder case).
      const second =
        leader !== ctx.active ? leader : ctx.cl.hosts.find((h) => h.name !== ctx.active)!.name;
      await Promise.all([ctx.cl.crashHost(ctx.active), ctx.cl.crashHost(second)]);
      const to = await expectMoved(ctx);
      ctx.t.not(to, second, 'not on the other crashed host');
    });
  },
);
