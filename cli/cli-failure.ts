import { ExitCode } from './exit-codes.js';

/**
 * Why a clusterctl command failed: the exit code and the message to print (what happened
 * and what to do). Commands return failures as values; only main.ts prints them and exits.
 */
export interface CliFailure {
  exitCode: ExitCode;
  message: string;
}

/** A command's outcome: a value, or a failure. */
export type CliResult<T> = { ok: true; value: T } | { ok: false; failure: CliFailure };

/** A failure result. */
export function fail<T>(exitCode: ExitCode, message: string): CliResult<T> {
  return { ok: false, failure: { exitCode, message } };
}

/** A refusal of invalid input (exit 2). */
export function invalidInput<T>(message: string): CliResult<T> {
  return fail(ExitCode.REFUSED, message);
}
