import type { LeaseTiming } from './lease-timing.js';

/** What a node may do with its resources right now. */
export type LeaseState =
  /** The lease holds: run what the committed placement gives this node. */
  | 'valid'
  /** Within the stop budget of the lease's end: stop everything now, start nothing. */
  | 'stopping'
  /** The lease is over: nothing may be running here. */
  | 'expired';

/** One renewal request in flight. */
interface Outstanding {
  sentAtMs: number;
  /** Voters when it was sent: only their answers count. */
  voters: ReadonlySet<string>;
  quorum: number;
  /** Voters that answered yes (this node itself included, when it votes). */
  yes: Set<string>;
  /** Whether a leader granted it. */
  leaderGranted: boolean;
}

/**
 * A node's own lease (the node side of the liveness protocol, docs/safety.md). Pure: the
 * caller passes the node's monotonic time in.
 *
 * Every `renewIntervalMs` the node sends a renewal request to every voter. Once a quorum of
 * the voters (the node itself included when it votes) said yes to one request, the lease runs
 * to that request's send time plus `leaseMs`. Any voter renews, not only the leader, so an
 * election does not interrupt anyone's lease; a voter refuses only while it promised a leader
 * that it would (a revocation, see `LeaseWitness`). A node cut off from a quorum sees its
 * lease run out and stops its resources before the leader may place them elsewhere.
 *
 * Keeping resources running needs a quorum; starting one needs more: a grant from a leader
 * ({@link grantReceived} with the leader's commit index) since the lease last lapsed, and the
 * log applied that far ({@link mayStart}).
 */
export class NodeLease {
  private validUntilMs = Number.NEGATIVE_INFINITY;
  private readonly outstanding = new Map<number, Outstanding>();
  private nextRequestId = 1;
  /** Log index this node must have applied before it may start anything ({@link mayStart}). */
  private startAfterIndex = 0;
  /**
   * Send time of the request that began the current stretch of lease (the first renewed after
   * the lease had lapsed): a leader grant counts for starting only if its request was sent in
   * this stretch.
   */
  private stretchStartMs = Number.POSITIVE_INFINITY;
  /** Whether a leader granted a request of the current stretch. */
  private leaderGranted = false;
  /** Most outstanding requests remembered (older ones can no longer matter). */
  private static readonly OUTSTANDING_MAX = 64;

  constructor(private readonly timing: LeaseTiming) {}

  /**
   * A renewal request is being sent now to `voters` (every voter in this node's configuration;
   * the caller counts this node's own yes with {@link ackReceived} when it votes). Returns its
   * id, to be echoed by the answers.
   */
  requestSent(nowMs: number, voters: readonly string[]): number {
    const id = this.nextRequestId++;
    const set = new Set(voters);
    this.outstanding.set(id, {
      sentAtMs: nowMs,
      voters: set,
      quorum: Math.floor(set.size / 2) + 1,
      yes: new Set(),
      leaderGranted: false,
    });
    if (this.outstanding.size > NodeLease.OUTSTANDING_MAX) {
      const oldest = this.outstanding.keys().next().value;
      if (oldest !== undefined) this.outstanding.delete(oldest);
    }
    return id;
  }

  /**
   * Voter `from` said yes to request `requestId` at `nowMs`. Unknown ids (forgotten, or from
   * before a restart), answers from non-voters and answers later than `renewTimeoutMs` after
   * the send renew nothing: a lease only ever runs from a send time this node itself recorded,
   * and how old that send may be is what a revocation must outlast.
   */
  ackReceived(requestId: number, from: string, nowMs: number): void {
    const r = this.outstanding.get(requestId);
    if (r === undefined || !r.voters.has(from)) return;
    if (nowMs - r.sentAtMs > this.timing.renewTimeoutMs) return;
    r.yes.add(from);
    if (r.yes.size < r.quorum) return;
    for (const id of [...this.outstanding.keys()]) if (id < requestId) this.outstanding.delete(id);
    // Sent after the lease had entered its stop budget (or ended): the node has been stopping
    // everything since, so this renewal begins a new stretch in which nothing starts before a
    // leader grants it again.
    if (r.sentAtMs >= this.validUntilMs - this.timing.stopBudgetMs) {
      this.stretchStartMs = r.sentAtMs;
      this.leaderGranted = r.leaderGranted;
    }
    this.validUntilMs = Math.max(this.validUntilMs, r.sentAtMs + this.timing.leaseMs);
  }

  /**
   * A leader granted request `requestId` (besides saying yes to it: the caller also calls
   * {@link ackReceived}). `leaderCommitIndex` is the leader's commit index at the grant. Until
   * this node has applied its log that far it starts nothing ({@link mayStart}): after a
   * partition, a pause or a restart its applied placement may predate moves the leader made
   * without it, and the commit index covers those moves because a leader grants nothing to a
   * node while a decision that treated it as down is uncommitted (`LeaseTable.mayGrant`), and
   * grants only once it has committed an entry of its own term (its Raft leader lease
   * requires it).
   */
  grantReceived(requestId: number, leaderCommitIndex: number, nowMs: number): void {
    const r = this.outstanding.get(requestId);
    if (r === undefined || nowMs - r.sentAtMs > this.timing.renewTimeoutMs) return;
    this.startAfterIndex = Math.max(this.startAfterIndex, leaderCommitIndex);
    r.leaderGranted = true;
    if (r.sentAtMs >= this.stretchStartMs) this.leaderGranted = true;
  }

  /**
   * Take over the lease an earlier process of this node's agent held, ending at
   * `validUntilMs` on this process's clock (handed over by the node's lease guard, which
   * measured it on the host's monotonic clock). It extends nothing the voters did not grant
   * that node; it only spares a quickly restarted agent from stopping healthy resources.
   * Nothing starts on an inherited lease ({@link mayStart}): this process's applied log may
   * predate what the leader decided, so it waits for a leader's grant and its commit index.
   */
  inherit(validUntilMs: number): void {
    this.validUntilMs = Math.max(this.validUntilMs, validUntilMs);
    // The inherited lease is this process's first stretch: any leader grant from now on counts.
    this.stretchStartMs = Number.NEGATIVE_INFINITY;
  }

  /**
   * Whether this node may start resources with the log applied up to `appliedIndex`: a leader
   * granted a request sent since the lease last lapsed, and this node caught up with the
   * commit index named by the newest grant.
   */
  mayStart(appliedIndex: number): boolean {
    return this.leaderGranted && appliedIndex >= this.startAfterIndex;
  }

  /** Give up the lease at once (shutdown, or a leader said this node is fenced). */
  revoke(): void {
    this.validUntilMs = Number.NEGATIVE_INFINITY;
    this.outstanding.clear();
    this.leaderGranted = false;
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
