import type { SimRandom } from './sim-random.js';
import type { SimScheduler } from './sim-scheduler.js';

/**
 * A gap drawn from an exponential distribution with the given mean (Infinity: never). Events
 * separated by such gaps form a Poisson process: memoryless, so a fault or a client request is
 * as likely right after the previous one as at any other time.
 */
export function exponentialGapMs(random: SimRandom, meanMs: number): number {
  if (!Number.isFinite(meanMs)) return Infinity;
  return -meanMs * Math.log(1 - random.next());
}

/**
 * Runs `body` again and again at exponential gaps of mean `meanMs` drawn from `random`, while
 * `isActive()` holds: the loop of every recurring simulated actor (faults, clients, operator).
 * The first gap is drawn now, each next one right after `body` ran (so `body`'s own draws from
 * the same stream come first: the order a seed's history depends on). Once `isActive()` is
 * false when an occurrence is due, the loop ends for good. `firstExtraMs` delays the first
 * occurrence only (e.g. to let the cluster form first).
 */
export function everyExponentialGap(
  scheduler: SimScheduler,
  random: SimRandom,
  meanMs: number,
  isActive: () => boolean,
  body: () => void,
  firstExtraMs = 0,
): void {
  const next = () => {
    if (!isActive()) return;
    body();
    scheduler.after(exponentialGapMs(random, meanMs), null, next);
  };
  scheduler.after(firstExtraMs + exponentialGapMs(random, meanMs), null, next);
}
