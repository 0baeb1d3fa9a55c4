import type { Entry, NodeId, Snapshot } from '../../agent/src/raft/types.js';
import type { AppliedCommand } from './command-state-machine.js';
import type { CommittedRecord } from './committed-record.js';
import { decodeCommandId } from './command-codec.js';
import { SimViolation } from './sim-violation.js';

/**
 * State-machine safety (Raft §5.4.3): every node applies the same entry at the same index, in
 * index order with no gaps, so the applied sequences of all nodes are prefixes of one another.
 * Snapshots installed into a state machine must hold exactly the commands committed up to
 * their index, and a state machine never moves backwards.
 */
export class StateMachineSafety {
  private readonly committed: CommittedRecord;
  private readonly lastApplied = new Map<NodeId, number>();

  constructor(committed: CommittedRecord) {
    this.committed = committed;
  }

  /** A node (re)started with its state machine at `appliedIndex` (its stored snapshot). */
  nodeStarted(node: NodeId, appliedIndex: number): void {
    this.lastApplied.set(node, appliedIndex);
  }

  /**
   * `node` (now in term `nodeTerm`) applied `entry`: it must be the next index and match what
   * was committed there.
   */
  observeApply(node: NodeId, entry: Entry, nodeTerm: number): void {
    const last = this.lastApplied.get(node) ?? 0;
    if (entry.index !== last + 1) {
      throw new SimViolation(
        'state-machine-safety',
        `${node} applied index ${entry.index} (term ${entry.term}) right after index ${last}`,
      );
    }
    this.lastApplied.set(node, entry.index);
    this.committed.record(node, entry, 'applied', nodeTerm);
  }

  /**
   * `node` installed `snapshot` whose state-machine image is `image`: it must not move the
   * state machine backwards and must hold exactly the commands committed up to its index.
   */
  observeSnapshotInstall(node: NodeId, snapshot: Snapshot, image: readonly AppliedCommand[]): void {
    const { index, term } = snapshot.metadata;
    const last = this.lastApplied.get(node) ?? 0;
    if (index < last) {
      throw new SimViolation(
        'state-machine-safety',
        `${node} installed snapshot ${index}/t${term} below its applied index ${last}`,
      );
    }
    this.checkImage(node, snapshot, image);
    this.lastApplied.set(node, index);
  }

  /** Checks that a snapshot's image matches the committed record up to its index. */
  checkImage(node: NodeId, snapshot: Snapshot, image: readonly AppliedCommand[]): void {
    const { index, term } = snapshot.metadata;
    if (index > 0) {
      const atIndex = this.committed.at(index);
      if (atIndex !== undefined && atIndex.term !== term) {
        throw new SimViolation(
          'state-machine-safety',
          `${node} got snapshot ${index}/t${term} but index ${index} was committed in term ${atIndex.term}`,
        );
      }
    }
    let k = 0;
    for (let i = 1; i <= index; i++) {
      const c = this.committed.at(i);
      if (c === undefined) {
        // Nobody we watched revealed this index (it can only be learnt through a snapshot).
        if (image[k]?.index === i) k++;
        continue;
      }
      const id = c.content.startsWith('normal:') ? decodeCommandText(c.content) : null;
      if (id === null) continue;
      const got = image[k];
      if (got === undefined || got.index !== i || got.id !== id) {
        throw new SimViolation(
          'state-machine-safety',
          `${node} snapshot ${index}/t${term} image differs from the committed log at index ${i} ` +
            `(committed cmd${id}, image has ${got === undefined ? 'nothing' : `cmd${got.id}@${got.index}`})`,
        );
      }
      k++;
    }
    if (k !== image.length) {
      const extra = image[k]!;
      throw new SimViolation(
        'state-machine-safety',
        `${node} snapshot ${index}/t${term} image holds cmd${extra.id}@${extra.index} never committed there`,
      );
    }
  }
}

function decodeCommandText(content: string): number | null {
  return decodeCommandId(Buffer.from(content.slice('normal:'.length), 'latin1'));
}
