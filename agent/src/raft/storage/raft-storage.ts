import type { RestoredState } from '../config.js';
import type { Entry, HardState, Snapshot } from '../types.js';

/**
 * Durable storage of one node's Raft state: the hard state, the log and the newest snapshot.
 * The Raft driver calls it synchronously, in order, from one thread; every method either
 * completes or throws (a {@link StorageError} for expected failures), and after a throw from
 * `save` or `saveSnapshot` the storage must be reopened before it is trusted again.
 *
 * Handling a `Ready`: call `saveSnapshot` first when it carries a snapshot, then `save` with
 * its hard state and entries, and only then send its messages.
 */
export interface RaftStorage {
  /**
   * What was on stable storage when this storage was opened: the last hard state
   * (`EMPTY_HARD_STATE` if none was ever saved), the newest usable snapshot (null if none),
   * and the log entries after it in index order. Later writes do not change it: a restart is
   * a new open. The driver calls it once, to build its `RaftNode`.
   */
  restored(): RestoredState;

  /**
   * Persist one `Ready`'s hard state (null: unchanged) and new entries. `entries` must have
   * consecutive indices; they may start at or below the last stored index, in which case the
   * stored log from `entries[0].index` on is replaced (a follower dropping an uncommitted
   * suffix). Entries at or below the snapshot index are ignored (already compacted); starting
   * beyond `lastIndex + 1` throws `index-gap` and writes nothing. Entries are written before
   * the hard state, so a crash never leaves a commit index pointing past the stored log.
   * When `sync` is true everything saved so far is on stable storage (fsync) before this
   * returns: votes and append acknowledgements depend on it. With `sync` false the write may
   * be lost in a crash, but never partly applied out of order.
   */
  save(hardState: HardState | null, entries: Entry[], sync: boolean): void;

  /**
   * Persist a snapshot, made locally by compaction (`keepLogAfter` true) or received from the
   * leader (`keepLogAfter` false), durably (fsync) before returning. Afterwards the log at and
   * before `snapshot.metadata.index` is gone. Stored entries after it are kept only when
   * `keepLogAfter` is true and the stored log holds the snapshot's index with the snapshot's
   * term (otherwise they could disagree with the state the snapshot holds); a snapshot from
   * the leader replaces the whole log. The snapshot must be newer than the stored one
   * (`snapshot-out-of-date` otherwise). Crash-safe: a crash at any point leaves either the
   * old state or the new one.
   */
  saveSnapshot(snapshot: Snapshot, keepLogAfter: boolean): void;

  /** Flush and release files. Idempotent; any later call except `close` throws `closed`. */
  close(): void;
}
