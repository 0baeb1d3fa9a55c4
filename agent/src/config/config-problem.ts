import type { ConfigPath } from './config-path.js';

/**
 * A problem found by one of the loader's passes, before it is given a line and column. The
 * loader places it on the node at `path` (or at `offset` when the YAML itself is broken and
 * there is no path), then turns it into a ConfigError.
 */
export interface ConfigProblem {
  /** Field path, as the user wrote the keys (kebab-case). */
  path: ConfigPath;
  /** What is wrong and what is allowed. */
  message: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
  /** Point at this character offset of the text instead of following `path`. */
  offset?: number;
}
