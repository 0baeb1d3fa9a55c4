import { isScalar, type Node } from 'yaml';

import { buildModel } from './build-model.js';
import { ConfigError } from './config-error.js';
import { outlineConfig } from './config-outline.js';
import { formatConfigPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import { configFileSchema } from './config-schema.js';
import { checkConstraintConflicts } from './constraint-conflicts.js';
import { checkFencing } from './fencing-checks.js';
import { checkFieldCombinations } from './field-combination-checks.js';
import type { ClusterConfig } from './model.js';
import { checkReferences } from './reference-checks.js';
import { YamlSource } from './yaml-source.js';
import { yamlToPlain } from './yaml-to-plain.js';
import { problemsFromZodIssues } from './zod-issues.js';

/** What loadConfig returns: the validated model, or every problem found. */
export type LoadConfigResult =
  { ok: true; config: ClusterConfig } | { ok: false; errors: ConfigError[] };

/**
 * Read a YAML configuration file (format: docs/configuration.md) into the validated model.
 * Never throws for any input text: a broken file is an expected outcome, returned as
 * `{ ok: false, errors }` with every problem found, sorted by position, each placed on the
 * offending node (the key of an unknown key, the value of a bad value, the mapping that
 * lacks a required key).
 *
 * Passes, in order: YAML syntax (stop there if broken: the rest would be guesses); field
 * types and formats (schema); then, on the same document, references, field combinations
 * and impossible constraints. The model is built only when all of them pass, so an ok result
 * always satisfies the model's invariants (unique ids, resolving references).
 *
 * @param text the file's contents
 * @param fileName how errors name the file (e.g. the path the user passed)
 */
export function loadConfig(text: string, fileName: string): LoadConfigResult {
  const { source, problems: yamlProblems } = YamlSource.parse(text);
  const fail = (problems: ConfigProblem[]): LoadConfigResult => ({
    ok: false,
    errors: toErrors(problems, source, fileName),
  });
  if (yamlProblems.length > 0) return fail(yamlProblems);
  const doc = source.doc;
  if (doc === null || isEmptyDocument(doc.contents)) {
    return fail([
      {
        path: [],
        offset: 0,
        message:
          'the file holds no configuration; expected a mapping that starts with "apiVersion: quorate/v1"',
      },
    ]);
  }
  const plain = yamlToPlain(doc);
  if (plain.problems.length > 0) return fail(plain.problems);

  const parsed = configFileSchema.safeParse(plain.value);
  const problems = parsed.success ? [] : problemsFromZodIssues(parsed.error.issues);
  const outline = outlineConfig(plain.value);
  const lineOf = source.lineOf.bind(source);
  problems.push(
    ...checkReferences(outline, lineOf),
    ...checkFieldCombinations(outline),
    ...checkConstraintConflicts(outline, lineOf),
    ...(parsed.success ? checkFencing(parsed.data) : []),
  );
  if (problems.length > 0 || !parsed.success) return fail(problems);
  return { ok: true, config: buildModel(parsed.data, source.plainTextAt.bind(source)) };
}

/** No content at all, or only a null (`~`, or nothing but comments and `---`). */
function isEmptyDocument(contents: Node | null): boolean {
  return contents === null || (isScalar(contents) && contents.value === null);
}

/** Place, deduplicate and sort problems by position (ties keep the order of the passes). */
function toErrors(problems: ConfigProblem[], source: YamlSource, fileName: string): ConfigError[] {
  const seen = new Set<string>();
  const errors: ConfigError[] = [];
  for (const problem of problems) {
    const { line, column } = source.positionOf(problem);
    const error = new ConfigError(
      fileName,
      line,
      column,
      formatConfigPath(problem.path),
      problem.message,
    );
    const key = error.format();
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(error);
  }
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}
