/**
 * The result of reading one configuration value: the value, or a message that says what is
 * wrong and what is allowed. Readers return this rather than throwing, so the loader can
 * collect every problem in a file.
 */
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** A successful read. */
export function accept<T>(value: T): ParseOutcome<T> {
  return { ok: true, value };
}

/** A failed read, with the message to show (what is wrong, then what is allowed). */
export function reject<T>(message: string): ParseOutcome<T> {
  return { ok: false, message };
}
