import { expiryWaitMs, type LeaseTiming } from './lease-timing.js';

/** A voter's answer to a leader asking it to revoke a node's lease. */
export type RevokeAnswer =
  /** The node's lease surely ended; this voter refuses its renewals for `holdMs` from now. */
  | { revoked: true; holdMs: number }
  /** This voter renewed the node's lease too recently: ask again in `remainingMs`. */
  | { revoked: false; remainingMs: number };

/**
 * The voter side of node leases (docs/safety.md). Every voter answers every member's renewal
 * requests and remembers when it last said yes to each; a leader that wants to treat a silent
 * member as running nothing asks a quorum of voters to revoke its lease. Pure: the caller
 * passes this voter's monotonic time in.
 *
 * A voter agrees to revoke only once `expiryWaitMs` passed since it last renewed the node (so
 * every lease its yes helped build has ended), and then refuses that node's renewals for
 * `revokeHoldMs`; asked again meanwhile, it extends the refusal. Because a lease needs a
 * quorum's yes and a revocation counts only with a quorum's promise, any lease and any
 * revocation share a voter, and that voter's clock orders them.
 *
 * A voter that just started has no memory of what it granted or promised before: it treats
 * every node as renewed at its own start, and refuses every renewal for `revokeHoldMs` after
 * it, which outlasts any promise its previous process made (a restarted voter that said yes at
 * once could renew a node that a leader is counting it out of; found by the lease property
 * tests with five voters).
 */
export class LeaseWitness {
  private readonly lastYesMs = new Map<string, number>();
  private readonly refuseUntilMs = new Map<string, number>();
  private readonly waitMs: number;

  /** @param startedAtMs when this voter's process started (its own clock). */
  constructor(
    private readonly timing: LeaseTiming,
    private readonly startedAtMs: number,
  ) {
    this.waitMs = expiryWaitMs(timing);
  }

  /** A renewal request from `node` at `nowMs`: whether to say yes (recorded if so). */
  renewal(node: string, nowMs: number): boolean {
    if (this.refusing(node, nowMs)) return false;
    this.lastYesMs.set(node, Math.max(this.lastYesMs.get(node) ?? nowMs, nowMs));
    return true;
  }

  /**
   * Whether this voter refuses `node`'s renewals at `nowMs`: it promised a leader to, or it
   * started too recently to know what its previous process promised.
   */
  refusing(node: string, nowMs: number): boolean {
    if (nowMs < this.startedAtMs + this.timing.revokeHoldMs) return true;
    return nowMs < (this.refuseUntilMs.get(node) ?? Number.NEGATIVE_INFINITY);
  }

  /** A leader asks this voter to revoke `node`'s lease at `nowMs`. */
  revoke(node: string, nowMs: number): RevokeAnswer {
    const endsAtMs = (this.lastYesMs.get(node) ?? this.startedAtMs) + this.waitMs;
    if (nowMs < endsAtMs) return { revoked: false, remainingMs: endsAtMs - nowMs };
    const until = nowMs + this.timing.revokeHoldMs;
    this.refuseUntilMs.set(node, Math.max(this.refuseUntilMs.get(node) ?? until, until));
    return { revoked: true, holdMs: this.timing.revokeHoldMs };
  }
}
