import { readFileSync } from 'node:fs';
import { invalidInput, type CliResult } from './cli-failure.js';

/** A configuration file's text and the name its errors carry. */
export interface ConfigFile {
  text: string;
  name: string;
}

/**
 * Read `path` (`-` for standard input, named `<stdin>` in errors). An unreadable file is
 * invalid input (exit 2) with the reason, not a crash.
 */
export function readConfigFile(path: string): CliResult<ConfigFile> {
  try {
    if (path === '-')
      return { ok: true, value: { text: readFileSync(0, 'utf8'), name: '<stdin>' } };
    return { ok: true, value: { text: readFileSync(path, 'utf8'), name: path } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : err instanceof Error
              ? err.message
              : String(err);
    return invalidInput(`cannot read ${path}: ${why}`);
  }
}
