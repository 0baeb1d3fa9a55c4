/**
 * Milliseconds on the system-wide monotonic clock (CLOCK_MONOTONIC on Linux, via
 * `process.hrtime`). Unlike `performance.now()`, which counts from each process's start, this
 * clock is shared by every process on the host, so the agent and its lease guard can hand
 * each other deadlines. It does not jump with wall-clock changes.
 */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/**
 * Convert a time on this process's `performance.now()` clock to the shared monotonic clock
 * (and back with {@link fromMonotonicMs}). Both clocks tick together; only their zero differs.
 */
export function toMonotonicMs(performanceMs: number): number {
  return performanceMs + (monotonicNowMs() - performance.now());
}

/** Inverse of {@link toMonotonicMs}. Infinite values map to themselves. */
export function fromMonotonicMs(monotonicMs: number): number {
  if (!Number.isFinite(monotonicMs)) return monotonicMs;
  return monotonicMs - (monotonicNowMs() - performance.now());
}
