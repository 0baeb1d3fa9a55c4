/**
 * A host's monotonic clock: it runs at rate `1 + drift` against simulated real time (drift
 * within the lease timing's ±driftRate) from an arbitrary offset. Agents read only their
 * host's clock and set their timers in its time, so a fast clock fires its timers early in
 * real time and a slow one late, which is exactly what the lease inequalities must survive.
 */
export class HostClock {
  /** Rate error against real time (0.01: 1% fast). */
  readonly drift: number;
  private readonly offsetMs: number;

  constructor(drift: number, offsetMs: number) {
    this.drift = drift;
    this.offsetMs = offsetMs;
  }

  /** The clock's reading at simulated real time `realMs`. */
  readMs(realMs: number): number {
    return this.offsetMs + realMs * (1 + this.drift);
  }

  /** The simulated real time at which the clock reads `localMs`. */
  realAtMs(localMs: number): number {
    return (localMs - this.offsetMs) / (1 + this.drift);
  }

  /** How much real time passes while this clock advances by `localMs`. */
  realSpanMs(localMs: number): number {
    return localMs / (1 + this.drift);
  }
}
