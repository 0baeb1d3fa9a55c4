import { describeValue, quote } from './describe-value.js';
import { accept, reject, type ParseOutcome } from './parse-outcome.js';

/**
 * Longest duration accepted: 24 days. Node.js timers cannot wait longer than 2^31-1 ms (about
 * 24.8 days) and silently fire after 1 ms instead, which would turn a long timeout into an
 * instant failure; no operation timeout, interval or failure-timeout needs more.
 */
export const MAX_DURATION_MS = 24 * 24 * 60 * 60 * 1000;

/** The accepted forms in words, for error messages and docs. */
export const DURATION_FORMS =
  'a number of milliseconds or a string such as 500ms, 2s, 1m30s (units: ms, s, m, h, d)';

const UNIT_MS: Record<string, bigint> = {
  ms: 1n,
  s: 1_000n,
  m: 60_000n,
  h: 3_600_000n,
  d: 86_400_000n,
};

const PART_SOURCE = String.raw`(\d+)(?:\.(\d+))?(ms|s|m|h|d)`;

/**
 * Read a duration in milliseconds: a non-negative whole number (milliseconds), or a string
 * of one or more <number><unit> parts (`500ms`, `2s`, `1.5s`, `1m30s`, `1h`, `7d`). The
 * result is a whole number of milliseconds in [0, MAX_DURATION_MS]; `0.5ms` is refused
 * rather than rounded. Decimal fractions are computed exactly (no floating-point drift).
 * Callers add their own lower bound (timeouts must be positive).
 */
export function parseDuration(value: unknown): ParseOutcome<number> {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      return reject(
        `invalid duration ${String(value)}: a number is read as milliseconds and must be a whole number, at least 0; or write ${DURATION_FORMS}`,
      );
    }
    return withinRange(value, String(value));
  }
  if (typeof value !== 'string') {
    return reject(`expected a duration: ${DURATION_FORMS}; got ${describeValue(value)}`);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return reject(
      `invalid duration ${quote(value)}: no unit; write ${text}ms, or ${text} without quotes for milliseconds`,
    );
  }
  let totalMs = 0n;
  const part = new RegExp(PART_SOURCE, 'y');
  while (part.lastIndex < text.length || text === '') {
    const m = part.exec(text);
    if (m === null) return reject(`invalid duration ${quote(value)}: expected ${DURATION_FORMS}`);
    const [, whole, fraction = '', unit] = m;
    const scaled = BigInt(whole + fraction) * UNIT_MS[unit];
    const divisor = 10n ** BigInt(fraction.length);
    if (scaled % divisor !== 0n) {
      return reject(`invalid duration ${quote(value)}: not a whole number of milliseconds`);
    }
    totalMs += scaled / divisor;
    if (totalMs > BigInt(MAX_DURATION_MS)) break;
  }
  return withinRange(totalMs > BigInt(MAX_DURATION_MS) ? Infinity : Number(totalMs), quote(value));
}

function withinRange(ms: number, shown: string): ParseOutcome<number> {
  if (ms > MAX_DURATION_MS) {
    return reject(`invalid duration ${shown}: longer than the maximum, 24d (${MAX_DURATION_MS}ms)`);
  }
  return accept(ms);
}
