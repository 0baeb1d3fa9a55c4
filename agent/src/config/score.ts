import { describeValue, quote } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { INFINITY, type Score } from './model.js';
import { accept, reject, type ParseOutcome } from './parse-outcome.js';

/** The accepted forms in words, for error messages and docs. */
export const SCORE_FORMS = 'an integer, INFINITY (or +INFINITY) or -INFINITY';

/** Clamp to [-INFINITY, INFINITY], as Pacemaker does with scores beyond INFINITY. */
export function saturateScore(score: number): Score {
  return Math.max(-INFINITY, Math.min(INFINITY, score));
}

/**
 * Read a score: an integer (a YAML number, or a string of digits as Pacemaker users quote
 * them), or one of `INFINITY`, `+INFINITY`, `-INFINITY`. Integers beyond ±1,000,000 saturate
 * to ±INFINITY (model.INFINITY); so do YAML's `.inf` and `-.inf`. Fractions are refused: a
 * score of 0.5 is almost certainly a mistake, not a preference.
 */
export function parseScore(value: unknown): ParseOutcome<Score> {
  if (typeof value === 'number') {
    if (Number.isNaN(value) || (Number.isFinite(value) && !Number.isInteger(value))) {
      return reject(`invalid score ${String(value)}: expected ${SCORE_FORMS}`);
    }
    return accept(saturateScore(value) + 0);
  }
  if (typeof value !== 'string') {
    return reject(`expected a score: ${SCORE_FORMS}; got ${describeValue(value)}`);
  }
  const text = value.trim();
  if (text === 'INFINITY' || text === '+INFINITY') return accept(INFINITY);
  if (text === '-INFINITY') return accept(-INFINITY);
  if (/^[+-]?\d+$/.test(text)) return accept(saturateScore(Number(text)) + 0);
  const infinity = /^[+-]?inf(inity)?$/i.test(text)
    ? [text.startsWith('-') ? '-INFINITY' : 'INFINITY']
    : [];
  return reject(
    `invalid score ${quote(value)}${didYouMean(text, infinity, `expected ${SCORE_FORMS}`)}`,
  );
}
