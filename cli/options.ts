import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../agent/src/config/duration.js';
import { insecureFromEnv } from '../agent/src/security/insecure-flag.js';

/** The agent clusterctl talks to when neither --endpoint nor QUORATE_ENDPOINT says otherwise. */
export const DEFAULT_ENDPOINT = '127.0.0.1:7400';

/** The options every verb inherits from the root command. */
export interface GlobalOptions {
  endpoint: string;
  requestTimeoutMs: number;
  /** Where the admin certificate, its key and the cluster CA are (security/tls-files.ts). */
  tlsDir: string;
  /** Plaintext, no certificate: only for agents started with --insecure. */
  insecure: boolean;
}

/** The root's options as seen from a subcommand. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{
    endpoint: string;
    requestTimeout: number;
    tlsDir: string;
    insecure?: boolean;
  }>();
  return {
    endpoint: o.endpoint,
    requestTimeoutMs: o.requestTimeout,
    tlsDir: o.tlsDir,
    insecure: o.insecure === true || insecureFromEnv(),
  };
}

/**
 * A commander argument parser for durations (`30s`, `5m`, `1h30m`, `500ms`, as in the
 * configuration file); a bad value is a usage error naming the accepted forms.
 */
export function durationArg(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.value;
}

/** Like {@link durationArg}, refusing zero. */
export function positiveDurationArg(value: string): number {
  const ms = durationArg(value);
  if (ms === 0) throw new InvalidArgumentError('must be longer than 0');
  return ms;
}

/** A commander parser for "host:port". */
export function endpointArg(value: string): string {
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value))
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:7401');
  return value;
}

/** A commander parser for a positive whole number. */
export function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}
