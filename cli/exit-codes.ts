/**
 * clusterctl's exit codes: stable, so scripts can branch on them (docs/clusterctl.md).
 *
 * - 0 `OK`: done;
 * - 1 `USAGE`: the command line is wrong (unknown verb or flag, missing argument);
 * - 2 `REFUSED`: the cluster refused the request or the input is invalid (a configuration
 *   with errors, an unknown resource or node, a failover that cannot happen);
 * - 3 `UNAVAILABLE`: no answer that could decide: the agent is unreachable, there is no
 *   leader or no quorum; retrying later may succeed;
 * - 4 `TIMED_OUT`: the request or the wait it asked for did not finish in time (a write may
 *   still take effect);
 * - 5 `INTERNAL`: a bug in the agent or in clusterctl (the message says what broke).
 */
export const ExitCode = {
  OK: 0,
  USAGE: 1,
  REFUSED: 2,
  UNAVAILABLE: 3,
  TIMED_OUT: 4,
  INTERNAL: 5,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as `--help` shows them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  usage error (unknown verb or flag, missing argument)
  2  refused or invalid input (configuration errors, unknown resource or node, a failover that cannot happen)
  3  unavailable (agent unreachable, no leader, no quorum): retrying later may succeed
  4  timed out (a write may still take effect)
  5  internal error (a bug: please report it with the message)`;
