/** The environment variable that asks for plaintext, like --insecure. */
export const INSECURE_ENV = 'QUORATE_INSECURE';

/**
 * Whether QUORATE_INSECURE asks for insecure mode: `1`, `true` or `yes` do; unset, empty,
 * `0`, `false` or `no` do not. Anything else throws a RangeError naming the variable, so a
 * typo can never switch security off (commander's own env handling would take `0` as on).
 */
export function insecureFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = (env[INSECURE_ENV] ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['', '0', 'false', 'no'].includes(raw)) return false;
  throw new RangeError(
    `${INSECURE_ENV}=${JSON.stringify(env[INSECURE_ENV])} is not understood: use 1 (plaintext, development only) or leave it unset`,
  );
}
