import { AGENT_FORMS, parseAgentRef } from './agent-ref.js';
import { describeValue, quote } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { DURATION_FORMS, parseDuration } from './duration.js';
import type { AgentRef, Score } from './model.js';
import { accept, reject, type ParseOutcome } from './parse-outcome.js';
import { SAFE_NAME_RULE, unsafeNameProblem } from './safe-name.js';
import { parseScore, SCORE_FORMS } from './score.js';

/**
 * How to read one scalar field of the configuration: `expected` says in words what the field
 * holds (used when the field is missing), `read` turns a plain YAML value into the model's
 * value or a message that says what is wrong and what is allowed.
 */
export interface ValueReader<T> {
  expected: string;
  read(value: unknown): ParseOutcome<T>;
}

/** The one supported format version. */
export const API_VERSION = 'quorate/v1';

/** `apiVersion`: exactly "quorate/v1", so a future format is never misread as this one. */
export const apiVersionReader: ValueReader<string> = {
  expected: quote(API_VERSION),
  read: (value) =>
    value === API_VERSION
      ? accept(API_VERSION)
      : reject(
          typeof value === 'string'
            ? `unsupported apiVersion ${quote(value)}; allowed: ${API_VERSION}`
            : `expected ${quote(API_VERSION)}; got ${describeValue(value)}`,
        ),
};

/** A definition's id: a safe name (it becomes environment variable and file names). */
export const idReader: ValueReader<string> = {
  expected: `an id (${SAFE_NAME_RULE})`,
  read: (value) => safeName(value, 'id'),
};

/** A node name in a location constraint: a safe name, like the agents' --id. */
export const nodeNameReader: ValueReader<string> = {
  expected: `a node name (${SAFE_NAME_RULE})`,
  read: (value) => safeName(value, 'node name'),
};

/** A node attribute name in a location rule. */
export const attributeNameReader: ValueReader<string> = {
  expected: `a node attribute name (${SAFE_NAME_RULE})`,
  read: (value) => safeName(value, 'attribute name'),
};

/**
 * A reference to another definition by id. Only its type is checked here; whether it names
 * something of the right kind is checked once every id is known (reference-checks.ts).
 */
export function referenceReader(what: string): ValueReader<string> {
  return {
    expected: `the id of ${what}`,
    read: (value) =>
      typeof value === 'string' && value !== ''
        ? accept(value)
        : reject(`expected the id of ${what}; got ${describeValue(value)}`),
  };
}

/** An agent reference: ocf:<provider>:<type> or systemd:<unit>. */
export const agentReader: ValueReader<AgentRef> = {
  expected: `an agent: ${AGENT_FORMS}`,
  read: parseAgentRef,
};

/** A duration of at least `minMs` milliseconds. */
export function durationReader(minMs: number): ValueReader<number> {
  return {
    expected: `a duration: ${DURATION_FORMS}`,
    read: (value) => {
      const parsed = parseDuration(value);
      if (parsed.ok && parsed.value < minMs) {
        return reject(
          `invalid duration ${typeof value === 'string' ? quote(value) : String(value)}: must be at least ${minMs}ms`,
        );
      }
      return parsed;
    },
  };
}

/** A score: an integer or ±INFINITY. */
export const scoreReader: ValueReader<Score> = {
  expected: `a score: ${SCORE_FORMS}`,
  read: parseScore,
};

/** A whole number in [min, max] (YAML number, or a string of digits). */
export function integerReader(min: number, max: number): ValueReader<number> {
  const allowed = `a whole number from ${min} to ${max}`;
  return {
    expected: allowed,
    read: (value) => {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())
            ? Number(value)
            : NaN;
      if (Number.isInteger(n) && n >= min && n <= max) return accept(n);
      return reject(`expected ${allowed}; got ${describeValue(value)}`);
    },
  };
}

/** `true` or `false` (YAML 1.2: `yes`, `no`, `on`, `off` are strings, and refused here). */
export const booleanReader: ValueReader<boolean> = {
  expected: 'true or false',
  read: (value) =>
    typeof value === 'boolean'
      ? accept(value)
      : reject(`expected true or false; got ${describeValue(value)}`),
};

/** One of a fixed set of words, with a suggestion for near misses ("Started" -> "started"). */
export function oneOfReader<T extends string>(values: readonly T[]): ValueReader<T> {
  const allowed = values.join(', ');
  return {
    expected: `one of: ${allowed}`,
    read: (value) => {
      if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
        return accept(value as T);
      }
      if (typeof value !== 'string') {
        return reject(`expected one of: ${allowed}; got ${describeValue(value)}`);
      }
      return reject(
        `invalid value ${quote(value)}${didYouMean(value, values, `allowed: ${allowed}`)}`,
      );
    },
  };
}

/** The value a location rule compares with: a string or a number (a boolean reads as its word). */
export const ruleValueReader: ValueReader<string | number> = {
  expected: 'a string or a number',
  read: (value) => {
    if (typeof value === 'string') return accept(value);
    if (typeof value === 'number' && Number.isFinite(value)) return accept(value);
    if (typeof value === 'boolean') return accept(String(value));
    return reject(`expected a string or a number; got ${describeValue(value)}`);
  },
};

function safeName(value: unknown, what: string): ParseOutcome<string> {
  if (typeof value !== 'string') {
    const hint =
      typeof value === 'number' || typeof value === 'boolean'
        ? `; write it in quotes if you mean the ${what} ${quote(String(value))}`
        : '';
    return reject(`expected ${withArticle(what)} (a string); got ${describeValue(value)}${hint}`);
  }
  const problem = unsafeNameProblem(value, what);
  return problem === undefined ? accept(value) : reject(problem);
}

function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}
