import { quote } from './describe-value.js';

/** Longest resource id, constraint id, node name or parameter name accepted. */
export const SAFE_NAME_MAX_LENGTH = 64;

/** The rule in words, for error messages and docs. */
export const SAFE_NAME_RULE = `letters, digits, "_", "." and "-", starting with a letter or digit, at most ${SAFE_NAME_MAX_LENGTH} characters`;

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Why `name` is not a safe name ("it contains \"/\"", "it is empty"...), or undefined when it
 * is. Ids and OCF parameter names end up in environment variable names (OCF_RESKEY_<name>),
 * file names and command lines, so they are limited to [A-Za-z0-9_.-], must start with a
 * letter or digit (no "-x" read as an option, no "." or ".." path tricks) and are at most 64
 * characters long.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length <= SAFE_NAME_MAX_LENGTH && SAFE_NAME.test(name)) return undefined;
  if (name === '') return 'it is empty';
  if (!/^[A-Za-z0-9]/.test(name)) return `it starts with ${quote([...name][0])}`;
  if (name.length > SAFE_NAME_MAX_LENGTH) return `it is ${name.length} characters long`;
  const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c)) ?? '';
  return `it contains ${quote(bad)}`;
}

/**
 * The full error message for an unsafe name, or undefined when the name is safe:
 * `invalid id "my vip": it contains " "; allowed: letters, digits, ...`.
 *
 * @param what how the name is called in the message, e.g. "id" or "parameter name"
 */
export function unsafeNameProblem(name: string, what: string): string | undefined {
  const reason = unsafeNameReason(name);
  return reason === undefined
    ? undefined
    : `invalid ${what} ${quote(name)}: ${reason}; allowed: ${SAFE_NAME_RULE}`;
}
