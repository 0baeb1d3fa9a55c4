import { describeParams, runSimulation, type SimResult } from './raft-sim.js';
import { replayCommand } from './replay-command.js';
import { DEFAULT_SIM_OPTIONS, type MembershipMode, type SimOptions } from './sim-params.js';

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
function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const seeds: number[] =
    args.seed !== null ? [args.seed] : Array.from({ length: args.count }, (_, i) => args.from + i);
  let violations = 0;
  let longestMs: SimResult | null = null;
  let longestEvents: SimResult | null = null;
  let totalEvents = 0;
  for (const seed of seeds) {
    const sink = args.trace ? (line: string) => process.stdout.write(`${line}\n`) : null;
    const r = runSimulation(seed, args.options, sink);
    totalEvents += r.events;
    if (longestMs === null || r.simulatedMs > longestMs.simulatedMs) longestMs = r;
    if (longestEvents === null || r.events > longestEvents.events) longestEvents = r;
    if (r.violation === null) {
      if (!args.quiet) process.stdout.write(`${summaryLine(r)}\n`);
      continue;
    }
    violations++;
    process.stdout.write(`${summaryLine(r)}\n`);
    process.stdout.write(`VIOLATION seed ${seed}: ${r.violation.message}\n`);
    process.stdout.write(`  params: ${describeParams(r.params)}\n`);
    if (!args.trace) {
      process.stdout.write(`  last trace lines:\n`);
      for (const line of r.traceTail.slice(-40)) process.stdout.write(`    ${line}\n`);
    }
    process.stdout.write(`${replayCommand(seed, args.options)}\n`);
  }
  process.stdout.write(
    `seeds run: ${seeds.length}, violations: ${violations}, ` +
      `longest history: ${((longestMs?.simulatedMs ?? 0) / 1000).toFixed(1)}s simulated ` +
      `(seed ${longestMs?.seed}), ${longestEvents?.events ?? 0} events (seed ${longestEvents?.seed}); ` +
      `${totalEvents} events in all\n`,
  );
  return violations === 0 ? 0 : 1;
}

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

interface CliArgs {
  seed: number | null;
  from: number;
  count: number;
  trace: boolean;
  quiet: boolean;
  options: SimOptions;
}

const USAGE =
  'usage: raft-sim-cli [--seeds N] [--from S] | --seed S [--trace]\n' +
  '       [--membership auto|always|never] [--lease-reads] [--fault-ms-max MS]\n' +
  '       [--max-events N] [--quiet]\n';

function parseArgs(argv: string[]): CliArgs | string {
  const out: CliArgs = {
    seed: null,
    from: 1,
    count: 100,
    trace: false,
    quiet: false,
    options: { ...DEFAULT_SIM_OPTIONS },
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
        case '--lease-reads':
          out.options.leaseReads = true;
          break;
        case '--fault-ms-max':
          out.options.faultPhaseMsMax = int(argv[++i], a);
          break;
        case '--max-events':
          out.options.maxEvents = int(argv[++i], a);
          break;
        case '--membership': {
          const m = argv[++i];
          if (m !== 'auto' && m !== 'always' && m !== 'never') throw new Error('bad --membership');
          out.options.membership = m as MembershipMode;
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
