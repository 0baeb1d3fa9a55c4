/**
 * One problem found in a configuration file, located precisely enough for an editor to jump
 * to it. `loadConfig` returns these as values (never throws them): a broken file is an
 * expected outcome, and an admin wants every problem at once, not one per attempt.
 */
export class ConfigError {
  /**
   * @param file the file name as given to the loader (printed as is)
   * @param line 1-based line of the offending node
   * @param column 1-based column of the offending node (UTF-16 code units, as editors count)
   * @param path field path such as `resources[2].operations.monitor.interval` ("" for the
   *   file as a whole, e.g. a YAML syntax error or an empty file)
   * @param message what is wrong and what is allowed instead
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly path: string,
    readonly message: string,
  ) {}

  /** `file:line:col: path: message` (the path part is left out when empty), as compilers print. */
  format(): string {
    const where = `${this.file}:${this.line}:${this.column}`;
    return this.path === ''
      ? `${where}: ${this.message}`
      : `${where}: ${this.path}: ${this.message}`;
  }

  /** Same as format(), so template strings and loggers print something useful. */
  toString(): string {
    return this.format();
  }
}

/**
 * Errors for a terminal: one formatted error per line, then a count, e.g. "3 errors". The
 * count matters when a long list scrolls past. Returns "" for no errors.
 */
export function formatErrors(errors: readonly ConfigError[]): string {
  if (errors.length === 0) return '';
  const lines = errors.map((e) => e.format());
  lines.push(errors.length === 1 ? '1 error' : `${errors.length} errors`);
  return lines.join('\n');
}
