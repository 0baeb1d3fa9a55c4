import type { Entry, Snapshot } from './types.js';

/**
 * The log as one Raft node holds it in memory: the newest snapshot (the compacted prefix) and
 * the entries after it, with three cursors:
 *
 *   snapshotIndex <= applied <= committed <= lastIndex, and stabled <= lastIndex
 *
 * `stabled` is the last index the driver has persisted; entries above it go out in the next
 * Ready for persisting. The driver keeps the whole un-compacted log in memory (it is bounded
 * by compaction), so the core never reads storage and stays synchronous and pure.
 */
export class RaftLog {
  /** The newest snapshot; its metadata is the log's origin. */
  snapshot: Snapshot;
  /** Entries after the snapshot: entries[i].index === snapshot.metadata.index + 1 + i. */
  private entries: Entry[];
  committed: number;
  applied: number;
  stabled: number;
  /** A snapshot received from the leader that the driver has not yet persisted/installed. */
  pendingSnapshot: Snapshot | null = null;

  constructor(snapshot: Snapshot, entries: Entry[], committed: number) {
    this.snapshot = snapshot;
    const first = snapshot.metadata.index + 1;
    this.entries = entries.filter((e) => e.index >= first);
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.index !== first + i) {
        throw new Error(`restored log has a gap: expected index ${first + i}, got ${entry.index}`);
      }
    }
    this.stabled = this.lastIndex();
    this.committed = Math.max(committed, snapshot.metadata.index);
    if (this.committed > this.lastIndex()) {
      throw new Error(`restored commit ${committed} is beyond the last index ${this.lastIndex()}`);
    }
    this.applied = snapshot.metadata.index;
  }

  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number {
    return this.snapshot.metadata.index + 1;
  }

  /** Index of the last entry (the snapshot index when no entries follow it). */
  lastIndex(): number {
    return this.snapshot.metadata.index + this.entries.length;
  }

  /** Term of the last entry. */
  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at `index`; undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    const snapIndex = this.snapshot.metadata.index;
    if (index === snapIndex) return this.snapshot.metadata.term;
    if (index < snapIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - snapIndex - 1]!.term;
  }

  /** Whether the entry at `index` exists with `term`. */
  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * Entries in [lo, hi), at most `maxCount`. `lo` must be >= firstIndex (callers check
   * compaction first and send a snapshot instead).
   */
  slice(lo: number, hi: number, maxCount = Number.MAX_SAFE_INTEGER): Entry[] {
    if (lo < this.firstIndex())
      throw new Error(`slice(${lo}) below first index ${this.firstIndex()}`);
    const end = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    if (end <= lo) return [];
    const offset = this.snapshot.metadata.index + 1;
    return this.entries.slice(lo - offset, end - offset);
  }

  /**
   * Candidate's log is at least as up to date as ours (Raft 5.4.1): compare last terms, then
   * last indexes.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return (
      lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex())
    );
  }

  /** Append entries at the end (leader path); returns the new last index. */
  append(entries: Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    if (entries[0]!.index !== this.lastIndex() + 1) {
      throw new Error(
        `append at ${entries[0]!.index} does not follow last index ${this.lastIndex()}`,
      );
    }
    this.entries.push(...entries);
    return this.lastIndex();
  }

  /**
   * Follower path (AppendEntries receiver, Raft 5.3): if the entry at `prevIndex` has
   * `prevTerm`, append `entries`, replacing any conflicting suffix, and advance the commit
   * index to min(leaderCommit, last new index). Returns the last index now known to match the
   * leader, or undefined when `prevIndex`/`prevTerm` does not match.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    leaderCommit: number,
    entries: Entry[],
  ): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(
          `entry ${conflict} conflicts with the committed log (committed ${this.committed})`,
        );
      }
      this.truncateAndAppend(entries.slice(conflict - entries[0]!.index));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** First index in `entries` whose term differs from ours or that we lack; 0 when none. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (e.index < this.firstIndex()) continue; // compacted, hence committed and matching
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: Entry[]): void {
    const first = entries[0]!.index;
    const keep = first - this.firstIndex();
    this.entries.length = Math.max(0, keep);
    this.entries.push(...entries);
    this.stabled = Math.min(this.stabled, first - 1);
  }

  /**
   * The largest index <= `index` whose term is <= `term` (fast log back-off, as etcd's
   * findConflictByTerm): everything above it surely conflicts with a log whose entry at
   * `index` has `term`.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapshot.metadata.index; i--) {
      if ((this.term(i) ?? 0) <= term) break;
    }
    return i;
  }

  /** Raise the commit index (never lowers it). */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`commit ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  /** Entries not yet handed to the driver for persisting. */
  unstableEntries(): Entry[] {
    if (this.stabled >= this.lastIndex()) return [];
    return this.slice(Math.max(this.stabled + 1, this.firstIndex()), this.lastIndex() + 1);
  }

  /** Committed entries not yet applied. */
  nextCommittedEntries(maxCount: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.pendingSnapshot !== null || lo > this.committed) return [];
    return this.slice(lo, this.committed + 1, maxCount);
  }

  /**
   * Reset the log to a snapshot received from the leader (InstallSnapshot receiver): entries
   * are dropped, commit moves to the snapshot index; the driver installs it next Ready.
   */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = [];
    this.committed = snapshot.metadata.index;
    this.stabled = snapshot.metadata.index;
    this.pendingSnapshot = snapshot;
  }

  /**
   * Compaction: the prefix up to `snapshot.metadata.index` (<= applied) is replaced by the
   * snapshot; later entries stay.
   */
  compact(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    if (index > this.applied) throw new Error(`compact(${index}) beyond applied ${this.applied}`);
    if (index <= this.snapshot.metadata.index) return;
    this.entries = this.entries.slice(index - this.snapshot.metadata.index);
    this.snapshot = snapshot;
  }
}
