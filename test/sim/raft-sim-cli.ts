import { describeParams, runSimulation, type SimResult } from './raft-sim.js';
import { replayCommand } from './replay-command.js';
import { choiceArg, countArg, seedCliMain, type SeedTally, type SimCli } from './seed-cli.js';
import { DEFAULT_SIM_OPTIONS, type MembershipMode, type SimOptions } from './sim-params.js';

const MEMBERSHIP_MODES: readonly MembershipMode[] = ['auto', 'always', 'never'];

/**
 * Command line of the Raft simulation (`npm run sim -- ARGS`):
 *
 *   --seeds N --from S   run seeds S .. S+N-1 (default: 100 seeds from 1)
 *   --seed S [--trace]   replay one seed, optionally printing its whole event log
 *   --membership auto|always|never, --lease-reads, --fault-ms-max MS, --max-events N
 *                        non-default runs (the replay line repeats them)
 *   --quiet              print only failures and the totals
 *
 * Prints one summary line per seed and totals at the end; a failing seed prints the exact
 * command that replays it. Exits non-zero when any seed violated an invariant.
 */
const RAFT_SIM_CLI: SimCli<SimOptions, SimResult> = {
  usage:
    'usage: raft-sim-cli [--seeds N] [--from S] | --seed S [--trace]\n' +
    '       [--membership auto|always|never] [--lease-reads] [--fault-ms-max MS]\n' +
    '       [--max-events N] [--quiet]\n',
  defaultOptions: DEFAULT_SIM_OPTIONS,
  parseFlag(flag, value, options) {
    switch (flag) {
      case '--lease-reads':
        options.leaseReads = true;
        return true;
      case '--fault-ms-max':
        options.faultPhaseMsMax = countArg(value(), flag);
        return true;
      case '--max-events':
        options.maxEvents = countArg(value(), flag);
        return true;
      case '--membership':
        options.membership = choiceArg(value(), flag, MEMBERSHIP_MODES);
        return true;
      default:
        return false;
    }
  },
  run: runSimulation,
  summaryLine,
  describeParams: (r) => describeParams(r.params),
  replayCommand,
  traceTailLines: 40,
  tally: () => new RaftSimTally(),
};

/** One line per seed: seed, simulated duration, commits, elections, faults. */
function summaryLine(r: SimResult): string {
  const f = r.faultStats;
  const w = r.workload;
  return [
    `seed ${r.seed}`,
    r.violation === null ? 'ok' : `FAIL[${r.violation.invariant}]`,
    `sim=${(r.simulatedMs / 1000).toFixed(1)}s`,
    `events=${r.events}`,
    `nodes=${r.params.nodeCount}${r.membership === null ? '' : `+m(${r.membership.committed} changes)`}`,
    `committed=${r.committedIndex}`,
    `elections=${r.elections}`,
    `faults=${r.faults} (crash ${f.crashes}+${f.crashesAfterPersist} part ${f.partitions}+${f.oneWayPartitions} storm ${f.storms} pause ${f.pauses} torn ${r.cluster.tornWrites})`,
    `ops=${r.operator.transfers}+${r.operator.campaigns}`,
    `acked=${w.acked}/${w.proposed} reads=${w.readsAnswered}/${w.readsIssued}`,
    `snaps=${r.cluster.snapshotsInstalled}`,
    r.healConvergeMs === null ? '' : `heal=${Math.round(r.healConvergeMs)}ms`,
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/** Totals: the longest history in simulated time and in events, and all events. */
class RaftSimTally implements SeedTally<SimResult> {
  private longestMs: SimResult | null = null;
  private longestEvents: SimResult | null = null;
  private totalEvents = 0;

  add(r: SimResult): void {
    this.totalEvents += r.events;
    if (this.longestMs === null || r.simulatedMs > this.longestMs.simulatedMs) this.longestMs = r;
    if (this.longestEvents === null || r.events > this.longestEvents.events) {
      this.longestEvents = r;
    }
  }

  report(seedsRun: number, violations: number): string {
    const longestMs = this.longestMs;
    const longestEvents = this.longestEvents;
    return (
      `seeds run: ${seedsRun}, violations: ${violations}, ` +
      `longest history: ${((longestMs?.simulatedMs ?? 0) / 1000).toFixed(1)}s simulated ` +
      `(seed ${longestMs?.seed}), ${longestEvents?.events ?? 0} events (seed ${longestEvents?.seed}); ` +
      `${this.totalEvents} events in all\n`
    );
  }
}

seedCliMain(RAFT_SIM_CLI);
