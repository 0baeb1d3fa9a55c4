/**
 * Failover benchmark: what a client sees when the host serving it fails, on a 3-host netns
 * cluster (test/netns/, needs root). For each setup and fault, `--trials` times: a client
 * probes the virtual IP every 20 ms, the serving host is failed, the probe measures the
 * outage, the exclusivity watcher measures any time the address or the disk was on two hosts
 * at once (double-active), and for the storage setup every acknowledged write is read back
 * (lost writes). Then the host is recovered and the next trial begins.
 *
 *   npm run bench:failover -- [--trials 20] [--faults kill,link,isolate]
 *     [--setups vip,vip-fenced,storage] [--keep-logs DIR]
 *
 * Setups:
 * - `vip`: one `ocf:quorate:vip` address in front of a web server on every host, clusterd's
 *   default timing (lease 550 ms, stop budget 250 ms). What the goal (p50 <= 0.8 s,
 *   p99 <= 1.5 s at default settings) is about.
 * - `vip-fenced`: the `vip` setup with a fence device (fence-agents/fence_netns, which powers a
 *   netns host off: every process killed, links down; `verify: agent`, as it verifies itself)
 *   and the fast profile's flags (FAST_PROFILE_ARGS: renewals every 20 ms, fence after 50 ms
 *   of suspicion, Raft ticks of 20 ms; lease and stop budget at their defaults). Before each
 *   fault every agent has been up for SETTLED_AFTER_MS (a younger one gets a 1 s grace). The
 *   leader fences the silent host and moves the address as soon as the device confirms it
 *   off, without waiting for its lease. Each trial also checks that the failed host really
 *   was powered off.
 * - `storage`: examples/ha-storage (address + shared ext4 + nginx WebDAV, one group) with
 *   the README's timing (lease 1500 ms, stop budget 1000 ms); the client PUTs a new file
 *   every 20 ms, so downtime is write downtime.
 *
 * Faults: `kill` (kill -9 of every process of the host, link down: a power loss), `link`
 * (its switch port down: a pulled cable), `isolate` (nftables drops all its IP traffic both
 * ways). A benchmark prints figures; it passes or fails nothing.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { describeOverlaps } from '../../test/netns/exclusivity.js';
import { vipClusterConfig } from '../../test/netns/vip-config.js';
import { HaStorage, haStorageClusterOptions } from '../../test/netns/ha-storage.js';
import { dirname } from 'node:path';
import { FENCE_AGENT, NetnsCluster, QUORATE_AGENTS } from '../../test/netns/netns-cluster.js';
import type { ClientProbe, ProbeReport } from '../../test/netns/probe.js';
import {
  forgetFailures,
  restoreHealthy,
  stateSummary,
  storyOf,
} from '../../test/netns/storage-scenario.js';
import { harnessUnavailable, pollUntil } from '../../test/netns/sys.js';
import { SETTLED_AFTER_MS } from '../../agent/src/fencing/fence-policy.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    faults: { type: 'string', default: 'kill,link,isolate' },
    setups: { type: 'string', default: 'vip,storage' },
    'keep-logs': { type: 'string' },
  },
});
const trials = Number(values.trials);
const faults = values.faults.split(',') as Fault[];
const setups = values.setups.split(',');
type Fault = 'kill' | 'link' | 'isolate';

const keepLogsDir = values['keep-logs'];

/** With --keep-logs DIR: copy every agent's log there (they go with the cluster). */
function keepLogs(cl: NetnsCluster, setup: string): void {
  if (keepLogsDir === undefined) return;
  mkdirSync(keepLogsDir, { recursive: true });
  for (const h of cl.hosts) {
    try {
      copyFileSync(h.agent.logPath, `${keepLogsDir}/${setup}-${cl.prefix}${h.name}.log`);
    } catch {
      // no log yet
    }
  }
}

const skip = harnessUnavailable();
if (skip !== undefined) {
  console.error(`bench:failover needs the netns harness: ${skip}`);
  process.exit(2);
}

/** One system under test on a cluster. */
interface Setup {
  name: string;
  /** Serving host now (one holder, answering), or undefined. */
  serving(): string | undefined;
  probe(label: string): Promise<ClientProbe>;
  /** Lost writes: acknowledged but not read back (0 for a read-only probe). */
  lost(report: ProbeReport): number;
  /** Bring every host back and wait until served again. */
  restore(): Promise<string>;
  /** Whether the failed host must end up powered off by the fence device. */
  fenced: boolean;
}

/**
 * The fast profile's clusterd flags: lease renewals every 20 ms (so the leader notices a silent
 * node after 60 ms, 3 renewals), a fence 50 ms after that, and Raft ticks of 20 ms with
 * elections of 10 ticks (a lost leader is replaced after 200-400 ms instead of 300-600). The
 * lease (550 ms) and stop budget (250 ms) stay at their defaults; the fence device, not the
 * lease, is what lets the resources move early.
 */
const FAST_PROFILE_ARGS = [
  '--renew-interval-ms',
  '20',
  '--suspect-fence-delay-ms',
  '50',
  '--tick-ms',
  '20',
  '--election-ticks',
  '10',
  '--fence-agent-dir',
  dirname(FENCE_AGENT),
];

interface Trial {
  /** Client-visible downtime: the sum of the outages from the fault on. */
  downtimeMs: number;
  outages: number;
  doubleActiveMs: number;
  /** The watcher's overlap records of the trial, described. */
  overlaps: string;
  lost: number;
  from: string;
  to: string;
  /** Fenced setups: where the time went, from the agents' logs and the state's events. */
  phases?: Phases;
}

/** Milliseconds from the fault to each step of a fenced failover (undefined: not seen). */
interface Phases {
  /** The failed host was the Raft leader (an election comes first). */
  wasLeader: boolean;
  requested?: number;
  confirmedOff?: number;
  nodeDownCommitted?: number;
  started?: number;
  clientBack: number;
  /** Fence requests for other hosts during the trial (a host fenced while it booted). */
  othersFenced: number;
}

/** Times of the log lines of every agent at or after `sinceMs` with message `msg` that `match`. */
function logTimes(
  cl: NetnsCluster,
  sinceMs: number,
  msg: string,
  match: (j: Record<string, unknown>) => boolean,
): number[] {
  return cl
    .logRecords(sinceMs)
    .filter(({ record }) => record.msg === msg && match(record))
    .map(({ record }) => record.time)
    .sort((a, b) => a - b);
}

async function phasesOf(
  cl: NetnsCluster,
  faultAt: number,
  from: string,
  to: string,
  wasLeader: boolean,
  downtimeMs: number,
): Promise<Phases> {
  const rel = (t: number | undefined) => (t === undefined ? undefined : t - faultAt);
  let nodeDown: number | undefined;
  let started: number | undefined;
  try {
    const doc = await cl.host(to).agent.state(false, 3_000);
    for (const e of doc.events) {
      if (e.atMs < faultAt) continue;
      if (nodeDown === undefined && e.kind === 'node-down' && e.node === from) nodeDown = e.atMs;
      if (
        started === undefined &&
        e.kind === 'record-state' &&
        e.node === to &&
        e.message === 'started'
      )
        started = e.atMs;
    }
  } catch {
    // no state: leave those phases unseen
  }
  return {
    wasLeader,
    requested: rel(logTimes(cl, faultAt, 'fencing requested', (j) => j.target === from)[0]),
    confirmedOff: rel(
      logTimes(cl, faultAt, 'node confirmed off by its fence device', (j) => j.node === from)[0],
    ),
    othersFenced: logTimes(cl, faultAt, 'fencing requested', (j) => j.target !== from).length,
    nodeDownCommitted: rel(nodeDown),
    started: rel(started),
    clientBack: downtimeMs,
  };
}

/** Times a restore found a host powered off again (fenced while it booted): a finding. */
let refenced = 0;
/** Times a healthy host was found powered off just before a fault (fenced while healthy). */
let fencedBeforeFault = 0;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function vipSetup(fenced = false): Promise<{ cl: NetnsCluster; setup: Setup }> {
  const cl = await NetnsCluster.create({
    size: 3,
    ocfProviders: { quorate: QUORATE_AGENTS },
    ...(fenced ? { agentArgs: FAST_PROFILE_ARGS } : {}),
  });
  const vip = cl.vip(0);
  for (const h of cl.hosts) startWebServer(cl, h.name);
  const config = vipClusterConfig(vip, { arpCount: 3, ...(fenced ? { fencingOn: cl } : {}) });
  const { leader } = await cl.waitForLeader();
  await cl.host(leader).agent.propose({
    type: 'apply-config',
    config,
    fingerprint: fenced ? 'bench-vip-fenced' : 'bench-vip',
    atMs: Date.now(),
  });
  const serving = () => {
    const h = cl.whoHolds(vip);
    return h.length === 1 ? h[0] : undefined;
  };
  const setup: Setup = {
    name: fenced
      ? `vip, fast profile with a fence device (clusterd ${FAST_PROFILE_ARGS.slice(0, -2).join(' ')} --fence-agent-dir fence-agents/)`
      : 'vip (default timing)',
    fenced,
    serving,
    probe: () => cl.probe(`http://${vip}:8080/`, { maxMs: 120_000 }),
    lost: () => 0,
    restore: async () => {
      // With the fast profile a host that stays silent for the grace while it boots (a loaded
      // machine) is fenced again: power such hosts on again, a bounded number of times, until
      // every host is on and none is marked fenced in the state (each renewed since its boot).
      for (let round = 0; ; round++) {
        try {
          await cl.heal();
          for (const h of cl.hosts)
            if (!cl.isOn(h.name)) {
              await cl.powerOn(h.name);
              startWebServer(cl, h.name);
            }
        } catch (err) {
          if (!fenced || round >= 5) throw err;
          console.log(`    (restore: ${String(err)})`);
        }
        const { leader } = await cl.waitForLeader({ timeoutMs: 30_000 });
        if (!fenced) break;
        const settled = await pollUntil(5_000, 50, async () => {
          if (cl.hosts.some((h) => !cl.isOn(h.name))) return undefined;
          try {
            const doc = await cl.host(leader).agent.state(false, 3_000);
            return Object.values(doc.nodes).some((n) => n.fenced === true) ? undefined : true;
          } catch {
            return undefined;
          }
        });
        if (settled !== undefined) break;
        if (round >= 5) throw new Error('vip-fenced setup: hosts keep being fenced while booting');
        refenced++;
      }
      if (fenced) {
        // A node whose agent is younger than SETTLED_AFTER_MS gets the longer grace (1 s)
        // before it is fenced: the next fault must find every agent settled, as it would in
        // a cluster that has been up for a while.
        const youngest = Math.max(...cl.hosts.map((h) => h.agent.readyAtMs ?? Date.now()));
        const waitMs = youngest + SETTLED_AFTER_MS + 100 - Date.now();
        if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
      }
      await forgetFailures(cl);
      const host = await pollUntil(45_000, 50, serving);
      if (host === undefined) throw new Error('vip setup did not come back');
      return host;
    },
  };
  await setup.restore();
  return { cl, setup };
}

function startWebServer(cl: NetnsCluster, host: string): void {
  cl.spawnIn(host, [
    process.execPath,
    '-e',
    `require('http').createServer((q, s) => s.end('${host}')).listen(8080);`,
  ]);
}

async function storageSetup(): Promise<{ cl: NetnsCluster; setup: Setup }> {
  const cl = await NetnsCluster.create(haStorageClusterOptions({ size: 3 }));
  const hs = await HaStorage.apply(cl);
  const setup: Setup = {
    name: 'storage example (lease 1500 ms, stop budget 1000 ms)',
    serving: () => hs.serving().host,
    probe: (label) => hs.writer(`${label}-`),
    lost: (report) => {
      const rb = hs.readback(report.acked);
      return rb.missing.length + rb.wrong.length + rb.errors.length;
    },
    restore: () => restoreHealthy(cl, hs),
    fenced: false,
  };
  return { cl, setup };
}

async function inject(cl: NetnsCluster, fault: Fault, host: string): Promise<void> {
  if (fault === 'kill') await cl.crashHost(host);
  else if (fault === 'link') await cl.linkDown(host);
  else cl.isolate(host, 'both');
}

async function trial(cl: NetnsCluster, setup: Setup, fault: Fault, i: number): Promise<Trial> {
  // With the fast profile a host can be fenced while healthy (silent past the grace on a
  // loaded machine) after the restore: a fault then leaves no quorum. Such a start is counted
  // and made again, so that every fault finds all hosts on.
  let from = '';
  let before: number;
  let probe: ClientProbe;
  let wasLeader: boolean;
  for (let attempt = 0; ; attempt++) {
    from = await setup.restore();
    before = (await cl.watcher!.report()).overlaps.length;
    probe = await setup.probe(`${fault}${i}`);
    if ((await probe.waitFor(true, 15_000)) === undefined) throw new Error('probe never up');
    wasLeader = (await cl.waitForLeader({ timeoutMs: 10_000 })).leader === from;
    if (!setup.fenced || cl.hosts.every((h) => cl.isOn(h.name))) break;
    await probe.stop();
    fencedBeforeFault++;
    if (attempt >= 3) throw new Error('hosts keep being fenced before the fault');
  }
  const faultAt = Date.now();
  await inject(cl, fault, from);
  const to = await pollUntil(60_000, 20, () => {
    const h = setup.serving();
    return h !== undefined && h !== from ? h : undefined;
  });
  if (to === undefined) throw new Error(`${fault} trial ${i}: no failover within 60 s`);
  if ((await probe.waitFor(true, 30_000)) === undefined)
    throw new Error(`${fault} trial ${i}: client never back`);
  const report = await probe.stop();
  if (setup.fenced) {
    // The address moved: the failed host must have been powered off (an isolated host too).
    const off = await pollUntil(10_000, 20, () =>
      cl.pidsOf(from).length === 0 ? true : undefined,
    );
    if (off === undefined)
      throw new Error(`${fault} trial ${i}: ${from} still has processes after the failover`);
    await cl.noteOff(from);
  }
  // Everything the client missed from the fault on (a failover can show as more than one
  // outage: a last answer from the old holder between two failures).
  const outages = report.outages.filter((o) => o.toMs >= faultAt);
  const watch = await cl.watcher!.report();
  const overlaps = watch.overlaps.slice(before);
  const downtimeMs = outages.reduce((sum, o) => sum + (o.toMs - o.fromMs), 0);
  return {
    ...(setup.fenced
      ? { phases: await phasesOf(cl, faultAt, from, to, wasLeader, downtimeMs) }
      : {}),
    downtimeMs,
    outages: outages.length,
    // Each overlap record spans its first to last sample; count one sampling interval more.
    doubleActiveMs: overlaps.reduce((s, o) => s + (o.toMs - o.fromMs) + 20, 0),
    overlaps: describeOverlaps(overlaps),
    lost: setup.lost(report),
    from,
    to,
  };
}

function describePhases(p: Phases): string {
  const ms = (n: number | undefined) => (n === undefined ? '?' : `${n.toFixed(0)}`);
  return (
    `ms after the fault: fence requested ${ms(p.requested)}, confirmed off ${ms(p.confirmedOff)}, ` +
    `node-down committed ${ms(p.nodeDownCommitted)}, started ${ms(p.started)}, client back ${ms(p.clientBack)}` +
    (p.wasLeader ? ' (failed host was the Raft leader)' : '') +
    (p.othersFenced > 0 ? ` (${p.othersFenced} fence requests for other hosts)` : '')
  );
}

function summary(label: string, rows: Trial[]): string {
  const d = rows.map((r) => r.downtimeMs).sort((a, b) => a - b);
  const f = (n: number) => (n / 1000).toFixed(3).padStart(6);
  return (
    `${label.padEnd(9)} ${String(rows.length).padStart(6)}  ${f(percentile(d, 50))}  ${f(percentile(d, 90))}  ` +
    `${f(percentile(d, 99))}  ${f(d[d.length - 1]!)}  ${String(rows.reduce((s, r) => s + r.doubleActiveMs, 0).toFixed(0)).padStart(12)}  ` +
    `${String(rows.reduce((s, r) => s + r.lost, 0)).padStart(10)}`
  );
}

const started = Date.now();
console.log(
  `failover benchmark: 3 hosts (netns), client probe every 20 ms, ${trials} trials per fault; ` +
    `${cpus().length} cores, load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
for (const name of setups) {
  const build = () =>
    name === 'vip'
      ? vipSetup()
      : name === 'vip-fenced'
        ? vipSetup(true)
        : name === 'storage'
          ? storageSetup()
          : Promise.reject(new Error(`unknown setup ${name}: use vip, vip-fenced or storage`));
  let built = await build();
  const results: string[] = [];
  try {
    for (const fault of faults) {
      const rows: Trial[] = [];
      let failed = 0;
      for (let i = 0; i < trials; i++) {
        const since = Date.now();
        try {
          const r = await trial(built.cl, built.setup, fault, i);
          rows.push(r);
          console.log(
            `  ${name} ${fault} #${i + 1}: ${r.from} -> ${r.to}, down ${r.downtimeMs.toFixed(0)} ms (${r.outages} outage${r.outages === 1 ? '' : 's'}), double-active ${r.doubleActiveMs.toFixed(0)} ms${r.overlaps === '' ? '' : ` (${r.overlaps})`}, lost ${r.lost}`,
          );
          if (r.phases !== undefined) console.log(`    ${describePhases(r.phases)}`);
        } catch (err) {
          // A trial that never recovers is a finding, not a reason to stop: report it with the
          // agents' story, then go on with a fresh cluster.
          failed++;
          console.log(`  ${name} ${fault} #${i + 1}: FAILED: ${String(err)}`);
          console.log(storyOf(built.cl, since, 60).replace(/^/gm, '    | '));
          console.log((await stateSummary(built.cl)).replace(/^/gm, '    | '));
          keepLogs(built.cl, name);
          await built.cl.destroy();
          built = await build();
        }
      }
      results.push(`${summary(fault, rows)}${failed > 0 ? `  (${failed} trials failed)` : ''}`);
    }
  } finally {
    keepLogs(built.cl, name);
    await built.cl.destroy();
  }
  console.log(`\n${built.setup.name}`);
  if (built.setup.fenced)
    console.log(
      `hosts found powered off again while restoring (fenced while booting): ${refenced}; ` +
        `healthy hosts found powered off just before a fault: ${fencedBeforeFault}`,
    );
  console.log('fault     trials  p50 s   p90 s   p99 s   max s   double-active ms  lost writes');
  for (const r of results) console.log(r);
  console.log('');
}
console.log(
  `done in ${((Date.now() - started) / 60_000).toFixed(1)} min; load average at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
