import type { Entry, NodeId, Ready, Snapshot } from '../../../agent/src/raft/types.js';
import { CommittedRecord } from '../committed-record.js';
import { ElectionSafety } from '../election-safety.js';
import { LeaderCompleteness } from '../leader-completeness.js';
import { LogMatching } from '../log-matching.js';
import type { SimDisk } from '../sim-disk.js';
import { SimViolation } from '../sim-violation.js';
import { StateMachineSafety } from '../state-machine-safety.js';

/**
 * The Raft simulation's safety observers (election safety, log matching, leader
 * completeness, state-machine safety), fed by the whole-cluster simulation's agents at the
 * same points of the Ready contract as in the Raft simulation. The cluster state machine's
 * commands are opaque to them: they compare entries byte for byte.
 */
export class RaftObservers {
  readonly electionSafety = new ElectionSafety();
  readonly logMatching = new LogMatching();
  readonly committed = new CommittedRecord();
  readonly stateMachineSafety = new StateMachineSafety(this.committed);
  readonly leaderCompleteness = new LeaderCompleteness(this.committed);

  /** A node (re)started with its state machine at `appliedIndex`. */
  started(node: NodeId, appliedIndex: number): void {
    this.stateMachineSafety.nodeStarted(node, appliedIndex);
  }

  /**
   * A Ready's writes are on `disk`. Returns true when `rd` made `node` leader of a term for
   * the first time (an election was won).
   */
  afterPersist(node: NodeId, disk: SimDisk, rd: Ready, nowMs: number): boolean {
    if (rd.entries.length > 0) this.logMatching.observeWrite(node, disk, rd.entries);
    if (rd.hardState !== null || rd.snapshot !== null) {
      const hs = disk.hardState;
      this.committed.recordCommitIndex(node, hs.commit, disk, hs.term);
    }
    if (rd.softState?.role !== 'leader') return false;
    const term = disk.hardState.term;
    if (!this.electionSafety.observeLeader(node, term, nowMs)) return false;
    this.leaderCompleteness.observeNewLeader(node, term, disk);
    return true;
  }

  /** `node` (in `term`) applied `entry`. */
  applied(node: NodeId, entry: Entry, term: number): void {
    this.stateMachineSafety.observeApply(node, entry, term);
  }

  /** `node` installed a snapshot from the leader. */
  snapshotInstalled(node: NodeId, snapshot: Snapshot): void {
    // The image is the cluster document, not a command list: only the index checks apply.
    this.stateMachineSafety.observeSnapshotInstall(node, snapshot, []);
  }

  /** `node` compacted its log at `appliedIndex` and got `snapshot` back. */
  compacted(node: NodeId, snapshot: Snapshot, appliedIndex: number): void {
    const { index, term } = snapshot.metadata;
    const committed = this.committed.at(index);
    if (index !== appliedIndex || (committed !== undefined && committed.term !== term)) {
      throw new SimViolation(
        'ready-contract',
        `${node} compact(${appliedIndex}) returned snapshot ${index}/t${term}`,
      );
    }
  }
}
