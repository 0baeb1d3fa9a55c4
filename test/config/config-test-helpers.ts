import { readFileSync } from 'node:fs';

import { loadConfig } from '../../agent/src/config/load-config.js';
import type { ClusterConfig } from '../../agent/src/config/model.js';

/** The repository root, from the compiled test's location (dist/test/config/). */
const REPO_ROOT = new URL('../../../', import.meta.url);

/** A file of the repository, by its path from the root. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, REPO_ROOT), 'utf8');
}

/** A fixture of test/config/fixtures/, by file name. */
export function readFixture(name: string): string {
  return readRepoFile(`test/config/fixtures/${name}`);
}

/** The formatted errors of loading `text` as `fileName`; [] when it loads. */
export function formattedErrors(text: string, fileName: string): string[] {
  const result = loadConfig(text, fileName);
  return result.ok ? [] : result.errors.map((e) => e.format());
}

/** The formatted errors of a fixture file. */
export function fixtureErrors(name: string): string[] {
  return formattedErrors(readFixture(name), name);
}

/** Load text that must be valid; throws with the formatted errors otherwise. */
export function loadValid(text: string, fileName = 'cluster.yaml'): ClusterConfig {
  const result = loadConfig(text, fileName);
  if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
  return result.config;
}
