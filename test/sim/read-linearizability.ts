import type { NodeId } from '../../agent/src/raft/types.js';
import { SimViolation } from './sim-violation.js';

/** A client read in flight: where it was issued and what had been acknowledged by then. */
export interface IssuedRead {
  context: string;
  node: NodeId;
  issuedAtMs: number;
  /** Number of acknowledgements given before the read was issued. */
  acksBefore: number;
}

/**
 * Linearizable reads are never stale: a read returns a state containing every command whose
 * acknowledgement reached its client before the read was issued (in simulated real time).
 */
export class ReadLinearizability {
  private readonly acks: { id: number; atMs: number; node: NodeId; index: number }[] = [];

  /** Command `id`, applied at `index`, was acknowledged to its client by `node`. */
  observeAck(id: number, atMs: number, node: NodeId, index: number): void {
    this.acks.push({ id, atMs, node, index });
  }

  /** Acknowledgements so far (snapshot this when a read is issued). */
  get ackCount(): number {
    return this.acks.length;
  }

  /** Ids of every acknowledged command, in acknowledgement order. */
  ackedIds(): number[] {
    return this.acks.map((a) => a.id);
  }

  /**
   * Checks the answer to `read`, served at `readIndex` from a state machine (`has`) that has
   * applied through `appliedIndex`.
   */
  checkRead(
    read: IssuedRead,
    readIndex: number,
    appliedIndex: number,
    has: (id: number) => boolean,
  ): void {
    for (let k = 0; k < read.acksBefore; k++) {
      const a = this.acks[k]!;
      if (!has(a.id)) {
        throw new SimViolation(
          'linearizable-read',
          `stale read ${read.context} on ${read.node} (issued t=${read.issuedAtMs.toFixed(3)}ms, ` +
            `read index ${readIndex}, applied ${appliedIndex}) misses cmd${a.id}, acknowledged by ` +
            `${a.node} at t=${a.atMs.toFixed(3)}ms after applying it at index ${a.index}`,
        );
      }
    }
  }
}
