// The deployment examples (examples/<name>/) as the netns tests, the failover benchmark and
// the demo run them: the example's own files, with the values it marks "site:" replaced by
// the run's (its virtual addresses, its shared disk, paths in its run directory). Every value
// replaced must occur in the file, so an example edited out from under its test fails loudly
// instead of silently running something else.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig } from '../../agent/src/config/model.js';
import { loadConfig } from '../../agent/src/config/load-config.js';

/** The repository's examples/ folder (this file runs from dist/test/netns/). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

/**
 * Replace each key of `values` by its value in `text`, every occurrence. Throws naming the
 * file and the value when a key does not occur.
 */
export function substitute(text: string, values: Record<string, string>, what: string): string {
  let out = text;
  for (const [from, to] of Object.entries(values)) {
    if (!out.includes(from))
      throw new Error(`${what}: expected the value ${JSON.stringify(from)} to replace`);
    out = out.split(from).join(to);
  }
  return out;
}

/** Read `examples/<name>/<file>` with `values` substituted. */
export function exampleFile(name: string, file: string, values: Record<string, string>): string {
  const path = join(EXAMPLES_DIR, name, file);
  return substitute(readFileSync(path, 'utf8'), values, `examples/${name}/${file}`);
}

/** Write `examples/<name>/<file>` with `values` substituted to `dest`; returns `dest`. */
export function installExampleFile(
  name: string,
  file: string,
  values: Record<string, string>,
  dest: string,
): string {
  writeFileSync(dest, exampleFile(name, file, values), { mode: 0o644 });
  return dest;
}

/**
 * Load `examples/<name>/cluster.yaml` with `values` substituted through the same loader
 * `clusterctl apply` uses. Throws with the loader's messages when the result is not valid.
 */
export function loadExample(name: string, values: Record<string, string>): ClusterConfig {
  const file = `examples/${name}/cluster.yaml`;
  const r = loadConfig(exampleFile(name, 'cluster.yaml', values), file);
  if (!r.ok) throw new Error(`${file}: ${r.errors.map((e) => e.message).join('\n')}`);
  return r.config;
}
