import type { NetworkStats } from './sim-network.js';
import type { SimViolation } from './sim-violation.js';

/**
 * What every simulation reports of one seed's run, whatever it simulates; each simulation's
 * result extends it with its own counters. `P` is the parameters the seed drew.
 */
export interface SimRunResult<P> {
  seed: number;
  params: P;
  /** The first violation, or null when every invariant held. */
  violation: SimViolation | null;
  /** Simulated time the run covered. */
  simulatedMs: number;
  /** Events the run took. */
  events: number;
  /** Highest log index known committed. */
  committedIndex: number;
  /** Elections won (distinct terms with a leader). */
  elections: number;
  network: NetworkStats;
  /** The last trace lines before the end of a failing run (empty when it passed). */
  traceTail: string[];
}
