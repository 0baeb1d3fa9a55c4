import type * as z from 'zod';

import type { ConfigProblem } from './config-problem.js';
import { quote } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import type { MissingKeyParams, UnknownKeyParams } from './schema-builders.js';

/**
 * Turn the issues zod collected while parsing with the configuration schema into problems.
 * Messages are mostly finished already (schema-builders.ts); the two that need the key name
 * are completed here from the issue path:
 *
 * - missing key: `missing required key "agent"; expected an agent: ...`, placed on the
 *   mapping that lacks it (its path does not exist, so the position falls back to the parent);
 * - unknown key: `unknown key "intervall"; did you mean "interval"? allowed: interval, timeout`,
 *   placed on the key itself.
 */
export function problemsFromZodIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    const key = String(path[path.length - 1] ?? '');
    const params = (issue as { params?: { kind?: string } }).params;
    switch (params?.kind) {
      case 'missing-key': {
        const { expected } = params as MissingKeyParams;
        return { path, message: `missing required key ${quote(key)}; expected ${expected}` };
      }
      case 'unknown-key': {
        const { allowed } = params as UnknownKeyParams;
        return {
          path,
          atKey: true,
          message: `unknown key ${quote(key)}${didYouMean(key, allowed, `allowed: ${allowed.join(', ')}`)}`,
        };
      }
      case 'at-key':
        return { path, atKey: true, message: issue.message };
      default:
        return { path, message: issue.message };
    }
  });
}
