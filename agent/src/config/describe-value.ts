const MAX_SHOWN_CHARS = 40;

/**
 * How a value read from YAML is named in an error message ("got the number 5", "got a list"),
 * so a type error says what the file actually contains. Long strings are shortened.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/**
 * A string in double quotes with JSON escapes (so invisible characters show), shortened to
 * about 40 characters.
 */
export function quote(text: string): string {
  const shown = text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}...` : text;
  return JSON.stringify(shown);
}
