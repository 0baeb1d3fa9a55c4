import * as z from 'zod';

import { describeValue } from './describe-value.js';
import type { ValueReader } from './value-readers.js';

/**
 * Building blocks for the configuration schema (config-schema.ts). Zod walks the document and
 * collects every issue; these blocks make each issue carry a finished message (what is wrong
 * and what is allowed) and mark the two issues whose message needs the key name, which only
 * the issue's path knows: `{ kind: 'missing-key', expected }` and `{ kind: 'unknown-key',
 * allowed }` in the issue's params. zod-issues.ts turns them into problems.
 */

/** Issue params of a required key that is absent. */
export interface MissingKeyParams {
  kind: 'missing-key';
  /** What the key should hold, in words. */
  expected: string;
}

/** Issue params of a key that the mapping does not allow. */
export interface UnknownKeyParams {
  kind: 'unknown-key';
  /** The keys the mapping allows, in documentation order. */
  allowed: string[];
}

/** Issue params of a problem located at a key (not its value), e.g. an unsafe parameter name. */
export interface AtKeyParams {
  kind: 'at-key';
}

/** A field that must be present. */
export function required<T>(reader: ValueReader<T>) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      if (value === undefined) {
        const params: MissingKeyParams = { kind: 'missing-key', expected: reader.expected };
        ctx.issues.push({ code: 'custom', input: value, message: 'missing', params });
        return z.NEVER;
      }
      return readOrReport(reader, value, ctx);
    });
}

/** A field that may be absent (undefined then). */
export function optional<T>(reader: ValueReader<T>) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T | undefined =>
      value === undefined ? undefined : readOrReport(reader, value, ctx),
    );
}

/** A field that takes `fallback` when absent. */
export function withDefault<T>(reader: ValueReader<T>, fallback: T) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T =>
      value === undefined ? fallback : readOrReport(reader, value, ctx),
    );
}

/**
 * A mapping with a fixed set of keys. Any other key is reported at the key itself, with a
 * suggestion and the list of allowed keys; a value that is not a mapping is reported with
 * `noun` ("expected a resource (a mapping with keys id, agent, ...)").
 */
export function mapping<S extends z.ZodRawShape>(noun: string, shape: S) {
  const allowed = Object.keys(shape);
  const unknownKey = z
    .unknown()
    .optional()
    .transform((value, ctx): unknown => {
      const params: UnknownKeyParams = { kind: 'unknown-key', allowed };
      ctx.issues.push({ code: 'custom', input: value, message: 'unknown key', params });
      return undefined;
    });
  return z
    .object(shape, {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `expected ${noun} (a mapping with keys: ${allowed.join(', ')}); got ${describeValue(issue.input)}`
          : undefined,
    })
    .catchall(unknownKey);
}

/**
 * A list of `noun`; an empty value (`key:` with nothing after it) counts as an empty list.
 * With `nonEmptyMessage`, an empty list is refused with that message.
 */
export function list<T extends z.ZodType>(
  noun: string,
  item: T,
  options: { nonEmptyMessage?: string } = {},
) {
  const array = z.array(item, {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `expected a list of ${noun}; got ${describeValue(issue.input)}`
        : undefined,
  });
  const { nonEmptyMessage } = options;
  return z.preprocess(
    (value) => value ?? [],
    nonEmptyMessage === undefined ? array : array.min(1, { error: nonEmptyMessage }),
  );
}

/** A mapping section that may be absent or empty (then it reads as `{}`). */
export function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => value ?? {}, schema);
}

/**
 * A free-form mapping (agent parameters): every key must pass `checkKey` (a message, or
 * undefined when the key is fine) and every value `reader`. Bad keys are reported at the key.
 * An absent or empty mapping reads as `{}`.
 */
export function freeMapping<T>(
  noun: string,
  checkKey: (key: string) => string | undefined,
  reader: ValueReader<T>,
) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): Record<string, T> => {
      const out: Record<string, T> = {};
      if (value === undefined || value === null) return out;
      if (typeof value !== 'object' || Array.isArray(value)) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `expected ${noun} (a mapping); got ${describeValue(value)}`,
        });
        return out;
      }
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = checkKey(key);
        if (keyProblem !== undefined) {
          const params: AtKeyParams = { kind: 'at-key' };
          ctx.issues.push({ code: 'custom', input: key, path: [key], message: keyProblem, params });
          continue;
        }
        const read = reader.read(item);
        if (!read.ok) {
          ctx.issues.push({ code: 'custom', input: item, path: [key], message: read.message });
          continue;
        }
        Object.defineProperty(out, key, {
          value: read.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    });
}

function readOrReport<T>(reader: ValueReader<T>, value: unknown, ctx: z.RefinementCtx<unknown>): T {
  const read = reader.read(value);
  if (read.ok) return read.value;
  ctx.issues.push({ code: 'custom', input: value, message: read.message });
  return z.NEVER;
}
