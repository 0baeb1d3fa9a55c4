import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeOverlaps } from './exclusivity.js';
import { EXAMPLES_DIR, installExampleFile, loadExample } from './examples.js';
import { NetnsCluster, QUORATE_AGENTS } from './netns-cluster.js';
import { HA_STORAGE_AGENT_ARGS } from './ha-storage.js';
import { stateSummary, storyOf } from './storage-scenario.js';
import { harnessUnavailable, pollUntil, which } from './sys.js';

// The deployment examples other than HA storage (which has its own fault scenarios), each
// applied as written (site values replaced by the run's) to three real hosts: the load
// balancer (examples/ha-loadbalancer), singletons beside clones (examples/singletons-and-clones)
// and sharded groups kept apart (examples/sharded). Each checks where things run by reading
// the hosts (addresses, processes) and what a client reaches, through a host crash.

const SKIP =
  harnessUnavailable() ??
  (which('haproxy') ? undefined : 'haproxy is not installed (apt-get install haproxy)');
const note = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;
const hostTest = SKIP === undefined ? test.serial : test.serial.skip;

async function cluster(t: ExecutionContext): Promise<NetnsCluster> {
  // The HA storage example's timing: several resources per node with monitors every second or
  // two on a shared two-core machine; the default 600 ms lease lapses under that load.
  const cl = await NetnsCluster.create({
    size: 3,
    ocfProviders: { quorate: QUORATE_AGENTS },
    agentArgs: HA_STORAGE_AGENT_ARGS,
  });
  const since = Date.now();
  t.teardown(async () => {
    if (!t.passed) t.log(`${storyOf(cl, since)}\n${await stateSummary(cl)}`);
    await cl.destroy();
  });
  return cl;
}

async function apply(cl: NetnsCluster, name: string, values: Record<string, string>) {
  const { leader } = await cl.waitForLeader();
  await cl.host(leader).agent.propose({
    type: 'apply-config',
    config: loadExample(name, values),
    fingerprint: `examples/${name}`,
    atMs: Date.now(),
  });
}

/** Hosts (powered on) running `worker.mjs ROLE` / any command line containing `needle`. */
function runningOn(cl: NetnsCluster, needle: string): string[] {
  const out: string[] = [];
  for (const h of cl.hosts) {
    if (!cl.isOn(h.name)) continue;
    let n = 0;
    for (const pid of cl.pidsOf(h.name)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(needle))
          n++;
      } catch {
        // gone meanwhile
      }
    }
    for (let i = 0; i < n; i++) out.push(h.name);
  }
  return out.sort();
}

/** GET from the client namespace; the body, or undefined on any failure. */
function clientGet(cl: NetnsCluster, url: string): string | undefined {
  const r = cl.runClient(['curl', '-sf', '--max-time', '1', url], { timeoutMs: 3_000 });
  return r.status === 0 ? r.stdout : undefined;
}

hostTest(
  `HA load balancer: HAProxy on the virtual IP spreads requests over a back-end on every node, and moves off a crashed host${note}`,
  async (t) => {
    t.timeout(150_000);
    const cl = await cluster(t);
    const vip = cl.vip(0);
    const ip = (i: number) => `${cl.subnet}.${i}`;
    const haproxyCfg = installExampleFile(
      'ha-loadbalancer',
      'haproxy.cfg',
      {
        '198.18.0.1:8081': `${ip(1)}:8081`,
        '198.18.0.2:8081': `${ip(2)}:8081`,
        '198.18.0.3:8081': `${ip(3)}:8081`,
      },
      join(cl.runDir, 'haproxy.cfg'),
    );
    await apply(cl, 'ha-loadbalancer', {
      '198.18.0.80': vip,
      '/etc/quorate/ha-loadbalancer/haproxy.cfg': haproxyCfg,
      '/etc/quorate/ha-loadbalancer/backend.mjs': join(EXAMPLES_DIR, 'ha-loadbalancer/backend.mjs'),
    });
    const everywhere = await pollUntil(60_000, 100, () =>
      cl.hosts.every((h) => clientGet(cl, `http://${h.ip}:8081/healthz`) === 'ok\n')
        ? true
        : undefined,
    );
    t.truthy(everywhere, 'the back-end clone answers on every node');
    const holder = await pollUntil(60_000, 100, () => {
      const holders = cl.whoHolds(vip);
      return holders.length === 1 && clientGet(cl, `http://${vip}/api/whoami`) !== undefined
        ? holders[0]
        : undefined;
    });
    t.truthy(holder, 'the load balancer answers on the virtual IP');
    t.deepEqual(runningOn(cl, 'haproxy -db'), [holder], 'one HAProxy, on the holder');

    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 3; i++) {
      const body = clientGet(cl, `http://${vip}/api/whoami`);
      if (body !== undefined) seen.add((JSON.parse(body) as { node: string }).node);
    }
    t.deepEqual([...seen].sort(), ['h1', 'h2', 'h3'], 'requests reach the back-end on every node');

    await cl.crashHost(holder!);
    const next = await pollUntil(45_000, 50, () => {
      const holders = cl.whoHolds(vip);
      return holders.length === 1 &&
        holders[0] !== holder &&
        clientGet(cl, `http://${vip}/api/whoami`)
        ? holders[0]
        : undefined;
    });
    t.truthy(next, 'the load balancer answers again from a survivor');
    const after = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const body = clientGet(cl, `http://${vip}/api/whoami`);
      if (body !== undefined) after.add((JSON.parse(body) as { node: string }).node);
    }
    t.false(after.has(holder!), 'the crashed node gets no requests');
    t.is(after.size, 2, 'both survivors serve');
    const watch = await cl.watcher!.stop();
    t.deepEqual(watch.overlaps, [], describeOverlaps(watch.overlaps));
  },
);

hostTest(
  `singletons beside clones: the singletons run exactly once, the clones on every node (or at most 2), through a host crash${note}`,
  async (t) => {
    t.timeout(150_000);
    const cl = await cluster(t);
    const worker = join(EXAMPLES_DIR, 'singletons-and-clones/worker.mjs');
    await apply(cl, 'singletons-and-clones', {
      '/etc/quorate/singletons-and-clones/worker.mjs': worker,
    });
    const roles = (): Record<string, string[]> => ({
      api: runningOn(cl, 'worker.mjs api'),
      runner: runningOn(cl, 'worker.mjs runner'),
      timers: runningOn(cl, 'worker.mjs timers'),
      gc: runningOn(cl, 'worker.mjs garbage-collector'),
    });
    const settled = (hosts: string[]) =>
      pollUntil(60_000, 100, () => {
        const r = roles();
        const ok =
          r.api!.join() === hosts.join() &&
          r.runner!.length === 2 &&
          new Set(r.runner).size === 2 &&
          r.timers!.length === 1 &&
          r.gc!.length === 1;
        return ok ? r : undefined;
      });
    const first = await settled(['h1', 'h2', 'h3']);
    t.truthy(first, `settled: ${JSON.stringify(roles())}`);
    t.not(first!.timers![0], first!.gc![0], 'the singletons spread when there is room');

    // Sample all the way through a crash of the host running the timers engine: never two.
    const victim = first!.timers![0]!;
    await cl.crashHost(victim);
    const survivors = cl.hosts.map((h) => h.name).filter((n) => n !== victim);
    const deadline = Date.now() + 45_000;
    let after: Record<string, string[]> | undefined;
    while (Date.now() < deadline) {
      const r = roles();
      t.true(r.timers!.length <= 1 && r.gc!.length <= 1, `a singleton twice: ${JSON.stringify(r)}`);
      if (
        r.api!.join() === survivors.join() &&
        r.timers!.length === 1 &&
        r.gc!.length === 1 &&
        r.runner!.length === 2
      ) {
        after = r;
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    t.truthy(after, `after the crash: ${JSON.stringify(roles())}`);
    t.log(`before ${JSON.stringify(first)}; ${victim} crashed; after ${JSON.stringify(after)}`);
  },
);

hostTest(
  `sharded groups: never two shards on one node, through a node crash (one shard waits) and its return${note}`,
  async (t) => {
    t.timeout(150_000);
    const cl = await cluster(t);
    const vips = { a: cl.vip(11), b: cl.vip(12), c: cl.vip(13) };
    await apply(cl, 'sharded', {
      '198.18.0.211': vips.a,
      '198.18.0.212': vips.b,
      '198.18.0.213': vips.c,
      '/etc/quorate/sharded/worker.mjs': join(EXAMPLES_DIR, 'sharded/worker.mjs'),
      'node: node1': 'node: h1',
      'node: node2': 'node: h2',
      'node: node3': 'node: h3',
    });
    const where = () =>
      Object.fromEntries(
        Object.entries(vips).map(([s, ip]) => {
          const h = cl.whoHolds(ip);
          const body = h.length === 1 ? clientGet(cl, `http://${ip}:9201/`) : undefined;
          const role = body === undefined ? undefined : (JSON.parse(body) as { role: string }).role;
          return [s, h.length === 1 && role === `shard-${s}` ? h[0] : undefined];
        }),
      ) as Record<'a' | 'b' | 'c', string | undefined>;
    const spread = await pollUntil(60_000, 100, () => {
      const w = where();
      return w.a === 'h1' && w.b === 'h2' && w.c === 'h3' ? w : undefined;
    });
    t.truthy(spread, `each shard on its home node: ${JSON.stringify(where())}`);

    // Crash a host that is not the Raft leader (a leader's crash is another scenario: every
    // node's lease lapses until a new leader is elected).
    const { leader } = await cl.waitForLeader();
    const victim = (['h1', 'h2', 'h3'] as const).find((h) => h !== leader)!;
    await cl.crashHost(victim);
    // Two nodes are left for three shards that must stay apart: one shard has nowhere to go.
    // Every sample: no node holds two shards' addresses.
    const apart = () => {
      const holders = Object.values(vips).flatMap((ip) => cl.whoHolds(ip));
      return new Set(holders).size === holders.length;
    };
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      t.true(apart(), `two shards on one node: ${JSON.stringify(where())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const w = await pollUntil(30_000, 100, () => {
      const now = where();
      const served = Object.values(now).filter((h) => h !== undefined);
      return served.length === 2 && new Set(served).size === 2 && !served.includes(victim)
        ? now
        : undefined;
    });
    t.truthy(w, `two shards served by the two survivors: ${JSON.stringify(where())}`);
    await cl.powerOn(victim);
    const back = await pollUntil(60_000, 100, () => {
      const now = where();
      const served = Object.values(now).filter((h) => h !== undefined);
      return served.length === 3 && new Set(served).size === 3 ? now : undefined;
    });
    t.truthy(
      back,
      `all three shards on three nodes once ${victim} returns: ${JSON.stringify(where())}`,
    );
    t.log(
      `spread ${JSON.stringify(spread)}; ${victim} crashed: ${JSON.stringify(w)}; back: ${JSON.stringify(back)}`,
    );
    const watch = await cl.watcher!.stop();
    t.deepEqual(watch.overlaps, [], describeOverlaps(watch.overlaps));
  },
);
