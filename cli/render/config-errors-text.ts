import type { ConfigErrorView } from '../../agent/src/api/admin-messages.js';

/** Configuration errors as compilers print them, one per line, then how many. */
export function renderConfigErrors(errors: ConfigErrorView[]): string {
  const lines = errors.map((e) => e.text);
  lines.push(errors.length === 1 ? '1 error' : `${errors.length} errors`);
  return lines.join('\n');
}
