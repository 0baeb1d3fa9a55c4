import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EMPTY_CLUSTER_CONFIG, type ClusterConfig } from '../../agent/src/config/model.js';
import type { ClusterStateDoc } from '../../agent/src/state/cluster-state.js';
import { pollUntil, type AgentProcess } from '../harness/agent-processes.js';
import {
  activeNode,
  markerConfig,
  startMarkerRig,
  type MarkerRig,
} from '../harness/marker-resource.js';

// The fencing path with real agent processes on loopback. The resource is a marker file per
// node (ocf:test:marker); the fence device is test/agent/fence/fence_test_power, which
// "powers off" a host the way a power cut does: it SIGKILLs the host's clusterd and lease
// guard and removes its marker, and reports the host off only once no process of it is left.
// A host is paused with SIGSTOP: its clusterd stays a process but falls silent, so only a
// fence (or, without fencing, the lease guard at the end of the lease) ends what runs there.

const FENCE_AGENT = resolve('test/agent/fence/fence_test_power');

/** A marker rig whose hosts the test power switch can power off. */
interface Rig extends MarkerRig {
  hostsDir: string;
  fenceLog: string;
}

/** The marker resource `web` with (or without) fencing by the test power switch. */
function config(rig: Rig, opts: { fencing: boolean; deviceFails?: boolean }): ClusterConfig {
  const nodes = rig.cluster.agents.map((a) => a.id);
  return {
    ...markerConfig(rig.markers, { migrationThreshold: 3 }),
    properties: { ...EMPTY_CLUSTER_CONFIG.properties, fencingEnabled: opts.fencing },
    fencing: {
      devices: [
        {
          id: 'power',
          agent: FENCE_AGENT,
          params: {
            hosts_dir: rig.hostsDir,
            log: rig.fenceLog,
            ...(opts.deviceFails === true ? { fail: '1' } : {}),
          },
          hostMap: Object.fromEntries(nodes.map((n) => [n, n])),
          timeoutMs: 10_000,
        },
      ],
      topology: {},
    },
  };
}

/** Start three agents and describe each host to the fence agent (its pids, its marker). */
async function startRig(t: ExecutionContext, extraArgs: string[]): Promise<Rig> {
  const marker = await startMarkerRig(t, 'quorate-fence-', extraArgs);
  const { scratch, markers, cluster } = marker;
  const hostsDir = join(scratch, 'hosts');
  mkdirSync(hostsDir);
  const rig: Rig = { ...marker, hostsDir, fenceLog: join(scratch, 'fence.log') };
  for (const agent of cluster.agents) {
    const guardPid = await pollUntil(10_000, 20, async () => {
      const text = readFileSync(join(agent.dataDir, 'guard.pid'), 'utf8').trim();
      return /^\d+$/.test(text) ? text : undefined;
    });
    if (guardPid === undefined) throw new Error(`${agent.id}: no lease guard pid`);
    const lines = [`pid ${agent.pid}`, `pid ${guardPid}`, `file ${join(markers, agent.id)}`];
    writeFileSync(join(hostsDir, agent.id), `${lines.join('\n')}\n`);
  }
  return rig;
}

function fenceCalls(rig: Rig): string[] {
  try {
    return readFileSync(rig.fenceLog, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** The leader among `agents` (the others answer too), or undefined. */
async function leaderAmong(agents: AgentProcess[], timeoutMs: number): Promise<AgentProcess> {
  const found = await pollUntil(timeoutMs, 50, async () => {
    const statuses = await Promise.all(agents.map((a) => a.status()));
    const leader = statuses.find((s) => s.role === 'leader');
    return leader === undefined ? undefined : agents.find((a) => a.id === leader.id);
  });
  if (found === undefined) throw new Error(`no leader among ${agents.map((a) => a.id).join(',')}`);
  return found;
}

interface PauseResult {
  owner: string;
  wasLeader: boolean;
  next: string | undefined;
  downtimeMs: number;
}

/** The node `web` runs on, once its start is recorded in the log. */
async function startedOn(rig: Rig): Promise<string> {
  const first = await activeNode(rig.markers, 20_000, undefined, 10);
  if (first === undefined) throw new Error('the resource never started');
  const recorded = await pollUntil(10_000, 20, async () => {
    const doc = await rig.cluster.agent(first).state();
    return doc.resources[`web@${first}`]?.state === 'started' ? true : undefined;
  });
  if (recorded === undefined) throw new Error(`the start on ${first} was never recorded`);
  return first;
}

/** Pause the node running `web` (SIGSTOP) and wait until it is active on another node. */
async function pauseOwner(rig: Rig, withinMs: number): Promise<PauseResult> {
  const first = await startedOn(rig);
  const { leader } = await rig.cluster.waitForLeader();
  const pausedAt = performance.now();
  rig.cluster.agent(first).signal('SIGSTOP');
  const next = await activeNode(rig.markers, withinMs, first, 10);
  return {
    owner: first,
    wasLeader: first === leader,
    next,
    downtimeMs: performance.now() - pausedAt,
  };
}

function describe(r: PauseResult): string {
  return `${r.owner} (${r.wasLeader ? 'the Raft leader' : 'a follower'}) paused; active on ${r.next ?? 'nothing'} after ${r.downtimeMs.toFixed(0)} ms`;
}

// Two lease lengths: the default (550 ms) and a long one (6 s, as a resource that takes a few
// seconds to stop needs). Without fencing the move waits for the lease; with it, it does not.
const TIMINGS: { name: string; args: string[] }[] = [
  { name: 'default lease (550 ms)', args: [] },
  { name: 'long lease (6 s)', args: ['--lease-ms', '6000', '--stop-budget-ms', '3000'] },
];

for (const timing of TIMINGS) {
  test.serial(
    `fencing, ${timing.name}: a paused node is powered off by its fence device and the resource moves at once`,
    async (t) => {
      const rig = await startRig(t, timing.args);
      await rig.cluster.applyConfig(config(rig, { fencing: true }), 'test');
      const r = await pauseOwner(rig, 30_000);
      t.truthy(r.next, 'the resource came back on another node');
      t.not(r.next, r.owner);
      t.log(`fencing on, ${timing.name}: ${describe(r)}`);

      const calls = fenceCalls(rig);
      t.true(calls.includes(`action=off plug=${r.owner} rc=0`), calls.join('; '));
      t.true(calls.includes(`action=status plug=${r.owner} rc=2`), 'verified off');
      t.false(
        calls.some((c) => !c.includes(`plug=${r.owner} `)),
        `only the paused node was fenced: ${calls.join('; ')}`,
      );
      // The fence is in the log: the paused node is marked fenced, and its record no longer
      // says the resource runs there (`stopped` from node-down, or `unknown` once the move
      // away from it is recorded: that node confirms with a stop when it comes back).
      const survivor = rig.cluster.agent(r.next!);
      const doc = await pollUntil(10_000, 50, async () => {
        const d = await survivor.state();
        return d.nodes[r.owner]?.fenced === true ? d : undefined;
      });
      t.truthy(doc, 'node-down (fenced) recorded');
      t.true(
        ['stopped', 'unknown'].includes(doc?.resources[`web@${r.owner}`]?.state ?? 'stopped'),
        `record on the fenced node: ${doc?.resources[`web@${r.owner}`]?.state}`,
      );

      rig.watch.stop();
      t.is(rig.watch.maxActive(), 1, 'never active on two nodes at once');
    },
  );

  test.serial(
    `lease only, ${timing.name}: the resource moves once the paused node's lease surely ended`,
    async (t) => {
      const rig = await startRig(t, timing.args);
      await rig.cluster.applyConfig(config(rig, { fencing: false }), 'test');
      const r = await pauseOwner(rig, 30_000);
      t.truthy(r.next, 'the resource came back on another node');
      t.not(r.next, r.owner);
      t.log(`fencing off, ${timing.name}: ${describe(r)}`);
      t.deepEqual(fenceCalls(rig), [], 'no fence device runs while fencing is off');
      rig.watch.stop();
      t.is(rig.watch.maxActive(), 1, 'never active on two nodes at once');
    },
  );
}

test.serial(
  'fencing, a failing device: the paused node stays unclean and its resource does not move',
  async (t) => {
    const rig = await startRig(t, []);
    await rig.cluster.applyConfig(config(rig, { fencing: true, deviceFails: true }), 'test');
    const first = await startedOn(rig);
    const owner = rig.cluster.agent(first);
    owner.signal('SIGSTOP');
    const survivors = rig.cluster.agents.filter((a) => a !== owner);

    // The leader tries, fails, backs off and tries again (retryAfterFailureMs, 5 s).
    const offs = await pollUntil(20_000, 50, async () => {
      const calls = fenceCalls(rig).filter((c) => c === `action=off plug=${first} rc=1`);
      return calls.length >= 2 ? calls : undefined;
    });
    t.truthy(offs, `the device was tried and retried: ${fenceCalls(rig).join('; ')}`);
    t.false(
      fenceCalls(rig).some((c) => c.startsWith('action=status')),
      'no status check after a failed off',
    );

    // Many lease lengths later, nothing moved: no marker elsewhere, no placement change, the
    // paused node not recorded down.
    t.deepEqual(
      readdirSync(rig.markers).filter((f) => f !== first),
      [],
    );
    const leader = await leaderAmong(survivors, 10_000);
    const doc: ClusterStateDoc = await leader.state();
    t.is(doc.placement['web']?.node, first, 'still placed on the paused node');
    t.not(doc.nodes[first]?.fenced, true);
    t.is(doc.resources[`web@${first}`]?.state, 'started', 'its record is not cleared');

    // The failure is visible in the leader's log, with the device's own message.
    const log = readFileSync(join(rig.cluster.root, `${leader.id}.log`), 'utf8');
    t.regex(log, /"msg":"fencing failed"/);
    t.regex(log, /unable to connect to the power switch/);
    rig.watch.stop();
    t.true(rig.watch.maxActive() <= 1, 'never active on two nodes at once');
  },
);
