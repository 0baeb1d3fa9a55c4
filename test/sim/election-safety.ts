import type { NodeId } from '../../agent/src/raft/types.js';
import { SimViolation } from './sim-violation.js';

/**
 * Election safety (Raft §5.2): at most one leader per term, over the whole history of the run —
 * including nodes that crashed and restarted since.
 */
export class ElectionSafety {
  private readonly leaders = new Map<number, NodeId>();

  /**
   * Records that `node` is leader in `term`; throws when another node led that term. Returns
   * true the first time this (term, node) is seen, i.e. when an election was won.
   */
  observeLeader(node: NodeId, term: number, atMs: number): boolean {
    const known = this.leaders.get(term);
    if (known === undefined) {
      this.leaders.set(term, node);
      return true;
    }
    if (known !== node) {
      throw new SimViolation(
        'election-safety',
        `term ${term} has two leaders: ${known} and ${node} (${node} at t=${atMs.toFixed(3)}ms)`,
      );
    }
    return false;
  }

  /** Elections won so far (distinct terms with a leader). */
  get elections(): number {
    return this.leaders.size;
  }
}
