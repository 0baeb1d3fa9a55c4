import { clusterReplayCommand } from './cluster-replay-command.js';
import {
  DEFAULT_CLUSTER_SIM_OPTIONS,
  type ClusterSimOptions,
  type FencingMode,
} from './cluster-params.js';
import {
  describeClusterParams,
  runClusterSimulation,
  type ClusterSimResult,
} from './cluster-sim.js';
import { percentile } from './percentile.js';

/**
 * Command line of the whole-cluster simulation (`npm run sim:cluster -- ARGS`):
 *
 *   --seeds N --from S   run seeds S .. S+N-1 (default: 100 seeds from 1)
 *   --seed S [--trace]   replay one seed, optionally printing its whole event log
 *   --fencing auto|always|never, --fault-ms-max MS, --max-events N, --no-watchdog
 *                        non-default runs (the replay line repeats them); --no-watchdog is
 *                        the control where stalled agents must cause violations
 *   --quiet              print only failures and the totals
 *
 * Prints one summary line per seed and totals at the end, including the simulated failover
 * times (p50/p99 over every failover of every seed); a failing seed prints the exact command
 * that replays it. Exits non-zero when any seed violated an invariant.
 */
function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const seeds: number[] =
    args.seed !== null ? [args.seed] : Array.from({ length: args.count }, (_, i) => args.from + i);
  let violations = 0;
  let totalEvents = 0;
  let longest: ClusterSimResult | null = null;
  const failovers: number[] = [];
  const healSettled: number[] = [];
  const totals = {
    hostCrashes: 0,
    agentCrashes: 0,
    pauses: 0,
    partitions: 0,
    fences: 0,
    resets: 0,
    rediscovered: 0,
  };
  for (const seed of seeds) {
    const sink = args.trace ? (line: string) => process.stdout.write(`${line}\n`) : null;
    const r = runClusterSimulation(seed, args.options, sink);
    totalEvents += r.events;
    failovers.push(...r.failoversMs);
    if (r.healSettledMs !== null) healSettled.push(r.healSettledMs);
    totals.hostCrashes += r.faults.hostCrashes;
    totals.agentCrashes += r.faults.agentCrashes;
    totals.pauses += r.faults.agentPauses;
    totals.partitions += r.faults.partitions + r.faults.oneWayPartitions;
    totals.fences += r.fences;
    totals.resets += r.world.watchdogResets;
    totals.rediscovered += r.rediscovered;
    if (longest === null || r.simulatedMs > longest.simulatedMs) longest = r;
    if (r.violation === null) {
      if (!args.quiet) process.stdout.write(`${summaryLine(r)}\n`);
      continue;
    }
    violations++;
    process.stdout.write(`${summaryLine(r)}\n`);
    process.stdout.write(`VIOLATION seed ${seed}: ${r.violation.message}\n`);
    process.stdout.write(`  params: ${describeClusterParams(r.params)}\n`);
    if (!args.trace) {
      process.stdout.write(`  last trace lines:\n`);
      for (const line of r.traceTail.slice(-60)) process.stdout.write(`    ${line}\n`);
    }
    process.stdout.write(`${clusterReplayCommand(seed, args.options)}\n`);
  }
  const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}ms`);
  process.stdout.write(
    `seeds run: ${seeds.length}, violations: ${violations}, ${totalEvents} events, ` +
      `longest history ${((longest?.simulatedMs ?? 0) / 1000).toFixed(1)}s simulated (seed ${longest?.seed})\n` +
      `faults: ${totals.hostCrashes} host crashes, ${totals.agentCrashes} agent crashes (resources left running), ` +
      `${totals.pauses} agent pauses, ${totals.partitions} partitions, ${totals.fences} fences, ` +
      `${totals.resets} watchdog resets; ${totals.rediscovered} resources found running by probes\n` +
      `failover (simulated, host death to active again): ${failovers.length} samples, ` +
      `p50 ${ms(percentile(failovers, 0.5))}, p99 ${ms(percentile(failovers, 0.99))}, ` +
      `max ${ms(percentile(failovers, 1))}; heal settled p50 ${ms(percentile(healSettled, 0.5))}, ` +
      `p99 ${ms(percentile(healSettled, 0.99))}\n`,
  );
  return violations === 0 ? 0 : 1;
}

/** One line per seed: outcome, simulated duration, faults, failovers. */
function summaryLine(r: ClusterSimResult): string {
  const f = r.faults;
  const p50 = percentile(r.failoversMs, 0.5);
  return [
    `seed ${r.seed}`,
    r.violation === null ? 'ok' : `FAIL[${r.violation.invariant}]`,
    `sim=${(r.simulatedMs / 1000).toFixed(1)}s`,
    `events=${r.events}`,
    `nodes=${r.params.nodeCount}`,
    `fencing=${r.params.fencing ? 'on' : 'off'}`,
    `watchdog=${r.params.watchdog ? 'on' : 'off'}`,
    `committed=${r.committedIndex}`,
    `elections=${r.elections}`,
    `faults=host ${f.hostCrashes} agent ${f.agentCrashes} pause ${f.agentPauses} part ${f.partitions}+${f.oneWayPartitions} storm ${f.storms}`,
    `fences=${r.fences} resets=${r.world.watchdogResets}(${r.world.watchdogSaves} saves)`,
    `ops=${r.operations} activations=${r.activations} rediscovered=${r.rediscovered}`,
    `client=${r.operator.acked}/${r.operator.proposed}`,
    `failovers=${r.failoversMs.length}${p50 === null ? '' : ` p50=${Math.round(p50)}ms`}`,
    r.healSettledMs === null ? '' : `heal=${Math.round(r.healSettledMs)}ms`,
  ]
    .filter((s) => s !== '')
    .join(' ');
}

interface CliArgs {
  seed: number | null;
  from: number;
  count: number;
  trace: boolean;
  quiet: boolean;
  options: ClusterSimOptions;
}

const USAGE =
  'usage: cluster-sim-cli [--seeds N] [--from S] | --seed S [--trace]\n' +
  '       [--fencing auto|always|never] [--fault-ms-max MS] [--max-events N] [--no-watchdog]\n' +
  '       [--quiet]\n';

function parseArgs(argv: string[]): CliArgs | string {
  const out: CliArgs = {
    seed: null,
    from: 1,
    count: 100,
    trace: false,
    quiet: false,
    options: { ...DEFAULT_CLUSTER_SIM_OPTIONS },
  };
  const int = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0)
      throw new Error(`${name} needs a number`);
    return n;
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      switch (a) {
        case '--seed':
          out.seed = int(argv[++i], a);
          break;
        case '--seeds':
          out.count = int(argv[++i], a);
          break;
        case '--from':
          out.from = int(argv[++i], a);
          break;
        case '--trace':
          out.trace = true;
          break;
        case '--quiet':
          out.quiet = true;
          break;
        case '--no-watchdog':
          out.options.watchdog = false;
          break;
        case '--fault-ms-max':
          out.options.faultPhaseMaxMs = int(argv[++i], a);
          break;
        case '--max-events':
          out.options.maxEvents = int(argv[++i], a);
          break;
        case '--fencing': {
          const m = argv[++i];
          if (m !== 'auto' && m !== 'always' && m !== 'never') throw new Error('bad --fencing');
          out.options.fencing = m as FencingMode;
          break;
        }
        default:
          throw new Error(`unknown argument ${a}`);
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  if (out.trace && out.seed === null) return '--trace needs --seed';
  return out;
}

// A closed pipe (`| head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = main(process.argv.slice(2));
