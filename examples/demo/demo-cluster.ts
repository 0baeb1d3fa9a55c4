/**
 * The demo's cluster keeper: builds a 3-host netns cluster (test/netns/, see
 * docs/testing-hosts.md) running the HA storage example (examples/ha-storage/), writes what a
 * user needs to reach it to `.demo/state.json` and `.demo/env`, and then keeps it: the hosts'
 * agents are its children (their control channel is to this process), so it stays in the
 * background until told to stop. Started by examples/demo/up.sh; signals:
 *
 * - SIGUSR1: crash the host serving the storage (power loss: link down, every process killed);
 * - SIGUSR2: power every crashed host back on;
 * - SIGTERM / SIGINT: tear everything down (namespaces, mounts, loop device) and exit.
 *
 * Progress goes to standard output (up.sh sends it to `.demo/cluster.log`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaStorage, haStorageClusterOptions } from '../../test/netns/ha-storage.js';
import { NetnsCluster } from '../../test/netns/netns-cluster.js';

const stateDir = process.argv[2] ?? '.demo';
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  log('building 3 hosts in network namespaces, a shared ext4 disk, starting the agents');
  const cl = await NetnsCluster.create(haStorageClusterOptions({ size: 3, watch: false }));
  let stopping = false;
  const teardown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: tearing down`);
    await cl.destroy().catch((err: unknown) => log(`teardown: ${String(err)}`));
    rmSync(join(stateDir, 'state.json'), { force: true });
    rmSync(join(stateDir, 'env'), { force: true });
    log('torn down');
    process.exit(0);
  };
  process.on('SIGTERM', () => void teardown('SIGTERM'));
  process.on('SIGINT', () => void teardown('SIGINT'));

  let hs: HaStorage;
  try {
    log('applying examples/ha-storage/cluster.yaml');
    hs = await HaStorage.apply(cl);
  } catch (err) {
    log(`the example did not come up: ${String(err)}`);
    log(cl.logTails(15));
    await teardown('failed');
    return;
  }
  const state = {
    pid: process.pid,
    prefix: cl.prefix,
    clientNs: cl.clientNs,
    vip: hs.vip,
    url: hs.url,
    runDir: cl.runDir,
    mountPoint: cl.mountPoint,
    device: cl.device,
    hosts: cl.hosts.map((h) => ({ name: h.name, ns: h.ns, ip: h.ip, log: h.agent.logPath })),
  };
  writeFileSync(join(stateDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(
    join(stateDir, 'env'),
    [
      `QRT_DEMO_PID=${process.pid}`,
      `QRT_DEMO_PREFIX=${cl.prefix}`,
      `QRT_DEMO_CLIENT=${cl.clientNs}`,
      `QRT_DEMO_VIP=${hs.vip}`,
      `QRT_DEMO_URL=${hs.url}`,
      `QRT_DEMO_DEVICE=${cl.device}`,
      `QRT_DEMO_HOSTS="${cl.hosts.map((h) => h.name).join(' ')}"`,
      `QRT_DEMO_RUNDIR=${cl.runDir}`,
      '',
    ].join('\n'),
  );
  log(`ready: ${hs.url} served by ${hs.serving().host}`);

  process.on('SIGUSR1', () => {
    const active = hs.serving().host;
    if (active === undefined) return log('nothing to crash: no host serves right now');
    log(`crashing ${active} (link down, every process killed)`);
    void cl.crashHost(active).then(
      () => log(`${active} is off`),
      (err: unknown) => log(`crash failed: ${String(err)}`),
    );
  });
  process.on('SIGUSR2', () => {
    void (async () => {
      for (const h of cl.hosts)
        if (!cl.isOn(h.name)) {
          log(`powering ${h.name} on`);
          await cl.powerOn(h.name);
          log(`${h.name} is back`);
        }
    })().catch((err: unknown) => log(`power on failed: ${String(err)}`));
  });
  // Stay up: the agents are this process's children.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  log(`demo cluster failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
