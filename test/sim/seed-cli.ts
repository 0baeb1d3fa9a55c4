import type { SimRunResult } from './sim-run-result.js';
import type { TraceSink } from './trace-log.js';

/** Totals over the seeds of one command: fed every result, printed once at the end. */
export interface SeedTally<R> {
  /** Counts one seed's result (in seed order). */
  add(r: R): void;
  /** The closing text (whole lines, each ending in a newline). */
  report(seedsRun: number, violations: number): string;
}

/**
 * One simulation as its command line drives it. The shell owns the flags every simulation
 * has (`--seeds N --from S`, `--seed S [--trace]`, `--quiet`); the simulation parses its own
 * options, runs a seed, and renders results.
 */
export interface SimCli<O, R extends SimRunResult<unknown>> {
  /** The usage text printed after a bad argument (whole lines). */
  usage: string;
  /** The options of a run without option flags; copied, never changed. */
  defaultOptions: O;
  /**
   * Parses a simulation-specific flag into `options`; `value()` takes the flag's argument.
   * Returns false for a flag it does not know; throws an Error naming a bad value.
   */
  parseFlag(flag: string, value: () => string | undefined, options: O): boolean;
  /** Runs one seed; `traceSink` prints every trace line when given (`--trace`). */
  run(seed: number, options: O, traceSink: TraceSink | null): R;
  /** One line per seed. */
  summaryLine(r: R): string;
  /** The drawn parameters of a failing seed. */
  describeParams(r: R): string;
  /** The line that replays a failing seed under the same options. */
  replayCommand(seed: number, options: O): string;
  /** How many trace lines before a violation a failing seed shows. */
  traceTailLines: number;
  /** A fresh tally for the totals. */
  tally(): SeedTally<R>;
}

/**
 * The count argument of a flag: a non-negative safe integer, or an Error naming the flag
 * (`--seeds needs a number`).
 */
export function countArg(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${flag} needs a number`);
  }
  return n;
}

/**
 * The argument of a flag that takes one of a few words, or an Error naming the flag
 * (`bad --fencing`).
 */
export function choiceArg<C extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly C[],
): C {
  if (value === undefined || !(choices as readonly string[]).includes(value)) {
    throw new Error(`bad ${flag}`);
  }
  return value as C;
}

interface CliArgs<O> {
  seed: number | null;
  from: number;
  count: number;
  trace: boolean;
  quiet: boolean;
  options: O;
}

function parseArgs<O>(
  argv: string[],
  cli: Pick<SimCli<O, never>, 'defaultOptions' | 'parseFlag'>,
): CliArgs<O> | string {
  const out: CliArgs<O> = {
    seed: null,
    from: 1,
    count: 100,
    trace: false,
    quiet: false,
    options: { ...cli.defaultOptions },
  };
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      const value = () => argv[++i];
      switch (a) {
        case '--seed':
          out.seed = countArg(value(), a);
          break;
        case '--seeds':
          out.count = countArg(value(), a);
          break;
        case '--from':
          out.from = countArg(value(), a);
          break;
        case '--trace':
          out.trace = true;
          break;
        case '--quiet':
          out.quiet = true;
          break;
        default:
          if (!cli.parseFlag(a, value, out.options)) throw new Error(`unknown argument ${a}`);
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  if (out.trace && out.seed === null) return '--trace needs --seed';
  return out;
}

/**
 * Runs a simulation's command line: seeds S .. S+N-1 (default: 100 seeds from 1) or the one
 * seed of `--seed`, one summary line per seed (`--quiet`: failing seeds only) and the tally at
 * the end. A failing seed also prints its violation, parameters, the trace lines before it
 * (unless the whole trace was printed) and the command that replays it. Returns the exit
 * code: 0 when every seed held, 1 when any violated an invariant, 2 after a bad argument
 * (its error and the usage go to stderr).
 */
export function runSeedCli<O, R extends SimRunResult<unknown>>(
  argv: string[],
  cli: SimCli<O, R>,
): number {
  const args = parseArgs(argv, cli);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${cli.usage}`);
    return 2;
  }
  const out = (text: string) => process.stdout.write(text);
  const seeds: number[] =
    args.seed !== null ? [args.seed] : Array.from({ length: args.count }, (_, i) => args.from + i);
  const tally = cli.tally();
  let violations = 0;
  for (const seed of seeds) {
    const sink = args.trace ? (line: string) => out(`${line}\n`) : null;
    const r = cli.run(seed, args.options, sink);
    tally.add(r);
    if (r.violation === null) {
      if (!args.quiet) out(`${cli.summaryLine(r)}\n`);
      continue;
    }
    violations++;
    out(`${cli.summaryLine(r)}\n`);
    out(`VIOLATION seed ${seed}: ${r.violation.message}\n`);
    out(`  params: ${cli.describeParams(r)}\n`);
    if (!args.trace) {
      out(`  last trace lines:\n`);
      for (const line of r.traceTail.slice(-cli.traceTailLines)) out(`    ${line}\n`);
    }
    out(`${cli.replayCommand(seed, args.options)}\n`);
  }
  out(tally.report(seeds.length, violations));
  return violations === 0 ? 0 : 1;
}

/**
 * The entry point of a simulation's CLI script: runs {@link runSeedCli} on the process's
 * arguments and sets the exit code. A closed pipe (`| head`) ends the process quietly instead
 * of with a stack trace.
 */
export function seedCliMain<O, R extends SimRunResult<unknown>>(cli: SimCli<O, R>): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = runSeedCli(process.argv.slice(2), cli);
}
