import type { ChildProcess } from 'node:child_process';
import { describeOverlaps } from './exclusivity.js';
import { HOST_LINK, type HostRef } from './netns-cluster.js';
import { clusterForFile } from './file-cluster.js';
import { pollUntil, sleep } from './sys.js';

// The observers: the exclusivity watcher records an address or the shared device held by two
// hosts at once (and only then), and the client probe sees a service go down and come back.
// The agents are not started: these tests move addresses and mounts by hand.

const { hostTest, note, cluster: c } = clusterForFile({ size: 3, startAgents: false });

const addVip = (h: HostRef, ip: string) =>
  c().exec(h, ['ip', 'addr', 'add', `${ip}/24`, 'dev', HOST_LINK]);
const delVip = (h: HostRef, ip: string) =>
  c().exec(h, ['ip', 'addr', 'del', `${ip}/24`, 'dev', HOST_LINK]);

/** Wait until the watcher has taken at least `n` more samples. */
async function samples(n: number): Promise<void> {
  const w = c().watcher!;
  const from = (await w.report()).samples;
  await pollUntil(5_000, 20, async () =>
    (await w.report()).samples >= from + n ? true : undefined,
  );
}

hostTest(
  `the watcher records nothing for a clean hand-over, and records an address on two powered hosts at once${note}`,
  async (t) => {
    const cl = c();
    const vip = cl.vip(10);
    const w = cl.watcher!;
    addVip('h1', vip);
    await samples(3);
    t.deepEqual(cl.whoHolds(vip), ['h1']);
    t.deepEqual((await w.report()).last['h1']?.addresses.includes(vip), true);
    delVip('h1', vip);
    addVip('h2', vip);
    await samples(3);
    t.deepEqual((await w.report()).overlaps, [], 'a clean hand-over: no overlap');

    // Both at once, for at least six samples.
    addVip('h3', vip);
    await samples(6);
    t.deepEqual(cl.whoHolds(vip).sort(), ['h2', 'h3']);
    delVip('h3', vip);
    await samples(3);
    const r = await w.report();
    t.is(r.overlaps.length, 1, describeOverlaps(r.overlaps));
    const o = r.overlaps[0]!;
    t.is(o.kind, 'address');
    t.is(o.what, vip);
    t.deepEqual(o.hosts, ['h2', 'h3']);
    t.true(o.samples >= 5, describeOverlaps(r.overlaps));
    t.true(o.toMs > o.fromMs, describeOverlaps(r.overlaps));
    t.true(r.maxGapMs < 1_000, `sampling gap at most ${r.maxGapMs.toFixed(0)} ms`);
    t.log(`${r.samples} samples, longest gap ${r.maxGapMs.toFixed(0)} ms`);
    delVip('h2', vip);
  },
);

hostTest(
  `an address left on a crashed host (link down, no process) does not count; a partitioned host's does${note}`,
  async (t) => {
    const cl = c();
    const vip = cl.vip(11);
    const w = cl.watcher!;
    const before = (await w.report()).overlaps.length;
    addVip('h1', vip);
    await cl.crashHost('h1');
    addVip('h2', vip);
    await samples(5);
    t.is((await w.report()).overlaps.length, before, 'the crashed host holds nothing');
    t.deepEqual(cl.whoHolds(vip), ['h2']);
    await cl.powerOn('h1', { startAgent: false });
    t.deepEqual(cl.whoHolds(vip), ['h2'], 'powerOn boots without the old address');

    // A partition does not take addresses away: two holders, one of them cut off, is a split.
    addVip('h3', vip);
    await cl.linkDown('h3');
    await samples(5);
    await cl.linkUp('h3');
    delVip('h3', vip);
    delVip('h2', vip);
    const r = await w.report();
    const split = r.overlaps.slice(before);
    t.is(split.length, 1, describeOverlaps(split));
    t.deepEqual(split[0]?.hosts, ['h2', 'h3']);
  },
);

hostTest(
  `the shared device mounted on two hosts at once is recorded; mounted on one after the other it is not${note}`,
  async (t) => {
    const cl = c();
    const w = cl.watcher!;
    const before = (await w.report()).overlaps.length;
    cl.mountShared('h1');
    await samples(3);
    cl.umountShared('h1');
    cl.mountShared('h2');
    await samples(3);
    t.is((await w.report()).overlaps.length, before, 'one after the other');
    cl.mountShared('h3');
    await samples(5);
    t.deepEqual(cl.whoMounts(cl.device).sort(), ['h2', 'h3']);
    cl.umountShared('h3');
    cl.umountShared('h2');
    const r = await w.report();
    const dev = r.overlaps.slice(before);
    t.is(dev.length, 1, describeOverlaps(dev));
    t.is(dev[0]?.kind, 'device');
    t.deepEqual(dev[0]?.hosts, ['h2', 'h3']);
  },
);

hostTest(
  `the client probe sees the service go down when its host's cable is pulled and come back after, with the outage measured${note}`,
  async (t) => {
    const cl = c();
    const vip = cl.vip(20);
    addVip('h1', vip);
    t.teardown(() => {
      if (cl.isOn('h1')) cl.run('h1', ['ip', 'addr', 'del', `${vip}/24`, 'dev', HOST_LINK]);
    });
    const server: ChildProcess = cl.spawnIn('h1', [
      process.execPath,
      '-e',
      `require('http').createServer((q, s) => s.end('ok')).listen(8080, '${vip}', () => console.log('READY'));`,
    ]);
    t.teardown(() => void server.kill('SIGKILL'));
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    t.truthy(await pollUntil(10_000, 10, () => (out.includes('READY') ? true : undefined)));

    const probe = await cl.probe(`http://${vip}:8080/`, {
      intervalMs: 20,
      timeoutMs: 200,
      maxMs: 30_000,
    });
    t.truthy(await probe.waitFor(true, 5_000), 'up at first');
    await sleep(300);
    const cutAt = Date.now();
    await cl.linkDown('h1');
    t.truthy(await probe.waitFor(false, 5_000), 'down while the cable is out');
    await sleep(500);
    const backAt = Date.now();
    await cl.linkUp('h1');
    t.truthy(await probe.waitFor(true, 10_000), 'up again');
    const report = await probe.stop();
    t.log(
      `requests ${report.requests}, outages ${report.outages.length}, downtime ${report.downtimeMs.toFixed(0)} ms`,
    );
    t.is(report.outages.length, 1);
    const o = report.outages[0]!;
    t.false(o.open);
    // The outage starts after the cut (within a couple of request intervals) and ends after
    // the link came back; it lasted at least the time the cable was out.
    t.true(o.fromMs >= cutAt - 50, `outage from ${o.fromMs - cutAt} ms after the cut`);
    t.true(o.toMs >= backAt - 50, `outage to ${o.toMs - backAt} ms after link up`);
    t.true(report.downtimeMs >= backAt - cutAt - 250, `downtime ${report.downtimeMs} ms`);
    t.true(report.requests > 20 && report.ok > 10 && report.failed > 5);
    t.deepEqual(
      report.transitions.map((x) => x.up),
      [true, false, true],
    );
  },
);
