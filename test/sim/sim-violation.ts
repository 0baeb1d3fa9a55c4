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
