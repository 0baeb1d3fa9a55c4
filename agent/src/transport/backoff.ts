/**
 * Capped exponential backoff with jitter, for reconnecting to a peer: the n-th consecutive
 * failure waits a random delay in [d/2, d] where d = min(backoffMsMin * 2^(n-1), backoffMsMax).
 * Doubling spares a dead peer (and the log) a reconnect storm; the cap bounds how long a
 * recovered peer waits; the jitter keeps the agents of a cluster from retrying in lockstep
 * after a shared failure (a switch reboot).
 */
export class Backoff {
  private failures = 0;

  /**
   * @param backoffMsMin delay after the first failure (before jitter), at least 1
   * @param backoffMsMax cap on the delay, at least backoffMsMin
   * @param random uniform source in [0, 1); injectable so tests can pin the jitter
   */
  constructor(
    readonly backoffMsMin: number,
    readonly backoffMsMax: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(Number.isFinite(backoffMsMin) && backoffMsMin >= 1)) {
      throw new RangeError(`backoffMsMin must be at least 1, got ${backoffMsMin}`);
    }
    if (!(Number.isFinite(backoffMsMax) && backoffMsMax >= backoffMsMin)) {
      throw new RangeError(`backoffMsMax must be at least backoffMsMin, got ${backoffMsMax}`);
    }
  }

  /** Consecutive failures recorded since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** Record one more failure and return how long to wait before the next attempt (ms). */
  nextDelayMs(): number {
    // The exponent is capped so the arithmetic never overflows, however long the outage.
    const exponent = Math.min(this.failures, 30);
    this.failures += 1;
    const ceilingMs = Math.min(this.backoffMsMin * 2 ** exponent, this.backoffMsMax);
    return Math.round(ceilingMs / 2 + (this.random() * ceilingMs) / 2);
  }

  /** Forget past failures: the next failure waits about backoffMsMin again. */
  reset(): void {
    this.failures = 0;
  }
}
