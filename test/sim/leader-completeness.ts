import type { NodeId } from '../../agent/src/raft/types.js';
import type { CommittedRecord } from './committed-record.js';
import type { LogView } from './log-view.js';
import { SimViolation } from './sim-violation.js';

/**
 * Leader completeness (Raft §5.4): a node that becomes leader of term T holds every entry
 * committed in an earlier term. "Committed" is judged from the global record of committed
 * (index, term) pairs observed so far; entries covered by the leader's snapshot count as held.
 *
 * "Earlier" means the term in which the entry became committed, not the entry's own term: a
 * candidate of term 10 that stalls and wins with term-10 votes only after a term-12 leader
 * committed a term-9 entry owes nothing to that commit. The record keeps an upper bound on
 * each entry's commit term, so the check never fires on such histories yet still catches a
 * leader missing anything committed before its term began.
 */
export class LeaderCompleteness {
  private readonly committed: CommittedRecord;

  constructor(committed: CommittedRecord) {
    this.committed = committed;
  }

  /** Checks the log of `node`, which just became leader of `term`. */
  observeNewLeader(node: NodeId, term: number, log: LogView): void {
    const top = this.committed.highestIndex;
    for (let i = log.snapshotIndex + 1; i <= top; i++) {
      const c = this.committed.at(i);
      if (c === undefined || c.committedByTerm >= term) continue;
      const held = log.entryAt(i);
      if (held === undefined || held.term !== c.term) {
        throw new SimViolation(
          'leader-completeness',
          `${node} became leader of term ${term} without entry ${i}/t${c.term}, committed ` +
            `by term ${c.committedByTerm} (seen on ${c.node}); it holds ${held === undefined ? 'nothing' : `term ${held.term}`} there`,
        );
      }
    }
  }
}
