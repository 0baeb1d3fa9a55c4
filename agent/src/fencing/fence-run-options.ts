import { defaultFenceAgentDirs } from './fence-agent-path.js';
import { SILENT_FENCE_LOGGER, type FenceLogger } from './fence-logger.js';

/** How fence agents are run; every field has a default (FENCE_RUN_DEFAULTS). */
export interface FenceRunOptions {
  /** Where bare agent names are looked up, in order (default /usr/sbin, then fence-agents/). */
  agentDirs?: string[];
  /** After a timeout's SIGTERM, how long before the group gets SIGKILL. */
  killGraceMs?: number;
  /** After SIGKILL, how long to wait for the process before reporting it unkillable. */
  killWaitMs?: number;
  /** Most bytes of stdout, and of stderr, kept for diagnostics. */
  outputMaxBytes?: number;
  /** After exit, how long to wait for pipes held by leftover children. */
  drainAfterExitMs?: number;
  /** After the result, how long leftover children's pipes are drained before being closed. */
  lingerMaxMs?: number;
  /** Where runs are reported (secrets redacted). Default: silent. */
  logger?: FenceLogger;
  /** Aborting kills the running agent's group (TERM, then KILL): the result is `cancelled`. */
  signal?: AbortSignal;
}

/** The options with every default filled in. */
export type ResolvedFenceRunOptions = Required<Omit<FenceRunOptions, 'signal'>> & {
  signal: AbortSignal | undefined;
};

/**
 * Defaults. The kill grace is short: a fence agent holds no state worth a clean shutdown, and
 * a hung one delays the failover.
 */
export const FENCE_RUN_DEFAULTS = {
  killGraceMs: 1_000,
  killWaitMs: 2_000,
  outputMaxBytes: 16 * 1024,
  drainAfterExitMs: 25,
  lingerMaxMs: 10_000,
} as const;

/** Fill in the defaults. */
export function resolveFenceRunOptions(options: FenceRunOptions): ResolvedFenceRunOptions {
  return {
    agentDirs: options.agentDirs ?? defaultFenceAgentDirs(),
    killGraceMs: options.killGraceMs ?? FENCE_RUN_DEFAULTS.killGraceMs,
    killWaitMs: options.killWaitMs ?? FENCE_RUN_DEFAULTS.killWaitMs,
    outputMaxBytes: options.outputMaxBytes ?? FENCE_RUN_DEFAULTS.outputMaxBytes,
    drainAfterExitMs: options.drainAfterExitMs ?? FENCE_RUN_DEFAULTS.drainAfterExitMs,
    lingerMaxMs: options.lingerMaxMs ?? FENCE_RUN_DEFAULTS.lingerMaxMs,
    logger: options.logger ?? SILENT_FENCE_LOGGER,
    signal: options.signal,
  };
}
