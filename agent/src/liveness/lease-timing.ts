/**
 * The timing of node leases, and the inequalities that make "never active on two nodes"
 * hold without a fence device (docs/safety.md derives them). All times are milliseconds on
 * each node's own monotonic clock; nodes never compare clock readings with each other.
 */
export interface LeaseTiming {
  /** How often a node asks the leader to renew its lease. */
  renewIntervalMs: number;
  /**
   * How long a grant lasts, counted on the node's clock from the moment it SENT the request
   * (so message delay can only shorten the lease, never lengthen it).
   */
  leaseMs: number;
  /**
   * Time a node keeps for stopping everything it runs: it begins stopping this long before
   * its lease ends, so every stop (with its escalation) finishes while the lease still holds.
   * Must cover the longest stop timeout plus the kill escalation.
   */
  stopBudgetMs: number;
  /**
   * Bound on any node's clock-rate error against real time (0.01: each clock runs between 1%
   * slow and 1% fast). Quartz is ~0.0001; the bound also covers timers firing late.
   */
  driftRate: number;
  /** Extra wait the leader adds before it treats a silent node's lease as surely over. */
  safetyMarginMs: number;
}

/**
 * Defaults chosen for about one-second failover on a LAN while a node's lease outlives the
 * election of a new leader (0.3-0.6 s with clusterd's default 6 ticks of 50 ms): nodes renew
 * only with the leader, so a shorter lease would have every node stop everything whenever the
 * leader dies (docs/safety.md has the inequality and the figures).
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  renewIntervalMs: 100,
  leaseMs: 1000,
  stopBudgetMs: 300,
  driftRate: 0.01,
  safetyMarginMs: 50,
};

/**
 * How long after the last renewal request it received from a node the leader must wait, on
 * its own clock, before that node's lease has surely ended. The node's lease ends `leaseMs`
 * after it sent that request on the node's clock. In real time that is at most
 * `leaseMs / (1 - ρ)` after the send, and the send preceded the leader's receipt. The leader
 * measures with its clock, which may run slow by ρ: wait `leaseMs · (1 + ρ) / (1 - ρ)`, plus
 * the margin.
 */
export function expiryWaitMs(t: LeaseTiming): number {
  return Math.ceil((t.leaseMs * (1 + t.driftRate)) / (1 - t.driftRate)) + t.safetyMarginMs;
}

/** Why a timing is unsafe or unworkable; empty when it is sound. */
export function checkLeaseTiming(t: LeaseTiming): string[] {
  const problems: string[] = [];
  if (!(t.renewIntervalMs > 0)) problems.push('renewIntervalMs must be > 0');
  if (!(t.driftRate >= 0 && t.driftRate < 0.5)) problems.push('driftRate must be in [0, 0.5)');
  if (!(t.safetyMarginMs >= 0)) problems.push('safetyMarginMs must be >= 0');
  if (!(t.stopBudgetMs > 0)) problems.push('stopBudgetMs must be > 0');
  if (!(t.leaseMs > t.stopBudgetMs + t.renewIntervalMs)) {
    problems.push(
      'leaseMs must exceed stopBudgetMs + renewIntervalMs, or a healthy node would begin stopping between two renewals',
    );
  }
  return problems;
}
