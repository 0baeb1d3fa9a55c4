import type { Entry, NodeId } from '../../agent/src/raft/types.js';
import { entryContent, type LogView } from './log-view.js';
import { SimViolation } from './sim-violation.js';

/** One committed log position as first observed. */
export interface CommittedEntry {
  term: number;
  content: string;
  /** Who revealed it, for error messages. */
  node: NodeId;
  /**
   * An upper bound on the term in which the entry became committed: the lowest current term
   * of any node seen holding it as committed. (The leader that commits it sees it first, in
   * its own term, so the bound is usually exact.)
   */
  committedByTerm: number;
}

/**
 * The global record of committed (index, term, payload) triples, learned from every node: from
 * the entries it applies and from its persisted commit index (entries at or below a node's
 * commit index are committed, by Raft's definition). Two different entries committed at one
 * index break state-machine safety, and the record is what leader completeness is judged by.
 */
export class CommittedRecord {
  private readonly byIndex: (CommittedEntry | undefined)[] = [];
  private readonly commitSeen = new Map<NodeId, number>();

  /**
   * Records `entry` as committed, as seen by `node` while in term `observerTerm`; throws on a
   * different entry at its index.
   */
  record(node: NodeId, entry: Entry, how: string, observerTerm: number): void {
    const content = entryContent(entry);
    const known = this.byIndex[entry.index];
    if (known === undefined) {
      this.byIndex[entry.index] = {
        term: entry.term,
        content,
        node,
        committedByTerm: observerTerm,
      };
      return;
    }
    if (observerTerm < known.committedByTerm) known.committedByTerm = observerTerm;
    if (known.term !== entry.term || known.content !== content) {
      throw new SimViolation(
        'state-machine-safety',
        `two different entries committed at index ${entry.index}: term ${known.term} ` +
          `(seen on ${known.node}) and term ${entry.term} (${how} on ${node})`,
      );
    }
  }

  /**
   * Records everything up to `commit` that `node` holds in `log` (called when its persisted
   * commit index moves). A commit index beyond the node's own log breaks the Ready contract.
   */
  recordCommitIndex(node: NodeId, commit: number, log: LogView, observerTerm: number): void {
    const seen = this.commitSeen.get(node) ?? 0;
    if (commit <= seen) return;
    if (commit > log.lastIndex) {
      throw new SimViolation(
        'ready-contract',
        `${node} persisted commit index ${commit} beyond its last stored index ${log.lastIndex}`,
      );
    }
    for (let i = Math.max(seen + 1, log.snapshotIndex + 1); i <= commit; i++) {
      this.record(node, log.entryAt(i)!, 'commit index', observerTerm);
    }
    this.commitSeen.set(node, commit);
  }

  /** The committed entry at `index`, if known. */
  at(index: number): CommittedEntry | undefined {
    return this.byIndex[index];
  }

  /** Highest index known committed. */
  get highestIndex(): number {
    return Math.max(0, this.byIndex.length - 1);
  }
}
