import test from 'ava';
import { HaStorage, haStorageClusterOptions } from './ha-storage.js';
import { NetnsCluster } from './netns-cluster.js';
import {
  BACK_WITHIN_MS,
  expectMoved,
  runScenario,
  stateSummary,
  storyOf,
  type ScenarioContext,
} from './storage-scenario.js';
import { harnessUnavailable, pollUntil, which } from './sys.js';

// The fault scenarios of the HA storage example (examples/ha-storage/: virtual IP + shared
// ext4 + nginx WebDAV as one group) on three real hosts, one after the other on one cluster.
// Each scenario (see storage-scenario.ts) writes through the virtual IP all along and checks
// what users see: the service comes back, every acknowledged PUT reads back, and neither the
// address nor the disk is ever on two hosts (the watcher reads every host every 20 ms,
// through the fault, the failover and the recovery).

const SKIP = harnessUnavailable() ?? (which('nginx') ? undefined : 'nginx is not installed');
const note = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;
const hostTest = SKIP === undefined ? test.serial : test.serial.skip;

// An agent that is dead (kill -9) or frozen (SIGSTOP) cannot stop what it runs before its lease
// lapses; its lease guard does (docs/lease-guard.md), so the group moves without a second copy.

let cl: NetnsCluster | undefined;
let hs: HaStorage | undefined;

test.before(async () => {
  if (SKIP !== undefined) return;
  cl = await NetnsCluster.create(haStorageClusterOptions({ size: 3 }));
  hs = await HaStorage.apply(cl);
});

test.after.always(async (t) => {
  if (cl === undefined) return;
  if (process.env.QRT_NETNS_LOGS === '1') t.log(cl.logTails(30));
  await cl.destroy();
});

function scenario(
  title: string,
  fault: (ctx: ScenarioContext) => Promise<void>,
  register = hostTest,
  suffix = note,
): void {
  register(`${title}${suffix}`, async (t) => {
    t.timeout(180_000);
    const since = Date.now();
    try {
      await runScenario(t, cl!, hs!, title.replace(/[^a-z0-9]+/gi, '-').slice(0, 40), fault);
    } finally {
      if (!t.passed) t.log(`${storyOf(cl!, since)}\n${await stateSummary(cl!)}`);
    }
  });
}

/** The leader's agent. */
async function leaderAgent(c: NetnsCluster) {
  const { leader } = await c.waitForLeader({ timeoutMs: 30_000 });
  return c.host(leader).agent;
}

scenario('kill -9 of the active host: the group moves to a survivor', async (ctx) => {
  await ctx.cl.crashHost(ctx.active);
  await expectMoved(ctx);
});

scenario(
  "the active host's link goes down: the group moves, the cut-off host drops it",
  async (ctx) => {
    await ctx.cl.linkDown(ctx.active);
    await expectMoved(ctx);
  },
);

for (const direction of ['both', 'in', 'out'] as const)
  scenario(
    `the active host is isolated by nftables (${direction === 'both' ? 'both ways' : `one way: ${direction}`}): the group moves`,
    async (ctx) => {
      ctx.cl.isolate(ctx.active, direction);
      await expectMoved(ctx);
    },
  );

scenario(
  'SIGSTOP of the active agent for less than its lease, then SIGCONT: nothing moves',
  async (ctx) => {
    await ctx.cl.pauseAgent(ctx.active);
    // 300 ms: well inside the lease (1500 ms). The wait is the fault itself (a stall that long).
    await new Promise((r) => setTimeout(r, 300));
    await ctx.cl.resumeAgent(ctx.active);
    const after = await ctx.hs.waitServing(BACK_WITHIN_MS);
    ctx.t.is(after.host, ctx.active, 'still served by the same host');
  },
);

scenario(
  'SIGSTOP of the active agent past its lease, then SIGCONT: the group moves and the old copy stops',
  async (ctx) => {
    await ctx.cl.pauseAgent(ctx.active);
    await expectMoved(ctx);
    await ctx.cl.resumeAgent(ctx.active);
  },
);

scenario(
  'kill -9 of the active agent alone (resources left running), restarted: one copy only',
  async (ctx) => {
    await ctx.cl.killAgent(ctx.active);
    await expectMoved(ctx);
  },
);

scenario(
  'the storage process is killed: restarted in place, then moved after migration-threshold (2)',
  async (ctx) => {
    const { cl: c, hs: s, active, t } = ctx;
    const killNginx = () => {
      const pid = c.exec(active, ['cat', '/run/quorate-storage-nginx.pid']).trim();
      c.exec(active, ['kill', '-9', pid]);
      return pid;
    };
    const first = killNginx();
    const restarted = await pollUntil(BACK_WITHIN_MS, 50, () => {
      const r = c.run(active, ['cat', '/run/quorate-storage-nginx.pid']);
      return r.status === 0 && r.stdout.trim() !== first && s.serving().host === active
        ? true
        : undefined;
    });
    t.truthy(restarted, `restarted in place on ${active} after the first failure`);
    killNginx();
    await expectMoved(ctx);
    // Forget the failures, as an operator would after fixing the cause.
    await (
      await leaderAgent(c)
    ).propose({ type: 'cleanup', resource: 'storage-web', node: null, atMs: Date.now() });
  },
);

scenario('standby of the active host, and back: the group moves off and stays', async (ctx) => {
  const leader = await leaderAgent(ctx.cl);
  await leader.propose({
    type: 'set-node-flags',
    node: ctx.active,
    standby: true,
    atMs: Date.now(),
  });
  const to = await expectMoved(ctx);
  await (
    await leaderAgent(ctx.cl)
  ).propose({ type: 'set-node-flags', node: ctx.active, standby: false, atMs: Date.now() });
  const after = await ctx.hs.waitServing(BACK_WITHIN_MS);
  ctx.t.is(after.host, to, 'stickiness keeps it on its new host');
});

scenario('manual failover (move to a named host), then clear', async (ctx) => {
  const target = ctx.cl.hosts.map((h) => h.name).find((n) => n !== ctx.active)!;
  await (
    await leaderAgent(ctx.cl)
  ).propose({
    type: 'add-intent',
    intent: { kind: 'prefer', resource: 'storage', node: target, expiresAtMs: null },
    atMs: Date.now(),
  });
  const to = await expectMoved(ctx);
  ctx.t.is(to, target, 'moved to the named host');
  await (
    await leaderAgent(ctx.cl)
  ).propose({ type: 'clear-intents', resource: 'storage', node: null, atMs: Date.now() });
});

scenario('loss of the leader while it also runs the group (crash)', async (ctx) => {
  const { cl: c, active, t } = ctx;
  const { leader } = await c.waitForLeader();
  if (leader !== active) {
    c.host(leader)
      .agent.request({ op: 'transfer', to: active }, 5_000)
      .catch(() => undefined);
    const moved = await pollUntil(10_000, 50, async () => {
      const st = await c.host(active).agent.status(2_000);
      return st.role === 'leader' ? true : undefined;
    });
    t.truthy(moved, `leadership moved to ${active}`);
  }
  await c.crashHost(active);
  await expectMoved(ctx);
  const next = await c.waitForLeader({ timeoutMs: 30_000 });
  t.not(next.leader, active, 'a survivor leads');
});

scenario('rolling restart of every node (SIGTERM, as systemctl restart)', async (ctx) => {
  const { cl: c, hs: s, t } = ctx;
  for (const h of c.hosts) {
    await c.restartAgent(h.name, 'SIGTERM');
    await c.waitForLeader({ timeoutMs: 30_000 });
    const up = await s.waitServing(BACK_WITHIN_MS);
    t.truthy(up.host, `served again after restarting ${h.name} (${up.why})`);
  }
});

scenario('simultaneous start of all nodes after a full stop', async (ctx) => {
  const { cl: c, t } = ctx;
  await Promise.all(c.hosts.map((h) => h.agent.kill('SIGTERM', 70_000)));
  t.deepEqual(c.whoHolds(ctx.hs.vip), [], 'a stopped cluster holds the address nowhere');
  t.deepEqual(c.whoMounts(c.device), [], 'and has the disk mounted nowhere');
  await Promise.all(c.hosts.map((h) => h.agent.start(h.initPid!)));
});
