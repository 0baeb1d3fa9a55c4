import type { FenceAction, FenceMode } from './fence-action.js';
import type {
  FenceActionResult,
  FenceAnswer,
  FenceExecutionStatus,
} from './fence-action-result.js';

/**
 * One agent run made while fencing a node, as `clusterctl events` and `explain` show it. Holds
 * no secret and no raw output: the reason says what went wrong.
 */
export interface FenceAttempt {
  /** The topology level it belonged to. */
  level: number;
  device: string;
  action: FenceAction;
  plug: string | null;
  status: FenceExecutionStatus;
  rc: number | null;
  answer: FenceAnswer;
  /** Why it failed (or, for a `status` that said `on`, that it did), null otherwise. */
  reason: string | null;
  durationMs: number;
}

/**
 * How fencing one node ended. `ok` means a fence device confirmed the node off: every device of
 * one level powered it off and then reported, through `status`, that it is off. Anything less
 * is not ok, and the node must be treated as possibly running.
 */
export interface FenceOutcome {
  node: string;
  ok: boolean;
  mode: FenceMode;
  /** The index of the level that fenced the node, null when none did. */
  level: number | null;
  /** One line for operators: which level did it, or why each level failed. */
  reason: string;
  /** Every agent run, in the order they happened. */
  attempts: FenceAttempt[];
  /** From the first run to the verdict, monotonic. */
  durationMs: number;
}

/** The attempt record of one agent run. */
export function attemptFromResult(level: number, result: FenceActionResult): FenceAttempt {
  return {
    level,
    device: result.device,
    action: result.action,
    plug: result.plug,
    status: result.status,
    rc: result.rc,
    answer: result.answer,
    reason: result.answer === 'on' ? `device ${result.device} reports node on` : result.reason,
    durationMs: result.durationMs,
  };
}
