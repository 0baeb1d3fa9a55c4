import { mapOutcome } from './map-outcome.js';
import { ocfExitCodeName } from './ocf-exit-code.js';
import type { ProcessGroupRunResult } from './process-group-run.js';
import type { ExecutionStatus, OperationRequest, OperationResult } from './operation-result.js';

/**
 * The result of an operation that ran no process (missing agent, invalid request, cancelled
 * before launch, an action a class does not implement): `status` with its `reason`, and an
 * exit code only for `done`. No output.
 */
export function resultWithoutProcess(
  request: OperationRequest,
  status: ExecutionStatus,
  reason: string,
  rc: number | null = null,
): OperationResult {
  const doneRc = status === 'done' ? rc : null;
  return {
    resourceId: request.resource.id,
    action: request.action,
    status,
    rc: doneRc,
    outcome: mapOutcome(request.action, status, doneRc),
    reason,
    stdout: '',
    stderr: '',
    outputTruncated: false,
    pid: null,
    signalsSent: [],
    durationMs: 0,
  };
}

/**
 * The result of an operation from how its process ran. `rc` is the exit code to report when
 * the process exited on its own (the OCF agent's own code, or one translated from systemctl);
 * the reason is the agent's exit reason when it gave one, else `fallbackReason` when the
 * outcome is a failure, else an explanation of a timeout, cancellation or signal.
 */
export function resultFromRun(
  request: OperationRequest,
  run: ProcessGroupRunResult,
  rc: number | null,
  fallbackReason: string | null,
): OperationResult {
  const label = `${request.action} of ${request.resource.id}`;
  let status: ExecutionStatus;
  let reason: string | null = run.exitReason;
  switch (run.ended) {
    case 'spawn-error':
      status = 'error';
      reason ??= `could not run the agent for ${label}: ${run.error ?? 'unknown error'}`;
      break;
    case 'timeout':
    case 'cancelled':
      status = run.ended;
      reason =
        (run.ended === 'timeout'
          ? `${label} timed out after ${request.timeoutMs} ms`
          : `${label} was cancelled`) +
        `; its process group got ${run.signalsSent.join(' then ') || 'no signal (already gone)'}` +
        (run.exited ? '' : '; the process outlived SIGKILL') +
        (run.exitReason === null ? '' : ` (agent said: ${run.exitReason})`);
      break;
    case 'exit':
      if (run.exitSignal !== null || rc === null) {
        status = 'error';
        reason ??= `the agent for ${label} died of ${run.exitSignal ?? 'an unknown cause'}`;
      } else {
        status = 'done';
      }
      break;
  }
  const doneRc = status === 'done' ? rc : null;
  const outcome = mapOutcome(request.action, status, doneRc);
  if (
    reason === null &&
    doneRc !== null &&
    (outcome.kind === 'failed' || outcome.kind === 'stop-failed')
  ) {
    reason = fallbackReason ?? `${label} returned ${doneRc} (${ocfExitCodeName(doneRc)})`;
  }
  return {
    resourceId: request.resource.id,
    action: request.action,
    status,
    rc: doneRc,
    outcome,
    reason,
    stdout: run.stdout,
    stderr: run.stderr,
    outputTruncated: run.outputTruncated,
    pid: run.pid,
    signalsSent: run.signalsSent,
    durationMs: run.durationMs,
  };
}
