/**
 * Scheduler benchmark: plan time and memory for a cold start and for a node loss, with
 * resources in groups of three, at several sizes. Each case runs in a fresh child process so
 * its memory figures are its own.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/scheduler/scheduler-bench.js \
 *     [--resources 1000,5000,10000] [--nodes 16,32] [--warmup 3] [--runs 5]
 *
 * Cases:
 * - cold start: no status records at all, so every instance is probed on every node and every
 *   start waits for its probes (the largest plan);
 * - node loss: every resource runs where the cold start put it (computed in another process),
 *   every node has a record of every resource (as after the probes), and node1 is now offline
 *   and clean: its share moves.
 *
 * The configuration has some of every constraint kind, indexed by resource: a rack
 * preference (rule) on every 10th group, a -INFINITY load rule on every 13th, a mandatory
 * order from the previous group on every 7th, an anti-affinity with the previous group on
 * every 11th.
 *
 * Printed per case: the first plan (cold JIT: what a freshly elected leader pays once) and
 * the median of `runs` plans after `warmup` more (a leader that has been scheduling), in ms;
 * heap allocated by one plan (no GC in between) and still held by the plan after GC; peak RSS
 * while planning (Linux: the high-water mark is reset before the runs) and how far it rose
 * above the RSS before planning (the input, built beforehand, is in the baseline); plan size.
 * A benchmark prints figures; it passes or fails nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { INFINITY } from '../../agent/src/config/model.js';
import { schedule } from '../../agent/src/scheduler/schedule.js';
import type { Plan, SchedulerInput } from '../../agent/src/scheduler/types.js';
import * as b from '../../test/scheduler/builders.js';

const { values } = parseArgs({
  options: {
    resources: { type: 'string', default: '1000,5000,10000' },
    nodes: { type: 'string', default: '16,32' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    case: { type: 'string' },
    placement: { type: 'string' },
  },
});

/** A cluster of `resourceCount` primitives in groups of three on `nodeCount` nodes. */
function coldStart(resourceCount: number, nodeCount: number): SchedulerInput {
  const nodes = Array.from({ length: nodeCount }, (_, i) =>
    b.node(`node${i + 1}`, { attributes: { rack: `r${i % 4}`, load: (i * 37) % 100 } }),
  );
  const resources = [];
  const groups = [];
  const locations = [];
  const orders = [];
  const colocations = [];
  const groupCount = Math.ceil(resourceCount / 3);
  for (let g = 0; g < groupCount; g++) {
    const members = [];
    for (let m = 0; m < 3 && g * 3 + m < resourceCount; m++) {
      const id = `g${g}-m${m}`;
      resources.push(b.primitive(id));
      members.push(id);
    }
    groups.push(b.group(`g${g}`, members));
    if (g % 10 === 0) {
      const rule = { attribute: 'rack', op: 'eq' as const, value: `r${g % 4}` };
      locations.push(b.location(`g${g}-rack`, `g${g}`, 50, null, [rule]));
    }
    if (g % 13 === 0) {
      const rule = { attribute: 'load', op: 'gt' as const, value: 95 };
      locations.push(b.location(`g${g}-cool`, `g${g}`, -INFINITY, null, [rule]));
    }
    if (g % 7 === 0 && g > 0) orders.push(b.order(`g${g - 1}-then-g${g}`, `g${g - 1}`, `g${g}`));
    if (g % 11 === 0 && g > 0) {
      colocations.push(b.colocation(`g${g}-not-g${g - 1}`, `g${g}`, `g${g - 1}`, -INFINITY));
    }
  }
  return b.input({ nodes, resources, groups, locations, orders, colocations });
}

/** The cold-start cluster running as `placement` says, with full records, node1 lost. */
function nodeLoss(cold: SchedulerInput, placement: Plan['placement']): SchedulerInput {
  const status = [];
  for (const def of cold.config.resources) {
    for (const node of cold.nodes) {
      const state = placement[def.id] === node.id ? 'started' : 'stopped';
      status.push(b.record(def.id, node.id, state));
    }
  }
  const nodes = cold.nodes.map((n) => (n.id === 'node1' ? { ...n, online: false } : n));
  return { ...cold, nodes, status };
}

const MB = 1024 * 1024;

/** Reset the kernel's peak-RSS mark (Linux); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS in bytes since the last reset (or since the process started). */
function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}

function runCase(
  kind: string,
  resourceCount: number,
  nodeCount: number,
  warmup: number,
  runs: number,
): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cold = coldStart(resourceCount, nodeCount);
  // The node-loss state comes from the cold start's placement, computed by another process
  // (given on stdin) so that its memory does not count here.
  const input =
    kind === 'cold'
      ? cold
      : nodeLoss(cold, JSON.parse(readFileSync(0, 'utf8')) as Plan['placement']);
  gc();
  const heapBaseline = process.memoryUsage().heapUsed;
  const rssBaseline = process.memoryUsage().rss;
  const peakReset = resetPeakRss();
  let t0 = performance.now();
  // The latest plan stays referenced (as a leader would keep it) while the next is made.
  let plan: Plan = schedule(input);
  const firstMs = performance.now() - t0;
  const allocated = process.memoryUsage().heapUsed - heapBaseline;
  for (let i = 0; i < warmup; i++) plan = schedule(input);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    t0 = performance.now();
    plan = schedule(input);
    times.push(performance.now() - t0);
  }
  const peakRss = peakRssBytes();
  gc();
  const held = process.memoryUsage().heapUsed - heapBaseline;
  times.sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      firstMs,
      medianMs: times[Math.floor(times.length / 2)] ?? firstMs,
      allocatedMb: allocated / MB,
      heldMb: held / MB,
      peakRssMb: peakRss / MB,
      rssRiseMb: (peakRss - rssBaseline) / MB,
      peakReset,
      actions: plan.actions.length,
      changes: plan.summary.length,
      unplaced: plan.unplaced.length,
    }),
  );
}

function column(value: number | string, width: number, digits = 0): string {
  return (typeof value === 'number' ? value.toFixed(digits) : value).padStart(width);
}

if (values.placement !== undefined) {
  const [resources, nodes] = values.placement.split(':');
  console.log(JSON.stringify(schedule(coldStart(Number(resources), Number(nodes))).placement));
} else if (values.case !== undefined) {
  const [kind, resources, nodes] = values.case.split(':');
  runCase(kind!, Number(resources), Number(nodes), Number(values.warmup), Number(values.runs));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(
    `node ${process.version}; first run, then median of ${values.runs} runs after ${values.warmup} warm-up runs`,
  );
  let peakNotReset = false;
  console.log(
    'case        resources nodes  first ms  median ms  alloc MB  held MB  peak RSS MB  RSS rise MB  actions  changes',
  );
  for (const kind of ['cold', 'loss']) {
    for (const nodeCount of values.nodes.split(',').map(Number)) {
      for (const resourceCount of values.resources.split(',').map(Number)) {
        const placement =
          kind === 'loss'
            ? spawnSync(process.execPath, [self, '--placement', `${resourceCount}:${nodeCount}`], {
                encoding: 'utf8',
                maxBuffer: 1 << 26,
              }).stdout
            : '';
        const child = spawnSync(
          process.execPath,
          [
            self,
            '--case',
            `${kind}:${resourceCount}:${nodeCount}`,
            '--warmup',
            values.warmup,
            '--runs',
            values.runs,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 20, input: placement },
        );
        const name = kind === 'cold' ? 'cold start' : 'node loss';
        if (child.status !== 0) {
          console.log(`${name} ${resourceCount} ${nodeCount}: failed\n${child.stderr}`);
          continue;
        }
        const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
        if (!r['peakReset']) peakNotReset = true;
        console.log(
          [
            name.padEnd(10),
            column(resourceCount, 9),
            column(nodeCount, 5),
            column(r['firstMs']!, 9, 1),
            column(r['medianMs']!, 10, 1),
            column(r['allocatedMb']!, 9, 1),
            column(r['heldMb']!, 8, 1),
            column(r['peakRssMb']!, 12, 1),
            column(r['rssRiseMb']!, 12, 1) + (r['peakReset'] ? '' : '*'),
            column(r['actions']!, 8),
            column(r['changes']!, 8),
          ].join(' '),
        );
      }
    }
  }
  if (peakNotReset) console.log('* peak RSS could not be reset: it includes building the input');
}
