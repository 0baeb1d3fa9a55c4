import type { ResourceDef } from '../config/model.js';

/**
 * The actions the local resource manager runs. `probe` is a one-off `monitor` (the agent sees
 * action `monitor` with OCF_RESKEY_CRM_meta_interval=0) asking "does this run here?" before
 * anything is decided; a recurring `monitor` asks "does it still run?" of something that
 * should.
 */
export type OperationAction = 'start' | 'stop' | 'monitor' | 'probe' | 'meta-data' | 'validate-all';

/**
 * Whether the agent ran to completion: the first of the two axes of a result (Pacemaker's
 * execution status). Only after `done` does the exit code mean anything.
 * - `done`: the agent exited on its own; `rc` is its exit code.
 * - `timeout`: it outlived the operation's timeout and its process group was killed.
 * - `cancelled`: the caller aborted it (its process group was killed) or it never began.
 * - `not-installed`: there is no runnable agent (missing file, not executable, no systemd).
 * - `error`: it could not be run (spawn failure, invalid request) or died of a signal it was
 *   not sent by us.
 */
export type ExecutionStatus = 'done' | 'timeout' | 'cancelled' | 'not-installed' | 'error';

/**
 * How far a failure reaches, the OCF way: `soft` may pass (retry here, counted towards
 * migration-threshold); `hard` is a property of this node (ban the resource here);
 * `fatal` is a property of the configuration (do not try it on any node).
 */
export type FailureSeverity = 'soft' | 'hard' | 'fatal';

/**
 * What a result means for the caller, the second axis folded with the first (see
 * map-outcome.ts for the table):
 * - `started`: a start succeeded.
 * - `stopped`: a stop succeeded (or found it already stopped).
 * - `running`: a monitor or probe found it running.
 * - `not-running`: a probe found it cleanly stopped. `runnableHere` is false when the agent
 *   or its software is missing here: certainly not running, and it cannot run here either.
 * - `failed`: a start, monitor, probe, meta-data or validate-all failed; see `severity`.
 * - `stop-failed`: a stop failed or timed out: it may still run, and only fencing the node
 *   (or blocking the resource) makes that safe.
 * - `succeeded`: meta-data or validate-all succeeded (says nothing about the resource's state).
 * - `cancelled`: a monitor, probe, meta-data or validate-all was aborted; it says nothing.
 *   (A cancelled start is `failed` and a cancelled stop is `stop-failed`: both may have
 *   left something half done.)
 */
export type OperationOutcome =
  | { kind: 'started' }
  | { kind: 'stopped' }
  | { kind: 'running' }
  | { kind: 'not-running'; runnableHere: boolean }
  | { kind: 'failed'; severity: FailureSeverity }
  | { kind: 'stop-failed' }
  | { kind: 'succeeded' }
  | { kind: 'cancelled' };

/** One operation to run: which resource, which action, and its timing. */
export interface OperationRequest {
  resource: Pick<ResourceDef, 'id' | 'agent' | 'params'>;
  action: OperationAction;
  /** After this long the agent's process group gets SIGTERM, then SIGKILL after a grace. */
  timeoutMs: number;
  /** Recurring monitors: their interval (passed to the agent); 0 for everything else. */
  intervalMs: number;
}

/**
 * The full result of one operation. `status` and `rc` are kept apart (did it run? what did
 * it say?), `outcome` is what they mean together. Output is bounded and for diagnostics only.
 */
export interface OperationResult {
  resourceId: string;
  action: OperationAction;
  status: ExecutionStatus;
  /** The agent's exit code when `status` is `done`, otherwise null. */
  rc: number | null;
  outcome: OperationOutcome;
  /**
   * Why, in one line: the agent's last `ocf-exit-reason:` line if it printed one, otherwise
   * our explanation for a status other than `done` (or for a failing rc); null on success.
   */
  reason: string | null;
  /** Standard output and error, each cut at the configured bound (`outputTruncated`). */
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** The agent's process id (also its process group id), null if it never started. */
  pid: number | null;
  /** Signals sent to the process group because of a timeout or cancellation, in order. */
  signalsSent: ('SIGTERM' | 'SIGKILL')[];
  /** From launch to process exit (or giving up), on a monotonic clock, for metrics. */
  durationMs: number;
}
