import type { Entry } from '../../agent/src/raft/types.js';

/**
 * What the observers need to see of a node's log: the entries it holds and where its snapshot
 * ends. {@link SimDisk} implements it, so the checks look at what each node actually stored.
 */
export interface LogView {
  /** Index covered by the node's snapshot (0 without one); entries at or below are gone. */
  readonly snapshotIndex: number;
  /** Index of the last entry held. */
  readonly lastIndex: number;
  /** The entry held at `index`, if any. */
  entryAt(index: number): Entry | undefined;
  /** The term at `index` if known (a held entry, or the snapshot's own index). */
  termAt(index: number): number | undefined;
}

/** A canonical text form of an entry's payload, for comparing entries across nodes. */
export function entryContent(e: Entry): string {
  return `${e.type}:${Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('latin1')}`;
}
