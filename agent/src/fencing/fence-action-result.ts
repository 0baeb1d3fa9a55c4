import type { FenceAction } from './fence-action.js';

/**
 * Whether a fence agent ran to completion (the first axis of a result, as for resource
 * operations). Only after `done` does `rc` mean anything.
 * - `done`: the agent exited on its own; `rc` is its exit code.
 * - `timeout`: it outlived the device's timeout and its process group was killed.
 * - `cancelled`: the caller aborted it (its process group was killed) or it never began.
 * - `not-installed`: no executable agent by that name in the search directories, or it could
 *   not be executed (exit 126 or 127 from the shell or `env`: a missing interpreter).
 * - `error`: it could not be run (invalid parameters, unknown device, no plug for the node,
 *   spawn failure). An agent killed by a signal we did not send shows as `done` with the
 *   shell's exit code 128 + the signal number (a failure), since a shell feeds its stdin.
 */
export type FenceExecutionStatus = 'done' | 'timeout' | 'cancelled' | 'not-installed' | 'error';

/**
 * What a result says, folded from status and rc: `succeeded` / `failed` for every action but
 * `status`, which answers `on` (rc 0) or `off` (rc 2), and `failed` for anything else. A run
 * that did not complete is always `failed`: it proves nothing.
 */
export type FenceAnswer = 'succeeded' | 'failed' | 'on' | 'off';

/**
 * The answer of `action` given how it ended: rc 0 is success (for `status`: the node is on),
 * rc 2 for `status` is off, everything else (other codes, or no exit code) is a failure.
 */
export function fenceAnswer(
  action: FenceAction,
  status: FenceExecutionStatus,
  rc: number | null,
): FenceAnswer {
  if (status !== 'done') return 'failed';
  if (action === 'status') return rc === 0 ? 'on' : rc === 2 ? 'off' : 'failed';
  return rc === 0 ? 'succeeded' : 'failed';
}

/**
 * The result of one fence agent run. Nothing in it holds a secret: output and reason are
 * redacted before they are stored here, so it may be logged, stored in the Raft log and shown
 * by `clusterctl events` as it is.
 */
export interface FenceActionResult {
  device: string;
  action: FenceAction;
  /** The node the action was about, null for device-level actions (monitor, list, metadata). */
  node: string | null;
  /** The plug sent (null when none was). */
  plug: string | null;
  status: FenceExecutionStatus;
  /** The agent's exit code when `status` is `done`, otherwise null. */
  rc: number | null;
  answer: FenceAnswer;
  /**
   * Why, in one line, when the answer is a failure: our explanation of the status, or the last
   * line the agent wrote on stderr with its exit code. Null otherwise.
   */
  reason: string | null;
  /** Standard output and error, each cut at the configured bound, secrets redacted. */
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** The process id (also the process group id), null if nothing was started. */
  pid: number | null;
  /** Signals sent to the process group because of a timeout or cancellation, in order. */
  signalsSent: ('SIGTERM' | 'SIGKILL')[];
  /** From launch to exit (or giving up), monotonic; 0 when nothing was started. */
  durationMs: number;
}
