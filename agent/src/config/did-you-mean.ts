/**
 * Suggestions for misspelt keys, values and ids ("intervall" -> "interval"), by edit
 * distance. A suggestion turns a 3 a.m. error message from a riddle into a one-key fix.
 */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * adjacent characters each cost 1 (so "timeuot" is 1 away from "timeout").
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2][j - 2] + 1);
      }
      d[i][j] = best;
    }
  }
  return d[rows - 1][cols - 1];
}

/** Nobody misspells a word this long; skipping it keeps the quadratic distance cheap. */
const MAX_WORD_LENGTH = 100;

/** Lower case without "-" and "_": `migrationThreshold` and `migration_threshold` match `migration-threshold`. */
function normalise(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, '');
}

/**
 * The candidate the user most likely meant, or undefined when none is close. A candidate
 * that differs only in case, "-" or "_" always wins (camelCase and snake_case habits).
 * Otherwise the nearest candidate qualifies when its distance is within a quarter of the
 * word's length (at least 1, at most 3) and, beyond a single edit, at most half of the part
 * that differs once the common prefix and suffix are set aside, so that "storage-api" does
 * not suggest "storage-vip". Ties go to the first candidate.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > MAX_WORD_LENGTH) return undefined;
  const normalised = normalise(word);
  const sameShape = candidates.find((c) => c !== word && normalise(c) === normalised);
  if (sameShape !== undefined) return sameShape;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 4)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const other = normalise(candidate);
    const distance = editDistance(normalised, other);
    if (distance >= bestDistance) continue;
    if (distance > 1 && distance * 2 > differingLength(normalised, other)) continue;
    best = candidate;
    bestDistance = distance;
  }
  return best;
}

/** The length of the longer of `a` and `b` once their common prefix and suffix are removed. */
function differingLength(a: string, b: string): number {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  return Math.max(a.length, b.length) - prefix - suffix;
}

/**
 * The tail of a message about a misspelt `word`: `; did you mean "x"? <then>` when a close
 * candidate exists, else `; <then>`, where `then` usually lists what is allowed
 * ("allowed: interval, timeout"). Keeps every such message in one shape.
 */
export function didYouMean(word: string, candidates: readonly string[], then: string): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? `; ${then}` : `; did you mean ${JSON.stringify(match)}? ${then}`;
}
