/**
 * Where a value sits in a configuration file: the mapping keys as the user wrote them and the
 * list indexes that lead to it from the top of the document. Error messages print it so an
 * admin can find the field without counting lines.
 */
export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Render a path the way a reader would write it: `resources[2].operations.monitor.interval`.
 * Keys that are not plain words (spaces, dots, quotes...) are quoted in brackets, e.g.
 * `params["my.key"]`, so the rendering is never ambiguous. The empty path renders as "".
 */
export function formatConfigPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
