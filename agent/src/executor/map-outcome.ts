import {
  OCF_ERR_ARGS,
  OCF_ERR_CONFIGURED,
  OCF_ERR_INSTALLED,
  OCF_ERR_PERM,
  OCF_ERR_UNIMPLEMENTED,
  OCF_NOT_RUNNING,
  OCF_RUNNING_PROMOTED,
  OCF_SUCCESS,
} from './ocf-exit-code.js';
import type {
  ExecutionStatus,
  FailureSeverity,
  OperationAction,
  OperationOutcome,
} from './operation-result.js';

/**
 * The severity of a failing OCF exit code: 2, 3, 4 and 5 are properties of this node (hard:
 * ban here), 6 is a property of the configuration (fatal: nowhere), everything else (1, 7
 * where running was expected, 9, codes outside the table) may pass (soft).
 */
export function failureSeverity(rc: number): FailureSeverity {
  switch (rc) {
    case OCF_ERR_ARGS:
    case OCF_ERR_UNIMPLEMENTED:
    case OCF_ERR_PERM:
    case OCF_ERR_INSTALLED:
      return 'hard';
    case OCF_ERR_CONFIGURED:
      return 'fatal';
    default:
      return 'soft';
  }
}

const STOP_FAILED: OperationOutcome = { kind: 'stop-failed' };

/**
 * Fold an execution status and an exit code into what they mean for the caller
 * (docs/executor.md has the table). Pure; `rc` is read only when `status` is `done`.
 *
 * The rules that matter for "never active on two nodes": a stop succeeds only on 0 or 7
 * (already stopped) after running to completion: a timeout, cancellation, missing agent or
 * any other code is `stop-failed`, except a missing agent (status `not-installed`): nothing
 * can have been started here without it, so that stop reports `not-running` with
 * `runnableHere: false`, as a probe would. A cancelled start is a failure (it may be half started).
 * A probe that finds the agent or its software missing (status `not-installed`, or rc 5)
 * reports `not-running` with `runnableHere: false`: it cannot run here, so it does not.
 */
export function mapOutcome(
  action: OperationAction,
  status: ExecutionStatus,
  rc: number | null,
): OperationOutcome {
  if (action === 'stop') {
    if (status === 'done' && (rc === OCF_SUCCESS || rc === OCF_NOT_RUNNING)) {
      return { kind: 'stopped' };
    }
    // No agent on this node: nothing of it can run here (this node starts resources only
    // through their agent), so it is as stopped as a probe would find it, and cannot run here.
    if (status === 'not-installed') return { kind: 'not-running', runnableHere: false };
    return STOP_FAILED;
  }
  switch (status) {
    case 'done':
      return mapExitCode(action, rc ?? -1);
    case 'cancelled':
      return action === 'start' ? { kind: 'failed', severity: 'soft' } : { kind: 'cancelled' };
    case 'not-installed':
      return action === 'probe'
        ? { kind: 'not-running', runnableHere: false }
        : { kind: 'failed', severity: 'hard' };
    case 'timeout':
    case 'error':
      return { kind: 'failed', severity: 'soft' };
  }
}

function mapExitCode(action: Exclude<OperationAction, 'stop'>, rc: number): OperationOutcome {
  switch (action) {
    case 'start':
      return rc === OCF_SUCCESS
        ? { kind: 'started' }
        : { kind: 'failed', severity: failureSeverity(rc) };
    case 'monitor':
    case 'probe':
      if (rc === OCF_SUCCESS || rc === OCF_RUNNING_PROMOTED) return { kind: 'running' };
      if (action === 'probe' && rc === OCF_NOT_RUNNING) {
        return { kind: 'not-running', runnableHere: true };
      }
      if (action === 'probe' && rc === OCF_ERR_INSTALLED) {
        return { kind: 'not-running', runnableHere: false };
      }
      // A recurring monitor runs only where the resource should run: 7 there is a failure.
      return { kind: 'failed', severity: failureSeverity(rc) };
    case 'meta-data':
    case 'validate-all':
      return rc === OCF_SUCCESS
        ? { kind: 'succeeded' }
        : { kind: 'failed', severity: failureSeverity(rc) };
  }
}
