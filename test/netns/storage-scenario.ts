// One fault scenario against the HA storage example, checked the way users see it: a client
// writes a new file through the virtual IP every 20 ms for the whole scenario; afterwards
// every acknowledged write must read back, the service must be back on one host, and the
// exclusivity watcher (reading every host's addresses and mount table every 20 ms, all along)
// must have seen neither the address nor the shared disk on two hosts at once.
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { describeOverlaps } from './exclusivity.js';
import type { HaStorage } from './ha-storage.js';
import type { NetnsCluster } from './netns-cluster.js';
import type { ClientProbe, ProbeReport } from './probe.js';
import { alive, procStat } from './sys.js';

/**
 * Wait until a host other than `from` serves; fails the test (with what was seen) otherwise.
 */
export async function expectMoved(ctx: ScenarioContext, from = ctx.active): Promise<string> {
  const moved = await ctx.hs.waitServing(BACK_WITHIN_MS, from);
  ctx.t.truthy(moved.host, `the service moved off ${from} (${moved.why})`);
  ctx.t.truthy(await ctx.writer.waitFor(true, BACK_WITHIN_MS), 'the client writes again');
  return moved.host ?? '';
}

/** What a scenario's fault step gets. */
export interface ScenarioContext {
  cl: NetnsCluster;
  hs: HaStorage;
  /** The host serving when the fault begins. */
  active: string;
  /** The writer probe (its `transitions` show the outages as they happen). */
  writer: ClientProbe;
  t: ExecutionContext;
}

/**
 * The agents' log lines since `sinceMs` that tell a failover's story (raft roles, leases,
 * resource operations, errors), merged in time order: for a failing scenario's output.
 */
export function storyOf(cl: NetnsCluster, sinceMs: number, max = 80): string {
  const lines: { time: number; text: string }[] = [];
  for (const h of cl.hosts) {
    let text: string;
    try {
      text = readFileSync(h.agent.logPath, 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) {
      if (l === '' || l.includes('proposal failed')) continue;
      try {
        const j = JSON.parse(l) as { time: number; msg: string } & Record<string, unknown>;
        if (j.time < sinceMs) continue;
        const { time, msg, level: _l, node, component: _c, ...rest } = j;
        lines.push({
          time,
          text: `${((time - sinceMs) / 1000).toFixed(3)} ${String(node)} ${msg} ${JSON.stringify(rest)}`,
        });
      } catch {
        lines.push({ time: sinceMs, text: l });
      }
    }
  }
  return lines
    .sort((a, b) => a.time - b.time)
    .slice(-max)
    .map((l) => l.text)
    .join('\n');
}

/** The cluster state as a live agent has it (placement, records, last events): for failures. */
export async function stateSummary(cl: NetnsCluster): Promise<string> {
  for (const a of cl.liveAgents()) {
    try {
      const doc = await a.state(false, 3_000);
      const records = Object.values(doc.resources).map(
        (r) => `${r.resource}@${r.node}=${r.state}/${r.failCount}/g${r.generation}`,
      );
      const events = doc.events.slice(-15).map((e) => JSON.stringify(e));
      return `state from ${a.id}: placement ${JSON.stringify(doc.placement)}\nrecords ${records.join(' ')}\nnodes ${JSON.stringify(doc.nodes)}\n${events.join('\n')}`;
    } catch {
      // try the next one
    }
  }
  return 'no agent answered';
}

/** Bound on the service coming back after a fault, and after recovery (a liveness deadline). */
export const BACK_WITHIN_MS = 45_000;

/**
 * Bring the cluster to a known healthy state: every host powered and its agent running, no
 * isolation or pulled cable, no frozen agent, no standby flag, an agreed leader, the service
 * served by one host and the writer's view up.
 */
export async function restoreHealthy(cl: NetnsCluster, hs: HaStorage): Promise<string> {
  await cl.heal();
  for (const h of cl.hosts) {
    const pid = h.agent.pidOrUndefined;
    if (!cl.isOn(h.name)) await cl.powerOn(h.name);
    else if (pid === undefined || !alive(pid)) await cl.restartAgent(h.name);
    else if (procStat(pid)?.state === 'T') await cl.resumeAgent(h.name);
  }
  const { leader } = await cl.waitForLeader({ timeoutMs: 30_000 });
  const doc = await cl.host(leader).agent.state(true);
  for (const [node, flags] of Object.entries(doc.nodes))
    if (flags.standby)
      await cl.host(leader).agent.propose({
        type: 'set-node-flags',
        node,
        standby: false,
        atMs: Date.now(),
      });
  for (const intent of doc.intents)
    await cl.host(leader).agent.propose({
      type: 'clear-intents',
      resource: intent.resource,
      node: null,
      atMs: Date.now(),
    });
  await forgetFailures(cl);
  const up = await hs.waitServing(BACK_WITHIN_MS);
  if (up.host === undefined) throw new Error(`cluster not healthy before the scenario: ${up.why}`);
  return up.host;
}

/**
 * Forget every recorded failure (`cleanup` of each resource with a fail count), as an operator
 * does after a fault: a cut-off node's monitor rightly counts a failure (no carrier), and a
 * series of scenarios or trials on the same cluster would otherwise reach migration-threshold
 * and ban the resource from node after node.
 */
export async function forgetFailures(cl: NetnsCluster): Promise<void> {
  const { leader } = await cl.waitForLeader({ timeoutMs: 30_000 });
  const agent = cl.host(leader).agent;
  const doc = await agent.state(true);
  const failing = new Set(
    Object.values(doc.resources)
      .filter((r) => r.failCount > 0)
      .map((r) => r.resource.replace(/:\d+$/, '')),
  );
  for (const resource of failing)
    await agent.propose({ type: 'cleanup', resource, node: null, atMs: Date.now() });
}

/**
 * Run `fault` with a writer going, then check: the service is back, every acknowledged PUT
 * reads back, and no overlap was recorded during the scenario. Returns the writer's report.
 */
export async function runScenario(
  t: ExecutionContext,
  cl: NetnsCluster,
  hs: HaStorage,
  name: string,
  fault: (ctx: ScenarioContext) => Promise<void>,
): Promise<ProbeReport> {
  const active = await restoreHealthy(cl, hs);
  // Checked from here: the fault, the failover, and the recovery (power on, heal, ...).
  const overlapsBefore = (await cl.watcher!.report()).overlaps.length;
  const writer = await hs.writer(`${name}-`);
  t.truthy(await writer.waitFor(true, 10_000), 'the client can write before the fault');
  const startedAt = Date.now();

  await fault({ cl, hs, active, writer, t });
  await restoreHealthy(cl, hs);

  const back = await hs.waitServing(BACK_WITHIN_MS);
  t.truthy(back.host, `the service is back after the scenario (${back.why})`);
  t.truthy(await writer.waitFor(true, BACK_WITHIN_MS), 'the client writes again');
  const report = await writer.stop();

  const rb = hs.readback(report.acked);
  t.true(report.acked.length > 0, 'some writes were acknowledged');
  t.deepEqual(rb.missing, [], 'every acknowledged write is there');
  t.deepEqual(rb.wrong, [], 'every acknowledged write has its content');
  t.deepEqual(rb.errors, [], 'the read-back could ask for every file');

  const watch = await cl.watcher!.report();
  const overlaps = watch.overlaps.slice(overlapsBefore);
  t.deepEqual(overlaps, [], describeOverlaps(overlaps));
  t.log(
    `${name}: active ${active}, serving ${back.host} after; ${report.acked.length}/${report.requests} writes acknowledged, all read back; ` +
      `outages ${report.outages.map((o) => `${(o.toMs - o.fromMs).toFixed(0)} ms`).join(', ') || 'none'}; ` +
      `${((Date.now() - startedAt) / 1000).toFixed(1)} s; watcher max gap ${watch.maxGapMs.toFixed(0)} ms, no overlap`,
  );
  return report;
}
