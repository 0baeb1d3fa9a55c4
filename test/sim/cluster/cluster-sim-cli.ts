import { choiceArg, countArg, seedCliMain, type SeedTally, type SimCli } from '../seed-cli.js';
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

const FENCING_MODES: readonly FencingMode[] = ['auto', 'always', 'never'];

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
const CLUSTER_SIM_CLI: SimCli<ClusterSimOptions, ClusterSimResult> = {
  usage:
    'usage: cluster-sim-cli [--seeds N] [--from S] | --seed S [--trace]\n' +
    '       [--fencing auto|always|never] [--fault-ms-max MS] [--max-events N] [--no-watchdog]\n' +
    '       [--quiet]\n',
  defaultOptions: DEFAULT_CLUSTER_SIM_OPTIONS,
  parseFlag(flag, value, options) {
    switch (flag) {
      case '--no-watchdog':
        options.watchdog = false;
        return true;
      case '--fault-ms-max':
        options.faultPhaseMaxMs = countArg(value(), flag);
        return true;
      case '--max-events':
        options.maxEvents = countArg(value(), flag);
        return true;
      case '--fencing':
        options.fencing = choiceArg(value(), flag, FENCING_MODES);
        return true;
      default:
        return false;
    }
  },
  run: runClusterSimulation,
  summaryLine,
  describeParams: (r) => describeClusterParams(r.params),
  replayCommand: clusterReplayCommand,
  traceTailLines: 60,
  tally: () => new ClusterSimTally(),
};

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

/** Totals: events, the longest history, faults by kind, and failover and heal times. */
class ClusterSimTally implements SeedTally<ClusterSimResult> {
  private totalEvents = 0;
  private longest: ClusterSimResult | null = null;
  private readonly failovers: number[] = [];
  private readonly healSettled: number[] = [];
  private readonly totals = {
    hostCrashes: 0,
    agentCrashes: 0,
    pauses: 0,
    partitions: 0,
    fences: 0,
    resets: 0,
    rediscovered: 0,
  };

  add(r: ClusterSimResult): void {
    const totals = this.totals;
    this.totalEvents += r.events;
    this.failovers.push(...r.failoversMs);
    if (r.healSettledMs !== null) this.healSettled.push(r.healSettledMs);
    totals.hostCrashes += r.faults.hostCrashes;
    totals.agentCrashes += r.faults.agentCrashes;
    totals.pauses += r.faults.agentPauses;
    totals.partitions += r.faults.partitions + r.faults.oneWayPartitions;
    totals.fences += r.fences;
    totals.resets += r.world.watchdogResets;
    totals.rediscovered += r.rediscovered;
    if (this.longest === null || r.simulatedMs > this.longest.simulatedMs) this.longest = r;
  }

  report(seedsRun: number, violations: number): string {
    const { totals, longest, failovers, healSettled } = this;
    const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}ms`);
    return (
      `seeds run: ${seedsRun}, violations: ${violations}, ${this.totalEvents} events, ` +
      `longest history ${((longest?.simulatedMs ?? 0) / 1000).toFixed(1)}s simulated (seed ${longest?.seed})\n` +
      `faults: ${totals.hostCrashes} host crashes, ${totals.agentCrashes} agent crashes (resources left running), ` +
      `${totals.pauses} agent pauses, ${totals.partitions} partitions, ${totals.fences} fences, ` +
      `${totals.resets} watchdog resets; ${totals.rediscovered} resources found running by probes\n` +
      `failover (simulated, host death to active again): ${failovers.length} samples, ` +
      `p50 ${ms(percentile(failovers, 0.5))}, p99 ${ms(percentile(failovers, 0.99))}, ` +
      `max ${ms(percentile(failovers, 1))}; heal settled p50 ${ms(percentile(healSettled, 0.5))}, ` +
      `p99 ${ms(percentile(healSettled, 0.99))}\n`
    );
  }
}

seedCliMain(CLUSTER_SIM_CLI);
