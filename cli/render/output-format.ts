import { Option } from 'commander';
import { stringify } from 'yaml';

/** How a read verb prints its answer. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** The `-o, --output` option every read verb has. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(['table', 'json', 'yaml'])
    .default('table');
}

/**
 * `value` as the format asks: `table` is the verb's own text (`table()`), `json` and `yaml`
 * the API reply as is, field names as in the API (camelCase), for scripts.
 */
export function formatOutput(format: OutputFormat, value: unknown, table: () => string): string {
  switch (format) {
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'yaml':
      return stringify(value).trimEnd();
    case 'table':
      return table();
  }
}
