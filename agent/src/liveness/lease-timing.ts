/**
 * The timing of node leases, and the inequalities that make "never active on two nodes"
 * hold without a fence device (docs/safety.md derives them). All times are milliseconds on
 * each node's own monotonic clock; nodes never compare clock readings with each other.
 */
export interface LeaseTiming {
  /** How often a node asks every voter to renew its lease. */
  renewIntervalMs: number;
  /**
   * How long a renewal lasts once a quorum of voters answered yes, counted on the node's clock
   * from the moment it SENT the request (so message delay can only shorten the lease, never
   * lengthen it).
   */
  leaseMs: number;
  /**
   * Time a node keeps for stopping everything it runs: it begins stopping this long before
   * its lease ends, so every stop (with its escalation) finishes while the lease still holds.
   * Must cover the longest stop timeout plus the kill escalation.
   */
  stopBudgetMs: number;
  /**
   * An answer to a renewal request counts only if it arrives within this long of the send
   * (the request's deadline). It bounds how old a request a late answer can renew, which is
   * what a revocation must outlast ({@link revocationNeedMs}).
   */
  renewTimeoutMs: number;
  /**
   * How long a voter that agreed to a revocation refuses the node's renewals: the leader must
   * finish deciding within it (it asks again otherwise).
   */
  revokeHoldMs: number;
  /**
   * Bound on any node's clock-rate error against real time (0.01: each clock runs between 1%
   * slow and 1% fast). Quartz is ~0.0001; the bound also covers timers firing late.
   */
  driftRate: number;
  /** Extra wait added before a silent node's lease counts as surely over. */
  safetyMarginMs: number;
}

/**
 * Defaults chosen for failover within a second on a LAN (p50 about 0.65 s on netns hosts,
 * docs/benchmarks.md). Any voter renews a lease, not only the leader, so the leader's death
 * does not interrupt anyone's lease and the lease need not outlive an election: it covers the
 * stop budget plus five missed renewals.
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  renewIntervalMs: 50,
  leaseMs: 550,
  stopBudgetMs: 250,
  renewTimeoutMs: 150,
  revokeHoldMs: 1000,
  driftRate: 0.01,
  safetyMarginMs: 25,
};

/**
 * How long a node may go unheard and still count as `alive` to whoever hears its renewal
 * requests: three missed renewals, so one lost or late request is no suspicion.
 */
export function aliveWithinMs(t: LeaseTiming): number {
  return t.renewIntervalMs * 3;
}

/** `ms` on a clock that may run fast, as a span surely not longer in real time on a slow one. */
function stretch(t: LeaseTiming, ms: number): number {
  return Math.ceil((ms * (1 + t.driftRate)) / (1 - t.driftRate));
}

/**
 * How long after the last renewal a voter granted a node, on the voter's own clock, that
 * node's lease has surely ended. The lease ends `leaseMs` after the node sent that request
 * on the node's clock; in real time at most `leaseMs / (1 - ρ)` after the send, and the send
 * preceded the voter's answer. The voter measures with its clock, which may run slow by ρ:
 * wait `leaseMs · (1 + ρ) / (1 - ρ)`, plus the margin.
 */
export function expiryWaitMs(t: LeaseTiming): number {
  return stretch(t, t.leaseMs) + t.safetyMarginMs;
}

/**
 * How long past a decision, on the leader's clock, every revocation it counts must still
 * hold: a renewal answered after a voter's refusals end renews only a request sent at most
 * `renewTimeoutMs` earlier, which must be a request sent after the decision (so the node saw
 * its lease lapse in between, and starts nothing before a grant from a leader).
 */
export function revocationNeedMs(t: LeaseTiming): number {
  return stretch(t, t.renewTimeoutMs) + t.safetyMarginMs;
}

/**
 * How long, on the leader's clock counted from when it sent a revocation request, the voter's
 * promise surely holds: the voter counts `revokeHoldMs` from its receipt (after the send) on
 * a clock that may run fast.
 */
export function promiseHoldsMs(t: LeaseTiming): number {
  return Math.floor((t.revokeHoldMs * (1 - t.driftRate)) / (1 + t.driftRate));
}

/** Why a timing is unsafe or unworkable; empty when it is sound. */
export function checkLeaseTiming(t: LeaseTiming): string[] {
  const problems: string[] = [];
  if (!(t.renewIntervalMs > 0)) problems.push('renewIntervalMs must be > 0');
  if (!(t.driftRate >= 0 && t.driftRate < 0.5)) problems.push('driftRate must be in [0, 0.5)');
  if (!(t.safetyMarginMs >= 0)) problems.push('safetyMarginMs must be >= 0');
  if (!(t.stopBudgetMs > 0)) problems.push('stopBudgetMs must be > 0');
  if (!(t.renewTimeoutMs > 0)) problems.push('renewTimeoutMs must be > 0');
  if (!(t.leaseMs > t.stopBudgetMs + t.renewIntervalMs + t.renewTimeoutMs)) {
    problems.push(
      'leaseMs must exceed stopBudgetMs + renewIntervalMs + renewTimeoutMs, or a healthy node would begin stopping between two renewals',
    );
  }
  if (!(promiseHoldsMs(t) > 2 * revocationNeedMs(t) + t.renewTimeoutMs)) {
    problems.push(
      'revokeHoldMs is too short: a revocation would lapse before the leader could count it',
    );
  }
  return problems;
}
