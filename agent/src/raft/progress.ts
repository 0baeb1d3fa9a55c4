/**
 * The leader's view of one follower's replication (etcd-raft's Progress): what it surely has
 * (`match`), what to send next (`next`), and how to send:
 *
 * - `probe`: we don't know where the follower's log ends; send one MsgApp per heartbeat
 *   interval and wait for its answer (`paused`).
 * - `replicate`: the follower is caught up to `match`; stream appends optimistically
 *   (pipelining), at most `inflightMax` unacknowledged at once.
 * - `snapshot`: the follower needs a snapshot; send nothing until it is acknowledged.
 */
export class Progress {
  match = 0;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** In probe: one append is outstanding; wait for an answer or a heartbeat response. */
  paused = false;
  /** The snapshot index being sent (snapshot state only). */
  pendingSnapshot = 0;
  /** Leader ticks spent waiting in snapshot state (to recover if the snapshot was lost). */
  snapshotWaitTicks = 0;
  /** The highest commit index sent to this peer (so a new commit is passed on promptly). */
  sentCommit = 0;
  /** Heard from this peer since the last CheckQuorum round. */
  recentActive = false;
  /** Last index of each in-flight append, oldest first (replicate state). */
  private inflights: number[] = [];

  constructor(
    next: number,
    public isLearner: boolean,
    private readonly inflightMax: number,
  ) {
    this.next = next;
  }

  /** Switch to probing from just after `match` (after a rejection, an error or a snapshot). */
  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.paused = false;
    this.inflights = [];
  }

  /** Switch to pipelined replication (the follower's log end is known). */
  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.paused = false;
    this.inflights = [];
  }

  /** Switch to waiting for a snapshot at `snapshotIndex` to be installed. */
  becomeSnapshot(snapshotIndex: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = snapshotIndex;
    this.snapshotWaitTicks = 0;
    this.paused = false;
    this.inflights = [];
  }

  /** Record a successful ack up to `index`; returns whether `match` moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflights.length > 0 && this.inflights[0]! <= index) this.inflights.shift();
    return updated;
  }

  /**
   * A rejection of the append at `rejected`, with the follower's hint of where to retry.
   * Returns false when the rejection is stale (an answer to an older append).
   */
  maybeDecrTo(rejected: number, nextProbe: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // stale
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false; // stale: not the append we are waiting on
    this.next = Math.max(Math.min(rejected, nextProbe + 1), this.match + 1, 1);
    this.paused = false;
    return true;
  }

  /** An append ending at `lastIndex` was sent; move `next` (replicate) or pause (probe). */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.push(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.paused = true;
    }
  }

  /** Whether the leader should hold further appends to this peer for now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.paused;
      case 'replicate':
        return this.inflights.length >= this.inflightMax;
      case 'snapshot':
        return true;
    }
  }

  /** A heartbeat answer arrived: the peer is alive, so appends may flow again. */
  resume(): void {
    this.paused = false;
    // Appends may have been lost: free one slot so replication can make progress again.
    if (this.state === 'replicate' && this.inflights.length >= this.inflightMax)
      this.inflights.shift();
  }
}
