import { expiryWaitMs, type LeaseTiming } from './lease-timing.js';

/** The leader's verdict on one node. */
export type NodeLiveness =
  /** Renewed recently: online. */
  | 'alive'
  /** Silent, but its lease may still hold: it may still run resources (unclean). */
  | 'suspect'
  /** Silent for longer than any lease it could hold: it runs nothing (safe to move away). */
  | 'down';

/**
 * The leader side of node leases (Pacemaker's membership view, with timing instead of a
 * token ring). Pure: the caller passes the leader's monotonic time in.
 *
 * The leader grants renewals only while it is leader with quorum contact, and records when it
 * received each node's last request. A node is `down` once `expiryWaitMs` has passed since
 * then — and never earlier than `expiryWaitMs` after this node became leader, because a
 * previous leader may have granted leases this one never saw (a new leader is conservative in
 * the same way). A node is `alive` while requests keep arriving within `aliveWithinMs`.
 */
export class LeaseTable {
  private readonly lastRequestMs = new Map<string, number>();
  private readonly holdIndex = new Map<string, number>();
  private readonly leaderSinceMs: number;
  private readonly waitMs: number;

  /**
   * @param leaderSinceMs when this node became leader (its own clock).
   * @param aliveWithinMs a node whose last request is older than this is no longer `alive`.
   */
  constructor(
    timing: LeaseTiming,
    leaderSinceMs: number,
    private readonly aliveWithinMs: number = timing.renewIntervalMs * 3,
  ) {
    this.leaderSinceMs = leaderSinceMs;
    this.waitMs = expiryWaitMs(timing);
  }

  /** A renewal request from `node` arrived (and was granted) at `nowMs`. */
  requestReceived(node: string, nowMs: number): void {
    this.lastRequestMs.set(node, Math.max(this.lastRequestMs.get(node) ?? nowMs, nowMs));
  }

  /**
   * This leader proposed, up to log index `index`, commands decided while it treated `node`
   * as down or fenced (node-down, resources moved away without the node's word). Until they
   * are committed, renewals from `node` are not granted ({@link mayGrant}).
   */
  holdGrants(node: string, index: number): void {
    this.holdIndex.set(node, Math.max(this.holdIndex.get(node) ?? 0, index));
  }

  /**
   * Whether a renewal from `node` may be granted while the leader's commit index is
   * `commitIndex`. Not while a decision that treated it as down is uncommitted: the grant
   * carries the commit index, and the node starts nothing before it has applied the log that
   * far (`NodeLease.mayStart`), so it must not come back to a state that still places the
   * moved resources on it.
   */
  mayGrant(node: string, commitIndex: number): boolean {
    return commitIndex >= (this.holdIndex.get(node) ?? 0);
  }

  /** Forget a node (removed from the cluster, or confirmed off by a fence device). */
  forget(node: string): void {
    this.lastRequestMs.delete(node);
  }

  /** The leader-clock time after which `node` surely holds no lease. */
  surelyExpiredAtMs(node: string): number {
    const last = this.lastRequestMs.get(node) ?? Number.NEGATIVE_INFINITY;
    return Math.max(last, this.leaderSinceMs) + this.waitMs;
  }

  /** The verdict on `node` at `nowMs`. */
  liveness(node: string, nowMs: number): NodeLiveness {
    const last = this.lastRequestMs.get(node);
    if (last !== undefined && nowMs - last <= this.aliveWithinMs) return 'alive';
    return nowMs >= this.surelyExpiredAtMs(node) ? 'down' : 'suspect';
  }
}
