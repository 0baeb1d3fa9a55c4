import { INFINITY, type Score } from '../config/model.js';

/**
 * Score arithmetic for the scheduler. Scores are accumulated internally as plain JS numbers
 * in which a hard ban is `-Infinity` and a hard requirement `+Infinity`; finite parts add up
 * exactly. `-Infinity` absorbs everything (a ban always wins) and `+Infinity` absorbs finite
 * values, so a sum does not depend on the order of its terms, which keeps the plan
 * deterministic however the constraints were listed. Values are brought back to the
 * [-INFINITY, INFINITY] range of the configuration model only when compared or reported.
 */

/** The internal form of a configured score: ±INFINITY (or beyond) become ±Infinity. */
export function toInternalScore(score: Score): number {
  if (score >= INFINITY) return Infinity;
  if (score <= -INFINITY) return -Infinity;
  return score;
}

/** Saturating sum of two internal scores; a ban (-Infinity) wins over everything. */
export function addScore(a: number, b: number): number {
  if (a === -Infinity || b === -Infinity) return -Infinity;
  return a + b;
}

/** An internal score as a model score, clamped to [-INFINITY, INFINITY]. */
export function resolveScore(internal: number): Score {
  if (internal >= INFINITY) return INFINITY;
  if (internal <= -INFINITY) return -INFINITY;
  return internal;
}

/** True when the internal score still allows running on the node (above -INFINITY). */
export function isAllowedScore(internal: number): boolean {
  return resolveScore(internal) > -INFINITY;
}

/** A model score for people: `INFINITY`, `-INFINITY` or the number. */
export function formatScore(score: Score): string {
  if (score >= INFINITY) return 'INFINITY';
  if (score <= -INFINITY) return '-INFINITY';
  return String(score);
}

/**
 * `internal` scaled by `factor` (0 < factor <= 1) for merging a colocated resource's
 * preferences: bans stay bans only at full strength, finite results are rounded so the plan
 * never depends on floating-point noise.
 */
export function scaleScore(internal: number, factor: number): number {
  if (factor >= 1) return internal;
  if (internal === -Infinity) return Math.round(-INFINITY * factor);
  if (internal === Infinity) return Math.round(INFINITY * factor);
  return Math.round(internal * factor);
}
