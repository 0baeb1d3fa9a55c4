/**
 * The invariants the simulations check. Safety invariants must hold at every step of every
 * run; liveness invariants only after the heal phase began (see docs/simulation.md).
 */
export type InvariantName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'linearizable-read'
  | 'ready-contract'
  | 'core-error'
  | 'liveness-leader'
  | 'liveness-convergence'
  | 'event-budget'
  | 'harness-error'
  // The whole-cluster simulation (test/sim/cluster/) adds these:
  | 'never-active-twice'
  | 'clone-instances-apart'
  | 'anti-affinity'
  | 'liveness-placement'
  | 'liveness-churn'
  | 'acknowledged-lost';

/**
 * Thrown by an observer the moment an invariant breaks. The message names the invariant first
 * (`[log-matching] ...`) and then the node, term and index involved, so a failing seed's
 * one-line summary already says what went wrong and where to look in its trace.
 */
export class SimViolation extends Error {
  /** Which invariant broke. */
  readonly invariant: InvariantName;

  constructor(invariant: InvariantName, detail: string) {
    super(`[${invariant}] ${detail}`);
    this.name = 'SimViolation';
    this.invariant = invariant;
  }
}

/**
 * The violation a thrown value stands for: itself when it is one (an observer caught a broken
 * invariant), else a violation of `invariant` carrying `context` and the value's stack, so a
 * bug that throws still ends the run with a report instead of a crash.
 */
export function violationOf(err: unknown, invariant: InvariantName, context = ''): SimViolation {
  if (err instanceof SimViolation) return err;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new SimViolation(invariant, `${context}${detail}`);
}

/**
 * Runs one call into node `node`'s Raft core (`what` names it for the report); an exception
 * from the core becomes a `core-error` violation. Both simulations' drivers call their cores
 * through this.
 */
export function callCore<T>(node: string, what: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw violationOf(err, 'core-error', `${node} threw in ${what}: `);
  }
}
