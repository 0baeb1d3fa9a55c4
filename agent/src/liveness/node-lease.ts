import type { LeaseTiming } from './lease-timing.js';

/** What a node may do with its resources right now. */
export type LeaseState =
  /** The lease holds: run what the committed placement gives this node. */
  | 'valid'
  /** Within the stop budget of the lease's end: stop everything now, start nothing. */
  | 'stopping'
  /** The lease is over: nothing may be running here. */
  | 'expired';

/**
 * A node's own lease (the node side of the liveness protocol). Pure: the caller passes the
 * node's monotonic time in. The node sends a renewal request every `renewIntervalMs`; each
 * request remembers when it was sent; a grant from a leader extends the lease to
 * `sentAtMs + leaseMs`. A node that loses contact with the quorum therefore sees its lease run
 * out and stops its resources before the leader may place them elsewhere.
 */
export class NodeLease {
  private validUntilMs = Number.NEGATIVE_INFINITY;
  private readonly sentAtMs = new Map<number, number>();
  private nextRequestId = 1;
  /** Log index this node must have applied before it may start anything ({@link mayStart}). */
  private startAfterIndex = 0;
  /** Whether any grant reached this process (an inherited lease starts nothing). */
  private granted = false;
  /** Most outstanding requests remembered (older ones can no longer matter). */
  private static readonly OUTSTANDING_MAX = 64;

  constructor(private readonly timing: LeaseTiming) {}

  /** A renewal request is being sent now; returns its id, to be echoed by the grant. */
  requestSent(nowMs: number): number {
    const id = this.nextRequestId++;
    this.sentAtMs.set(id, nowMs);
    if (this.sentAtMs.size > NodeLease.OUTSTANDING_MAX) {
      const oldest = this.sentAtMs.keys().next().value;
      if (oldest !== undefined) this.sentAtMs.delete(oldest);
    }
    return id;
  }

  /**
   * A leader granted request `requestId`. Unknown ids (forgotten, or from before a restart)
   * grant nothing: the lease must start from a send time this node itself recorded.
   *
   * `leaderCommitIndex` is the granting leader's commit index at the grant. Until this node
   * has applied its log that far it starts nothing ({@link mayStart}): after a partition, a
   * pause or a restart its applied placement may predate moves the leader made without it, and
   * the commit index covers those moves because a leader grants nothing to a node while a
   * decision that treated it as down is uncommitted (`LeaseTable.mayGrant`), and grants only
   * once it has committed an entry of its own term (its Raft leader lease requires it).
   */
  grantReceived(requestId: number, leaderCommitIndex = 0): void {
    const sent = this.sentAtMs.get(requestId);
    if (sent === undefined) return;
    this.startAfterIndex = Math.max(this.startAfterIndex, leaderCommitIndex);
    this.granted = true;
    for (const id of [...this.sentAtMs.keys()]) if (id <= requestId) this.sentAtMs.delete(id);
    this.validUntilMs = Math.max(this.validUntilMs, sent + this.timing.leaseMs);
  }

  /**
   * Take over the lease an earlier process of this node's agent held, ending at
   * `validUntilMs` on this process's clock (handed over by the node's lease guard, which
   * measured it on the host's monotonic clock). It extends nothing the leader did not grant
   * that node; it only spares a quickly restarted agent from stopping healthy resources.
   * Nothing starts on an inherited lease ({@link mayStart}): this process's applied log may
   * predate what the leader decided, so it waits for a grant of its own and its commit index.
   */
  inherit(validUntilMs: number): void {
    this.validUntilMs = Math.max(this.validUntilMs, validUntilMs);
  }

  /**
   * Whether this node may start resources with the log applied up to `appliedIndex`: it has
   * accepted a grant (not only inherited a lease) and caught up with the commit index named by
   * the newest grant it accepted.
   */
  mayStart(appliedIndex: number): boolean {
    return this.granted && appliedIndex >= this.startAfterIndex;
  }

  /** Give up the lease at once (shutdown, or a leader said this node is fenced). */
  revoke(): void {
    this.validUntilMs = Number.NEGATIVE_INFINITY;
    this.sentAtMs.clear();
  }

  /** The state at `nowMs`. */
  state(nowMs: number): LeaseState {
    if (nowMs >= this.validUntilMs) return 'expired';
    if (nowMs >= this.validUntilMs - this.timing.stopBudgetMs) return 'stopping';
    return 'valid';
  }

  /** When the lease ends on this node's clock (-Infinity: no lease). Deadline for stopping. */
  expiresAtMs(): number {
    return this.validUntilMs;
  }

  /** Milliseconds until the stop budget begins (<= 0: stop now). For scheduling a check. */
  msUntilStopping(nowMs: number): number {
    return this.validUntilMs - this.timing.stopBudgetMs - nowMs;
  }
}
