import test from 'ava';
import { dirname } from 'node:path';
import { describeOverlaps } from './exclusivity.js';
import { FENCE_AGENT, NetnsCluster, QUORATE_AGENTS } from './netns-cluster.js';
import { harnessUnavailable, pollUntil } from './sys.js';
import { vipClusterConfig } from './vip-config.js';

// Fencing on real hosts: the leader powers a host off through a fence device
// (fence-agents/fence_netns: every process of the namespace killed, its links down) and moves
// the address only once the device confirmed it off. The host is cut off by nftables, so its
// agent is alive and keeps writing renewal requests into sockets that cannot send: when the
// fenced host is powered on again, TCP delivers what its killed agent left queued.
//
// Regression: the leader took those late requests for a sign of life, saw the node fall silent
// again and fenced the host a second time while it booted (found by bench/failover's fast
// profile). Requests name their agent process now, and the fenced one's are ignored.

const SKIP = harnessUnavailable();
const hostTest = SKIP === undefined ? test : test.skip;
const note = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;

/** Times the leader asked to fence `node`, from every agent's log. */
function fenceRequests(cl: NetnsCluster, node: string): number {
  return cl
    .logRecords()
    .filter(({ record }) => record.msg === 'fencing requested' && record.target === node).length;
}

hostTest(
  `with fencing on, a host cut off is powered off before its address moves, and powered on again it rejoins without being fenced a second time${note}`,
  async (t) => {
    const cl = await NetnsCluster.create({
      size: 3,
      ocfProviders: { quorate: QUORATE_AGENTS },
      agentArgs: ['--suspect-fence-delay-ms', '200', '--fence-agent-dir', dirname(FENCE_AGENT)],
    });
    t.teardown(async () => {
      if (!t.passed) t.log(cl.logTails(20));
      await cl.destroy();
    });
    const vip = cl.vip(0);
    const webServer = (host: string) =>
      cl.spawnIn(host, [
        process.execPath,
        '-e',
        `require('http').createServer((q, s) => s.end('${host}')).listen(8080);`,
      ]);
    for (const h of cl.hosts) webServer(h.name);
    const { leader } = await cl.waitForLeader();
    await cl.host(leader).agent.propose({
      type: 'apply-config',
      config: vipClusterConfig(vip, { fencingOn: cl }),
      fingerprint: 'fenced-failover',
      atMs: Date.now(),
    });
    const first = await pollUntil(30_000, 50, () => {
      const holders = cl.whoHolds(vip);
      return holders.length === 1 ? holders[0] : undefined;
    });
    if (first === undefined) return t.fail('the address never came up on one host');
    const probe = await cl.probe(`http://${vip}:8080/`, { maxMs: 120_000 });
    t.truthy(await probe.waitFor(true, 10_000), 'the client reaches the address');

    // Cut the holder off both ways: its agent lives on, unheard.
    cl.isolate(first, 'both');
    const second = await pollUntil(45_000, 20, () => {
      const holders = cl.whoHolds(vip);
      return holders.length === 1 && holders[0] !== first ? holders[0] : undefined;
    });
    t.truthy(second, 'the address moved to a survivor');
    t.deepEqual(cl.pidsOf(first), [], 'the cut-off host was powered off (no process left)');
    t.is(fenceRequests(cl, first), 1, 'fenced once');
    t.truthy(await probe.waitFor(true, 15_000), 'the client reaches the address again');
    const state = await cl.host(second!).agent.state(false, 5_000);
    t.true(state.nodes[first]?.fenced === true, 'the log records the fence');

    // Power it on again, as an operator would: the network healed, the host booted.
    await cl.noteOff(first);
    await cl.heal();
    await cl.powerOn(first);
    webServer(first);
    const rejoined = await pollUntil(30_000, 100, async () => {
      try {
        const doc = await cl.host(second!).agent.state(false, 3_000);
        return doc.nodes[first]?.fenced === true ? undefined : true;
      } catch {
        return undefined;
      }
    });
    t.truthy(rejoined, 'the host rejoined (node-up after the fence)');
    // Watch it for 6 s after rejoining: on, and asked to be fenced no second time. (TCP
    // retransmits with backoff, so the late requests can come seconds after the link is up;
    // without the guard this failed in 1 of 2 runs.)
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      t.true(cl.isOn(first), `${first} stays on after it rejoined`);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.is(fenceRequests(cl, first), 1, 'no second fence of the booting host');
    t.deepEqual(cl.whoHolds(vip), [second], 'the address stayed on the survivor');

    await probe.stop();
    const watch = await cl.watcher!.stop();
    t.deepEqual(watch.overlaps, [], describeOverlaps(watch.overlaps));
  },
);
