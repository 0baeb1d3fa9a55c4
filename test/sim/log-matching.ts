import type { Entry, NodeId } from '../../agent/src/raft/types.js';
import { entryContent, type LogView } from './log-view.js';
import { SimViolation } from './sim-violation.js';

/**
 * Log matching (Raft §5.3): if two logs hold an entry with the same index and term, they are
 * identical up to that index.
 *
 * Checked incrementally on every write to any node's disk, against a registry of every
 * (index, term) ever stored anywhere: the same (index, term) must always carry the same payload
 * and sit on the same term at index - 1. By induction that makes any two logs sharing an
 * (index, term) identical below it, across nodes and across time. Terms must also never
 * decrease along a log.
 */
export class LogMatching {
  private readonly registry = new Map<
    string,
    { content: string; prevTerm: number | undefined; node: NodeId }
  >();

  /** Checks the entries `node` just wrote; `log` is its log after the write. */
  observeWrite(node: NodeId, log: LogView, written: readonly Entry[]): void {
    for (const e of written) {
      if (e.index <= log.snapshotIndex) continue;
      const prevTerm = e.index === 1 ? 0 : log.termAt(e.index - 1);
      if (prevTerm !== undefined && prevTerm > e.term) {
        throw new SimViolation(
          'log-matching',
          `${node} holds entry ${e.index}/t${e.term} after an entry of higher term ${prevTerm}`,
        );
      }
      const key = `${e.index}/${e.term}`;
      const content = entryContent(e);
      const known = this.registry.get(key);
      if (known === undefined) {
        this.registry.set(key, { content, prevTerm, node });
        continue;
      }
      if (known.content !== content) {
        throw new SimViolation(
          'log-matching',
          `index ${e.index} term ${e.term} holds different entries on ${known.node} and ${node}`,
        );
      }
      if (known.prevTerm === undefined) {
        known.prevTerm = prevTerm;
      } else if (prevTerm !== undefined && prevTerm !== known.prevTerm) {
        throw new SimViolation(
          'log-matching',
          `entry ${e.index}/t${e.term} follows term ${known.prevTerm} on ${known.node} ` +
            `but term ${prevTerm} on ${node}: logs differ below index ${e.index}`,
        );
      }
    }
  }
}
